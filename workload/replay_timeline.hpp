// The replay's Perfetto timeline: a process per shown rank with a track per
// stream (its nodes as spans), a flow arrow from each send to its recv, and
// per-tier link utilisation counters sampled whenever the fabric's rates
// change (flow level; the packet level has no rates, so no counters).
#pragma once
#include <string>
#include <vector>

#include "noc/topology.hpp"
#include "sim/timeline.hpp"
#include "workload/graph_executor.hpp"

namespace npusim::workload {

class ReplayTimeline {
 public:
  // `ranks`: "a-b" (each job's ranks a..b) or "" (the first 16).
  ReplayTimeline(const std::string& path, const noc::Topology& t, const std::string& ranks);
  // Samples the per-tier utilisation at `ns`.
  void sample(double ns, const CommEngine& comm);
  // Writes the nodes of the shown ranks and the send->recv arrows, then the file.
  void write(const std::vector<PlacedGraph>& jobs, const ExecResult& r);

 private:
  bool shown(int rank) const { return rank >= first_ && rank <= last_; }

  Timeline tl_;
  const noc::Topology& t_;
  int first_ = 0, last_ = 15;
  std::vector<int> tier_of_link_;
  std::vector<double> tier_capacity_, rates_;
  std::vector<int> tier_tracks_;
  std::vector<uint64_t> last_value_;
};

}  // namespace npusim::workload
