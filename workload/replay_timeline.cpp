#include "workload/replay_timeline.hpp"

#include <algorithm>
#include <cmath>

#include "noc/collectives_flow.hpp"
#include "workload/graph_matching.hpp"

namespace npusim::workload {

namespace {
uint64_t ps(double ns) { return uint64_t(std::llround(std::max(0.0, ns) * 1e3)); }
}  // namespace

ReplayTimeline::ReplayTimeline(const std::string& path, const noc::Topology& t, const std::string& ranks) : t_(t) {
  if (!ranks.empty()) {
    const size_t dash = ranks.find('-');
    try {
      first_ = std::stoi(ranks.substr(0, dash));
      last_ = dash == std::string::npos ? first_ : std::stoi(ranks.substr(dash + 1));
    } catch (const std::exception&) {
      throw ConfigError("job.timeline_ranks: expected \"a-b\" or \"a\", got '" + ranks + "'");
    }
    if (first_ < 0 || last_ < first_) throw ConfigError("job.timeline_ranks: expected 0 <= a <= b, got '" + ranks + "'");
  }
  tl_.open(path);
  tier_of_link_ = noc::link_tiers(t);
  int tiers = 0;
  for (int x : tier_of_link_) tiers = std::max(tiers, x);
  tier_capacity_.assign(size_t(tiers) + 1, 0.0);
  for (int l = 0; l < t.num_links(); ++l) tier_capacity_[size_t(tier_of_link_[size_t(l)])] += t.link(l).bandwidth_gbps;
  for (int k = 0; k <= tiers; ++k)
    tier_tracks_.push_back(tl_.add_track("fabric", "tier " + std::to_string(k)));
  last_value_.assign(tier_tracks_.size(), UINT64_MAX);
}

void ReplayTimeline::sample(double ns, const CommEngine& comm) {
  if (!comm.link_rates(&rates_)) return;
  std::vector<double> used(tier_capacity_.size(), 0.0);
  for (size_t l = 0; l < rates_.size(); ++l) used[size_t(tier_of_link_[l])] += rates_[l];
  for (size_t k = 0; k < used.size(); ++k) {
    if (!(tier_capacity_[k] > 0)) continue;
    // Utilisation in per mille (counters are integers); only changes are written.
    const uint64_t v = uint64_t(std::llround(1000 * used[k] / tier_capacity_[k]));
    if (v == last_value_[k]) continue;
    last_value_[k] = v;
    tl_.counter(tier_tracks_[k], "utilisation_permille", ps(ns), v);
  }
}

void ReplayTimeline::write(const std::vector<PlacedGraph>& jobs, const ExecResult& r) {
  const GraphMatching m = match_graphs(jobs);
  std::vector<int> track(r.nodes.size(), -1);
  for (size_t j = 0; j < jobs.size(); ++j) {
    const OpGraph& g = *jobs[j].graph;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const GraphNode& n = g.nodes[i];
      const size_t gi = r.offset[j] + i;
      const NodeRun& run = r.nodes[gi];
      if (!shown(n.rank) || run.end < 0) continue;
      const std::string proc = (jobs.size() > 1 ? jobs[j].name + " " : std::string()) + "rank " + std::to_string(n.rank);
      track[gi] = tl_.add_track(proc, "stream " + std::to_string(n.stream));
      const char* name = tl_.intern(n.name.empty() ? std::string(to_string(n.type)) : n.name);
      tl_.complete(track[gi], name, ps(run.start), ps(run.end) - ps(run.start), "node", uint64_t(n.id),
                   n.bytes > 0 ? "bytes" : nullptr, uint64_t(n.bytes));
    }
  }
  for (size_t g = 0; g < r.nodes.size(); ++g) {
    const int recv = m.partner[g];
    const GraphNode& n = jobs[size_t(m.job_of[g])].graph->nodes[size_t(m.local(int(g)))];
    if (recv < 0 || n.type != NodeType::Send || track[g] < 0 || track[size_t(recv)] < 0) continue;
    tl_.flow_begin(track[g], "send", ps(r.nodes[g].start), g);
    tl_.flow_end(track[size_t(recv)], "send", ps(r.nodes[size_t(recv)].end), g);
  }
  tl_.close();
}

}  // namespace npusim::workload
