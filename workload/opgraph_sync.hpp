// The checks of an opgraph that span nodes: unique ids, dependency cycles
// (deps and stream order), send/recv matching and collective membership
// (the rules of workload/opgraph.hpp). Called by check_opgraph after each
// node passed its own checks.
#pragma once
#include "workload/opgraph.hpp"

namespace npusim::workload {

void check_unique_ids(const OpGraph& g);
// A cycle is reported with the ids on it, in execution order.
void check_cycles(const OpGraph& g);
void check_point_to_point(const OpGraph& g);
void check_collective_groups(const OpGraph& g);

}  // namespace npusim::workload
