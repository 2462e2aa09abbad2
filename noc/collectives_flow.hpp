// Collectives on the flow-level fabric model, as barrier-separated phases of
// flows. Bandwidth figures follow the nccl-tests conventions
// (doc/PERFORMANCE.md there): algbw = S / time; busbw = algbw x factor with
// factor 2(n-1)/n for all-reduce and (n-1)/n for all-gather, reduce-scatter
// and all-to-all, so busbw is comparable to a link's bandwidth.
// S is: all-reduce the buffer; all-gather the gathered output (n chunks);
// reduce-scatter the input (n chunks); all-to-all each rank's send buffer
// (S/n to each peer, itself included, as nccl-tests counts it).
#pragma once
#include <string>
#include <vector>

#include "noc/flow_model.hpp"

namespace npusim::noc {

// Load on the links of one tier: tier 1 joins NPUs to their first switches
// (or to each other), tier 2 the next level up, and so on (a link's tier is
// the larger hop distance of its two ends from the nearest NPU).
struct TierUse {
  int tier = 0;
  int links = 0;             // directed links in the tier
  double bytes = 0;          // carried over the whole collective
  double capacity_gbps = 0;  // sum of their bandwidths
  double utilization = 0;    // bytes / (capacity x time), 0..1
};

// Load on the links of one network plane (Topology::plane_name): tiers mix
// planes on a SuperCluster (NPU-L1 UB links and NPU-leaf RDMA links are both
// tier 1), so this says which plane carried the bytes.
struct PlaneUse {
  std::string plane;
  int links = 0;
  double bytes = 0;
  double capacity_gbps = 0;
  double utilization = 0;  // bytes / (capacity x time), 0..1
};

// Tier of every link of `t` (see TierUse).
std::vector<int> link_tiers(const Topology& t);
// Per-tier load of `link_bytes` (bytes carried by each link of `t`) over a
// collective lasting `time_ns`.
std::vector<TierUse> tier_use(const Topology& t, const std::vector<double>& link_bytes, double time_ns);
// Per-plane load likewise (planes with links only, in plane id order).
std::vector<PlaneUse> plane_use(const Topology& t, const std::vector<double>& link_bytes, double time_ns);

struct CollectiveResult {
  std::string name;
  int ranks = 0;
  double bytes = 0;  // S
  double time_us = 0;
  double algbw_gbps = 0;
  double busbw_gbps = 0;
  int phases = 0;          // barrier-separated steps of the algorithm
  int simulated_phases = 0;  // steps actually run through the flow model
  std::string algo;
  std::vector<TierUse> tiers;  // per-tier link load over the whole collective
  std::vector<PlaneUse> planes;  // per-plane link load, planes with links only, in plane id order
};

// `ranks` (empty: all endpoints) checked: at least 2, each an NPU node;
// ConfigError names `what` and the offending rank otherwise.
std::vector<int> collective_ranks(const Topology& t, std::vector<int> ranks, const std::string& what);

// `ranks` are endpoint node ids in ring order (empty: all endpoints in id
// order). Ring algorithms send rank i -> rank i+1. Every step of a ring
// algorithm is the same set of flows, so with no other traffic the fluid
// model gives every step the same duration: we simulate one step and
// multiply (simulated_phases says so).
CollectiveResult ring_allreduce(const Topology& t, double bytes, std::vector<int> ranks = {});
CollectiveResult ring_allgather(const Topology& t, double bytes, std::vector<int> ranks = {});
CollectiveResult ring_reduce_scatter(const Topology& t, double bytes, std::vector<int> ranks = {});
// Direct all-to-all: every rank sends S/n to every other rank at once.
CollectiveResult alltoall(const Topology& t, double bytes, std::vector<int> ranks = {});
// Direct (one-shot) `op` (allreduce, allgather, reducescatter, alltoall):
// every rank sends S/n to every other at once. All-gather and
// reduce-scatter are one such phase; all-reduce is a reduce-scatter phase
// then an all-gather phase, identical, so simulated once and doubled.
CollectiveResult direct_collective(const Topology& t, const std::string& op, double bytes, std::vector<int> ranks = {});

// Pairwise all-to-all: n-1 barrier-separated steps; at step k rank i sends
// S/n to rank i+k. Steps differ on most topologies (rank i+k is k hops
// away on a ring, inside or outside the server on a Clos), so each is
// simulated. At most 1024 ranks (n-1 flow runs of n flows).
CollectiveResult pairwise_alltoall(const Topology& t, double bytes, std::vector<int> ranks = {});

// Rabenseifner all-reduce: recursive-halving reduce-scatter then
// recursive-doubling all-gather, 2 log2(n) steps (n a power of two; each
// step simulated, as partners move farther apart step by step).
CollectiveResult halving_doubling_allreduce(const Topology& t, double bytes, std::vector<int> ranks = {});
// Hierarchical all-reduce over groups of `group` consecutive ranks (a
// server): ring reduce-scatter inside each group, ring all-reduce of each
// shard across groups (one ring per shard index, all at once), ring
// all-gather inside each group. n must be a multiple of group.
CollectiveResult hierarchical_allreduce(const Topology& t, double bytes, int group, std::vector<int> ranks = {});
// Double binary tree all-reduce (NCCL's tree algorithm in the fluid limit):
// two trees each reduce half the buffer up and broadcast it down, edges
// streaming at once; time = per phase the slowest edge's drain + depth x
// the slowest edge latency.
CollectiveResult double_tree_allreduce(const Topology& t, double bytes, std::vector<int> ranks = {});
// Pipelined chain broadcast from ranks[0] (NCCL's ring broadcast in the
// fluid limit): every hop carries S at once; time = slowest hop's drain +
// the chain's latency. busbw factor 1.
CollectiveResult broadcast(const Topology& t, double bytes, std::vector<int> ranks = {});

// MoE token traffic (expert parallelism over the ranks): every rank holds
// `tokens` tokens and sends each to `topk` distinct experts chosen uniformly
// at random (seeded) among `experts`, dealt round-robin over the ranks;
// a token's payload is `token_bytes`. Dispatch sends tokens to their
// experts' ranks, combine sends the results back (the same matrix
// transposed); tokens routed to the sender's own rank stay local. One
// all-to-all-v phase. S (for algbw) = the bytes a rank sends on average;
// busbw factor (n-1)/n as for all-to-all. At most 1024 ranks (n^2 flows).
struct MoeTraffic {
  int tokens = 0, topk = 0, experts = 0;
  double token_bytes = 0;
  uint64_t seed = 1;
  bool combine = false;
};
CollectiveResult moe_alltoallv(const Topology& t, const MoeTraffic& m, std::vector<int> ranks = {});
// The same traffic exchanged pairwise (all-to-all-v, pairwise): n-1
// barrier-separated steps, at step k rank i sends its bytes for rank i+k
// (nothing when it has none). Every step is simulated.
CollectiveResult moe_pairwise(const Topology& t, const MoeTraffic& m, std::vector<int> ranks = {});
// The token matrix behind it: n x n tokens, [src * n + dst] (ConfigError on
// bad parameters). Shared with the packet-level MoE.
std::vector<double> moe_token_counts(int n, const MoeTraffic& m);
// Bytes rank i sends to rank j, [i * n + j]: the token matrix times the
// token size for dispatch, its transpose for combine (results go back).
std::vector<double> moe_send_bytes(int n, const MoeTraffic& m);

}  // namespace npusim::noc
