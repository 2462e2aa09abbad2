// Collectives on the flow-level fabric model: a CollectivePlan
// (collective_plan.hpp, the description the packet level runs too) run
// level by level with a barrier between levels. A step level is one
// flow-model run: a shift or exchange group as one flow per rank, an
// all-pairs group as one flow group per path cost (FlowModel::add_all_to_all,
// so a 15,488-rank all-to-all stays fast), a list of alike messages as one
// flow group per (path length, size); a level repeated r times, or equal to
// an earlier one, is simulated once and counted r times. A pipelined level
// is its fluid limit: every message streams at once, and the level lasts
// its slowest message's drain plus the longest chain of messages each
// feeding the next one's sender (the pipeline's first byte).
//
// Bandwidth figures follow the nccl-tests conventions
// (doc/PERFORMANCE.md there): algbw = S / time; busbw = algbw x factor with
// factor 2(n-1)/n for all-reduce and (n-1)/n for all-gather, reduce-scatter
// and all-to-all, so busbw is comparable to a link's bandwidth.
// S is: all-reduce the buffer; all-gather the gathered output (n chunks);
// reduce-scatter the input (n chunks); all-to-all each rank's send buffer
// (S/n to each peer, itself included, as nccl-tests counts it).
#pragma once
#include <string>
#include <vector>

#include "noc/collective_plan.hpp"
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

// --- a plan's levels as flows, for runs that share the fabric ---------------
// One step of a step level, every message starting at `start_ns`, added to
// `m` as the collective runner does (all-pairs as add_all_to_all groups,
// alike lists as flow groups, else one flow each); the ids added go to
// *ids. Returns whether anything was added.
bool add_step_flows(FlowModel& m, const Topology& t, const PlanLevel& level, const std::vector<int>& ranks,
                    double start_ns, std::vector<int>* ids = nullptr);
// A pipelined level's messages, one flow each, all from `start_ns`.
struct PipelinedFlows {
  std::vector<PlanMessage> msgs;
  std::vector<int> part, ids;
};
PipelinedFlows add_pipelined_flows(FlowModel& m, const PlanLevel& level, const std::vector<int>& ranks,
                                   double start_ns);
// When a pipelined level whose flows have all finished ends: its slowest
// drain plus the longest chain of messages each feeding the next one's
// sender (the pipeline's first byte). ProtocolError on a cycle.
double pipelined_level_end(const FlowModel& m, const PipelinedFlows& p, int n, const std::string& what);

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
  int simulated_phases = 0;  // steps actually run (flow: flow-model runs)
  std::string algo;
  std::vector<TierUse> tiers;  // per-tier link load over the whole collective
  std::vector<PlaneUse> planes;  // per-plane link load, planes with links only, in plane id order
};

// `ranks` (empty: all endpoints) checked: at least 2, each an NPU node;
// ConfigError names `what` and the offending rank otherwise.
std::vector<int> collective_ranks(const Topology& t, std::vector<int> ranks, const std::string& what);
// The same for a run of `plan`, which must have as many ranks.
std::vector<int> plan_ranks(const Topology& t, std::vector<int> ranks, const CollectivePlan& plan);
// The result keys of a run of `plan` that took `time_ns` and carried
// `link_bytes` per link of `t` (both over all plan.times phases).
CollectiveResult collective_result(const Topology& t, const CollectivePlan& plan, double time_ns,
                                   const std::vector<double>& link_bytes, int simulated);

// Runs `plan` with rank i on NPU node ranks[i] (`ranks` in ring order;
// empty: all endpoints in id order).
CollectiveResult flow_collective(const Topology& t, const CollectivePlan& plan, std::vector<int> ranks = {});
// `op` by `algo` (collective_params.hpp; ConfigError naming both and the
// available algorithms otherwise): plan_collective, then the run above.
CollectiveResult flow_collective(const Topology& t, const std::string& op, const std::string& algo, double bytes,
                                 std::vector<int> ranks = {},
                                 const CollectiveParams& c = defaults_of<CollectiveParams>());
// MoE dispatch/combine (moe_traffic.hpp) by `algo` (direct or pairwise).
// S (for algbw) = the bytes a rank routes on average; busbw factor (n-1)/n.
CollectiveResult flow_moe(const Topology& t, const MoeTraffic& m, std::vector<int> ranks = {},
                          const std::string& algo = "direct");

// Shorthands for flow_collective(t, op, algo, ...), one per algorithm.
CollectiveResult ring_allreduce(const Topology& t, double bytes, std::vector<int> ranks = {});
CollectiveResult ring_allgather(const Topology& t, double bytes, std::vector<int> ranks = {});
CollectiveResult ring_reduce_scatter(const Topology& t, double bytes, std::vector<int> ranks = {});
CollectiveResult alltoall(const Topology& t, double bytes, std::vector<int> ranks = {});  // direct
// Direct `op` (allreduce, allgather, reducescatter, alltoall).
CollectiveResult direct_collective(const Topology& t, const std::string& op, double bytes, std::vector<int> ranks = {});
CollectiveResult pairwise_alltoall(const Topology& t, double bytes, std::vector<int> ranks = {});
CollectiveResult halving_doubling_allreduce(const Topology& t, double bytes, std::vector<int> ranks = {});
CollectiveResult hierarchical_allreduce(const Topology& t, double bytes, int group, std::vector<int> ranks = {});
CollectiveResult double_tree_allreduce(const Topology& t, double bytes, std::vector<int> ranks = {});
CollectiveResult broadcast(const Topology& t, double bytes, std::vector<int> ranks = {});  // chain from ranks[0]
CollectiveResult moe_alltoallv(const Topology& t, const MoeTraffic& m, std::vector<int> ranks = {});  // direct
CollectiveResult moe_pairwise(const Topology& t, const MoeTraffic& m, std::vector<int> ranks = {});

}  // namespace npusim::noc
