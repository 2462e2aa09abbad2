#include "workload/replay_stats.hpp"

#include <algorithm>

namespace npusim::workload {

namespace {

using Span = std::pair<double, double>;

double union_length(std::vector<Span>& s) {
  std::sort(s.begin(), s.end());
  double total = 0, a = 0, b = -1;
  for (const Span& x : s) {
    if (x.first > b) {
      if (b > a) total += b - a;
      a = x.first;
      b = x.second;
    } else {
      b = std::max(b, x.second);
    }
  }
  if (b > a) total += b - a;
  return total;
}

bool local_work(NodeType t, const GraphNode& n) {
  if (t == NodeType::Memcpy) return n.peer < 0;
  return !is_comm(t);
}

}  // namespace

std::vector<RankTime> rank_times(const PlacedGraph& job, const ExecResult& r, size_t j, double window_ns) {
  const OpGraph& g = *job.graph;
  std::vector<std::vector<Span>> compute(size_t(g.ranks)), comm(size_t(g.ranks));
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& n = g.nodes[i];
    const NodeRun& run = r.nodes[r.offset[j] + i];
    if (run.end <= run.start) continue;
    (local_work(n.type, n) ? compute : comm)[size_t(n.rank)].push_back({run.start, run.end});
  }
  std::vector<RankTime> out(size_t(g.ranks));
  for (size_t k = 0; k < out.size(); ++k) {
    RankTime& t = out[k];
    std::vector<Span> both = compute[k];
    both.insert(both.end(), comm[k].begin(), comm[k].end());
    t.compute_ns = union_length(compute[k]);
    t.comm_ns = union_length(comm[k]);
    t.busy_ns = union_length(both);
    t.exposed_comm_ns = t.busy_ns - t.compute_ns;
    t.idle_ns = std::max(0.0, window_ns - t.busy_ns);
  }
  return out;
}

json critical_path(const std::vector<PlacedGraph>& jobs, const ExecResult& r, size_t limit) {
  int last = -1;
  for (size_t g = 0; g < r.nodes.size(); ++g)
    if (last < 0 || r.nodes[g].end > r.nodes[size_t(last)].end) last = int(g);
  std::vector<int> chain;
  std::vector<char> seen(r.nodes.size(), 0);
  for (int g = last; g >= 0 && !seen[size_t(g)] && chain.size() < limit; g = r.nodes[size_t(g)].cause) {
    seen[size_t(g)] = 1;
    chain.push_back(g);
  }
  json out = json::array();
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    size_t j = 0;
    while (j + 1 < r.offset.size() && r.offset[j + 1] <= size_t(*it)) ++j;
    const GraphNode& n = jobs[j].graph->nodes[size_t(*it) - r.offset[j]];
    const NodeRun& run = r.nodes[size_t(*it)];
    out.push_back({{"job", jobs[j].name}, {"rank", n.rank}, {"id", n.id}, {"name", n.name},
                   {"type", to_string(n.type)}, {"start_us", run.start / 1e3}, {"end_us", run.end / 1e3}});
  }
  return out;
}

}  // namespace npusim::workload
