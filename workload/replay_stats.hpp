// What a replay reports beyond the makespan: per-rank time split (busy,
// compute, communication, communication not hidden under compute, idle) and
// the critical path, the chain of nodes that set the makespan.
#pragma once
#include <vector>

#include "sim/params.hpp"
#include "workload/graph_executor.hpp"

namespace npusim::workload {

struct RankTime {
  double busy_ns = 0, compute_ns = 0, comm_ns = 0, exposed_comm_ns = 0, idle_ns = 0;
};

// Per rank of job `j`, over the job's window [start, its last end]:
// compute = union of its local-work nodes, comm = union of its
// communication nodes (a recv waiting for bytes counts), exposed = comm
// not overlapped by compute, idle = window - union of both.
std::vector<RankTime> rank_times(const PlacedGraph& job, const ExecResult& r, size_t j, double window_ns);

// From the node that ended last, each node's cause in turn (the node whose
// end released it, or whose bytes or arrival it waited for), first node
// first: [{job, rank, id, name, type, start_us, end_us}].
json critical_path(const std::vector<PlacedGraph>& jobs, const ExecResult& r, size_t limit = 200);

}  // namespace npusim::workload
