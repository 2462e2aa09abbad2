// How long each node's local work takes on its rank's chip: compute ops
// through the op job at the chosen fidelity (via the op cache), roofline
// ops from the chip's peak rate and HBM bandwidth, local copies from HBM
// (read + write at peak) or the host link, delays as given; a straggler
// rank's compute is stretched by its slowdown factor. Communication nodes
// take their time on the fabric, not here (0).
#pragma once
#include <string>
#include <vector>

#include "workload/op_cache.hpp"
#include "workload/opgraph.hpp"
#include "workload/rank_chips.hpp"

namespace npusim::workload {

struct CostOptions {
  std::string fidelity = "fast";  // op job fidelity: fast | cycle
  double host_link_gbps = 64;     // host <-> HBM copies
  std::vector<double> slowdown;   // per rank (empty: 1)
};

// Durations in ns, per node of `g`. Simulates each distinct op once (cycle
// ones in parallel) through `cache`.
std::vector<double> node_costs(const OpGraph& g, const RankChips& chips, const CostOptions& o, OpCache& cache);

// The op job a compute node runs on `chip` (models/op_job.hpp).
json op_job_of(const GraphNode& n, const RankChip& chip, const std::string& fidelity);

}  // namespace npusim::workload
