// A collective algorithm described once: the messages it sends between ranks
// 0..n-1, in levels, with the data dependencies between them. Both fidelities
// run this one object:
//  - the flow level (collectives_flow.hpp) runs it level by level with a
//    barrier between levels: a step level is one flow-model run (repeated
//    steps run once and multiply), a pipelined level streams all its
//    messages at once (the fluid limit of chunking);
//  - the packet level (packet/collective_schedule.hpp) expands it into
//    messages, each posted as soon as the messages it depends on arrived (no
//    barriers), a pipelined level chunk by chunk.
// Symmetric steps are one MessageGroup ("every rank r sends B bytes to
// r + k"), not n messages, so a 524,288-rank description stays small and the
// flow level runs an all-pairs step as a few flow groups.
//
// Step dependencies (PlanLevel, not pipelined): every repetition of a level
// is a step; a rank's message in a step waits for
//  - after_recv: the messages the rank received in its latest earlier step
//    that brought it any (the data it forwards or reduces);
//  - after_send: the messages it sent in its latest earlier step that sent
//    any (one transfer in flight per rank, as pairwise exchanges do);
//  - hold_entry: from the level's second step on, also what it had received
//    when the level began (its own shard, added at every step).
// Pipelined dependencies: chunk c of a message from rank r waits for chunk c
// of every message of the same part that r receives in this level, or, if
// it receives none here, in the latest pipelined level where it did (a tree
// root broadcasts what it reduced); a message's chunks leave in order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "noc/collective_params.hpp"
#include "noc/moe_traffic.hpp"

namespace npusim::noc {

struct PlanMessage {
  int src = 0, dst = 0;  // rank indices
  double bytes = 0;
};

struct MessageGroup {
  enum class Pattern {
    shift,      // every rank r sends `bytes` to r + k, wrapping inside its block of `block` consecutive ranks
    exchange,   // every rank r sends `bytes` to r xor k
    all_pairs,  // every rank sends `bytes` to every other, rank r to r+1, r+2, ... in turn
    list,       // the messages in `list`, in that order
  };
  Pattern pattern = Pattern::list;
  int k = 0;
  int block = 0;
  double bytes = 0;                // shift, exchange, all_pairs: per message
  std::vector<PlanMessage> list;   // list
  // list: messages of equal path length and size may move as one flow group
  // at flow level (an all-to-all-v whose pairs are alike), else one flow each.
  bool alike = false;
  int part = 0;  // pipelined levels: which part of the buffer (a tree of two) these carry

