// The static structure the executor runs on, built once from the placed
// graphs: nodes of every job under global indices, each node's successors
// (its dependents and the next node of its stream) and how many
// predecessors it waits for, the send each recv pairs with, and which nodes
// form one collective instance (workload/graph_executor.hpp states the
// matching rules).
#pragma once
#include <vector>

#include "noc/collective_params.hpp"
#include "noc/collective_plan.hpp"
#include "workload/opgraph.hpp"

namespace npusim::workload {

struct PlacedGraph;

struct Instance {
  int job = 0;
  std::vector<int> members;  // global node indices, in plan rank order (a broadcast's root first)
};

struct GraphMatching {
  std::vector<size_t> offset;     // job -> first global index
  std::vector<int> job_of;        // global -> job
  std::vector<int> first, succ;   // successors, CSR by global index
  std::vector<int> waits;         // predecessors per node
  std::vector<int> partner;       // send -> its recv, recv -> its send (-1 otherwise)
  std::vector<int> instance_of;   // collective/alltoallv node -> instance (-1 otherwise)
  std::vector<Instance> instances;
  int local(int g) const { return g - int(offset[size_t(job_of[size_t(g)])]); }
};

// ConfigError (naming the trace, rank and node) for a send without its
// recv, a collective some member never reaches, or members that disagree.
GraphMatching match_graphs(const std::vector<PlacedGraph>& jobs);

// The CollectivePlan of instance `i`: the node's op and algorithm (its
// default when none is given) over the group, or for an all-to-all-v one
// direct level of alike messages with the members' per-peer byte counts.
noc::CollectivePlan instance_plan(const std::vector<PlacedGraph>& jobs, const GraphMatching& m, int i,
                                  const noc::CollectiveParams& cp);

}  // namespace npusim::workload
