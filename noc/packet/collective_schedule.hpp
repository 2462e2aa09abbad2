// A collective as a graph of messages between ranks, run on the packet-level
// fabric with its data dependencies instead of barriers.
//
// A message is posted to its source NIC once
//  - every message it depends on (after()) has been delivered: the data it
//    carries was received, or reduced from what was received; and
//  - if it follows another message of the same stream (follows()), that one
//    has left the NIC backlog. A stream is a queue pair: its messages go out
//    in order. Without this the NIC's round-robin over messages would
//    interleave a pipeline's chunks and deliver them all at the end.
// The sender learns of a delivery at once (no acknowledgement latency); a
// receiver has unbounded buffering (no NCCL-like slot limit).
//
// The builders below put the algorithms of collectives_packet.hpp in this
// form; ranks are indices 0..n-1, mapped to NPU node ids when run.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "noc/packet/packet_params.hpp"
#include "noc/topology.hpp"

namespace npusim::noc {

class Schedule {
 public:
  struct Msg {
    int src = 0, dst = 0;  // rank indices
    uint64_t bytes = 0;
    int waits = 0;      // deliveries and injections still awaited
    int next = -1;      // the message that follows this one in its stream
  };
  int add(int src, int dst, uint64_t bytes);
  void after(int msg, int dep);     // msg waits for dep's delivery
  void follows(int msg, int prev);  // msg waits for prev's injection (one follower per message)
  int size() const { return static_cast<int>(msgs_.size()); }
  const std::vector<Msg>& msgs() const { return msgs_; }
  const std::vector<std::pair<int, int>>& deps() const { return deps_; }  // (dep, msg)
  double packets(double mtu_bytes) const;  // over all messages

 private:
  std::vector<Msg> msgs_;
  std::vector<std::pair<int, int>> deps_;
};

struct ScheduleRun {
  double time_ns = 0;                  // last delivery
  std::vector<double> link_wire_bytes; // per link: flits x flit bytes (headers and padding included)
};

// Runs `s` with rank i on NPU node ranks[i]. UsageError above the
// packet-level size limits; ProtocolError if a message never arrives (a
// dependency cycle: a builder bug).
ScheduleRun run_schedule(const Topology& t, const PacketParams& p, const std::vector<int>& ranks, const Schedule& s,
                         const std::string& what);

// --- builders -------------------------------------------------------------
// `chunk` is the per-rank block, ceil(S/n) (or the pipeline chunk).
// Ring over ranks 0..n-1: `steps` steps of `chunk`; rank i sends step s once
// its predecessor's step s-1 arrived.
Schedule ring_schedule(int n, int steps, uint64_t chunk);
// Every rank sends `chunk` to every other at once, rank i to i+1, i+2, ...
Schedule direct_schedule(int n, uint64_t chunk);
// n-1 steps, rank i sends to i+k at step k once its step k-1 send was
// delivered and its step k-1 receive (from i-k+1) arrived.
Schedule pairwise_schedule(int n, uint64_t chunk);
// The same with per-pair sizes (all-to-all-v): bytes[i * n + j] from rank i
// to rank j; an empty pair sends nothing, so the next step waits only on the
// messages that exist (the rank's last send, its last receive).
Schedule pairwise_v_schedule(int n, const std::vector<double>& bytes);
// Rabenseifner: log2 n recursive-halving exchanges (partner i ^ n/2, i ^ n/4,
// ...; S/2, S/4, ...) then log2 n recursive-doubling ones, mirrored; step s
// once the partner's step s-1 data arrived. n a power of two.
Schedule halving_doubling_schedule(int n, uint64_t chunk);
// Groups of g consecutive ranks: ring reduce-scatter in the group (blocks
// S/g), ring all-reduce across groups per shard (S/g/m), ring all-gather in
// the group; each rank enters a phase as soon as its own previous phase is
// done and the ring's data reaches it. `bytes` = S.
Schedule hierarchical_schedule(int n, int g, double bytes);
// Two binary trees (heap order, the second mirrored), each carrying half of
// S in chunks: a node sends chunk c up once its children's chunk c arrived;
// the root, once it has reduced chunk c, sends it down, and each node
// forwards it down on arrival (reduce and broadcast overlap, as in NCCL).
Schedule double_tree_schedule(int n, double bytes, uint64_t chunk_bytes);
// Chain 0 -> 1 -> ... -> n-1 carrying S in chunks, each forwarded on arrival.
Schedule chain_broadcast_schedule(int n, double bytes, uint64_t chunk_bytes);

}  // namespace npusim::noc