  static MessageGroup shift(int k, int block, double bytes);
  static MessageGroup exchange(int k, double bytes);
  static MessageGroup all_pairs(double bytes);
  bool operator==(const MessageGroup& o) const;
};

struct PlanLevel {
  std::vector<MessageGroup> groups;
  int repeat = 1;          // identical steps in a row (a ring's n-1)
  bool pipelined = false;  // messages stream in chunks, each forwarded as it arrives
  bool after_recv = true, after_send = false, hold_entry = false;
  bool same_traffic(const PlanLevel& o) const { return pipelined == o.pipelined && groups == o.groups; }
};

struct CollectivePlan {
  std::string op, algo;
  int ranks = 0;
  double bytes = 0;        // S for algbw (collectives_flow.hpp says what S is per op)
  double bus_factor = 1;   // busbw = algbw x this (nccl-tests)
  // The plan stands for this many identical phases run one after the other
  // (a direct all-reduce: a reduce-scatter then an identical all-gather);
  // both fidelities run it once and multiply.
  int times = 1;
  uint64_t chunk_bytes = 0;  // pipelined levels at packet level
  std::vector<PlanLevel> levels;
  int phases() const;        // times x steps (a pipelined level is one)
};

// Calls f(src, dst, bytes) for every message of one step of `g` over n
// ranks, in the order the packet level posts them.
template <class F>
void for_each_message(const MessageGroup& g, int n, F&& f) {
  switch (g.pattern) {
    case MessageGroup::Pattern::shift:
      for (int r = 0; r < n; ++r) f(r, r / g.block * g.block + (r % g.block + g.k) % g.block, g.bytes);
      break;
    case MessageGroup::Pattern::exchange:
      for (int r = 0; r < n; ++r) f(r, r ^ g.k, g.bytes);
      break;
    case MessageGroup::Pattern::all_pairs:
      for (int r = 0; r < n; ++r)
        for (int k = 1; k < n; ++k) f(r, (r + k) % n, g.bytes);
      break;
    case MessageGroup::Pattern::list:
      for (const PlanMessage& m : g.list) f(m.src, m.dst, m.bytes);
      break;
  }
}

// The description of `op` by `algo` over n ranks moving S = `bytes`
// (collective_params.hpp lists the algorithms per op; `c` gives the chunk
// size of the pipelined ones and the group of hierarchical). ConfigError on
// an unknown pair, fewer than 2 ranks, or a shape the algorithm cannot take
// (halving_doubling: n a power of two; hierarchical: group divides n;
// pairwise: at most 1024 ranks).
CollectivePlan plan_collective(const std::string& op, const std::string& algo, int n, double bytes,
                               const CollectiveParams& c = defaults_of<CollectiveParams>());
// MoE dispatch/combine over n ranks (moe_traffic.hpp), algo direct or
// pairwise; at most 1024 ranks (the token matrix is n x n).
CollectivePlan plan_moe(const std::string& algo, int n, const MoeTraffic& m);

// --- the algorithms (ranks 0..n-1; S = bytes) -----------------------------
// Ring: `steps` steps, rank i sends S/n to i+1 once its previous receive
// arrived (all-reduce 2(n-1) steps, all-gather and reduce-scatter n-1).
CollectivePlan ring_plan(int n, int steps, double bytes);
// Direct: every rank sends S/n to every other at once.
CollectivePlan direct_plan(int n, double bytes);
// Pairwise all-to-all: n-1 steps, rank i sends S/n to i+k at step k once its
// step k-1 send was delivered and its step k-1 receive arrived.
CollectivePlan pairwise_plan(int n, double bytes);
// Rabenseifner: log2 n recursive-halving exchanges (partner i ^ n/2, i ^ n/4,
// ...; S/2, S/4, ...) then log2 n recursive-doubling ones, mirrored; a step
// once the partner's previous data arrived. n a power of two.
CollectivePlan halving_doubling_plan(int n, double bytes);
// Groups of g consecutive ranks: ring reduce-scatter in the group (S/g), a
// ring all-reduce across groups per shard (rank i -> i+g, S/g/m, every step
// also after the rank's own reduced shard), ring all-gather in the group.
CollectivePlan hierarchical_plan(int n, int g, double bytes);
// Two binary trees (heap order: position p's parent is (p-1)/2; the second
// mirrors the ranks, position p is rank n-1-p, so most interior nodes of one
// are leaves of the other), each carrying S/2: a reduce-up level and a
// broadcast-down level, pipelined in chunks (NCCL's double binary tree).
CollectivePlan double_tree_plan(int n, double bytes, uint64_t chunk_bytes);
// Chain 0 -> 1 -> ... -> n-1 carrying S, pipelined in chunks.
CollectivePlan chain_broadcast_plan(int n, double bytes, uint64_t chunk_bytes);
// MoE direct: one message per rank pair with tokens, all at once. Pairwise:
// n-1 steps, rank i sends its bytes for i+k at step k once its previous send
// was delivered and its previous receive arrived (empty pairs send nothing
// and wait for nothing).
CollectivePlan moe_direct_plan(int n, const MoeTraffic& m);
CollectivePlan moe_pairwise_plan(int n, const MoeTraffic& m);

}  // namespace npusim::noc
