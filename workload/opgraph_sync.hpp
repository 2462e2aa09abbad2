// The checks of an opgraph that span nodes: unique ids, dependency cycles
// (deps and stream order), send/recv matching and collective membership
// (the rules of workload/opgraph.hpp). Called by check_opgraph after each
// node passed its own checks.
#pragma once
#include <utility>
#include <vector>

#include "workload/opgraph.hpp"

namespace npusim::workload {

void check_unique_ids(const OpGraph& g);
// A cycle is reported with the ids on it, in execution order.
void check_cycles(const OpGraph& g);
void check_point_to_point(const OpGraph& g);
void check_collective_groups(const OpGraph& g);
// A cycle through deps, stream order, send -> recv and collectives (whose
// members wait for each other) is a deadlock whatever the timing: a recv
// ends after its send starts, a collective after all its members start.
// Reported with the nodes on it. Needs the checks above to have passed.
void check_cross_rank_order(const OpGraph& g);

// On a graph whose matching is checked (the executor matches across jobs
// itself, workload/graph_matching.hpp):
// the (send, recv) node index pairs, ordered by send;
std::vector<std::pair<int, int>> matched_point_to_point(const OpGraph& g);
// each collective (or alltoallv) as its member node indices in group order,
// groups in order of first appearance, then in call order (k).
std::vector<std::vector<int>> collective_instances(const OpGraph& g);
// The node before each node on its (rank, stream), or -1.
std::vector<int> stream_predecessors(const OpGraph& g);

}  // namespace npusim::workload
