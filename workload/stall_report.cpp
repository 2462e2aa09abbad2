#include "workload/stall_report.hpp"

#include <set>

namespace npusim::workload {

namespace {

struct Namer {
  const std::vector<PlacedGraph>& jobs;
  const GraphMatching& m;
  const GraphNode& node(int g) const { return jobs[size_t(m.job_of[size_t(g)])].graph->nodes[size_t(m.local(g))]; }
  std::string operator()(int g) const {
    const GraphNode& n = node(g);
    std::string s = "rank " + std::to_string(n.rank) + " node " + std::to_string(n.id) + " (" + to_string(n.type);
    if (!n.name.empty()) s += " '" + n.name + "'";
    s += ")";
    if (jobs.size() > 1) s = "job '" + jobs[size_t(m.job_of[size_t(g)])].name + "' " + s;
    return s;
  }
};

std::string why(const Namer& name, const GraphMatching& m, const ExecResult& r, const std::vector<int>& arrived,
                int g) {
  const NodeRun& run = r.nodes[size_t(g)];
  const GraphNode& n = name.node(g);
  if (run.start < 0) {
    std::string preds;
    for (size_t p = 0; p < m.job_of.size(); ++p)
      for (int k = m.first[p]; k < m.first[p + 1]; ++k)
        if (m.succ[size_t(k)] == g && r.nodes[p].end < 0) preds += (preds.empty() ? "" : ", ") + name(int(p));
    return "has not started: waits for " + (preds.empty() ? std::string("nothing (?)") : preds);
  }
  if (n.type == NodeType::Recv) {
    const int s = m.partner[size_t(g)];
    return "waits for the bytes of " + name(s) + (r.nodes[size_t(s)].start < 0 ? ", which has not started" : "");
  }
  if (m.instance_of[size_t(g)] >= 0) {
    const int i = m.instance_of[size_t(g)];
    std::string missing;
    for (int member : m.instances[size_t(i)].members)
      if (r.nodes[size_t(member)].start < 0) missing += (missing.empty() ? "" : ", ") + name(member);
    return std::string("waits in its ") + to_string(n.type) + " (" + std::to_string(arrived[size_t(i)]) + " of " +
           std::to_string(m.instances[size_t(i)].members.size()) + " members arrived) for " + missing;
  }
  return "started at " + std::to_string(run.start) + " ns and never ended";
}

}  // namespace

std::string stall_report(const std::vector<PlacedGraph>& jobs, const GraphMatching& m, const ExecResult& r,
                         const std::vector<int>& arrived, size_t limit) {
  const Namer name{jobs, m};
  size_t left = 0, lines = 0;
  for (const NodeRun& n : r.nodes) left += n.end < 0 ? 1 : 0;
  std::string out = "replay stalled: " + std::to_string(left) + " of " + std::to_string(r.nodes.size()) +
                    " nodes never ended (a deadlocked graph); the first waiting node of each stream:";
  std::set<std::tuple<int, int, int>> seen;  // (job, rank, stream)
  size_t more = 0;
  for (size_t g = 0; g < r.nodes.size(); ++g) {
    if (r.nodes[g].end >= 0) continue;
    const GraphNode& n = name.node(int(g));
    if (!seen.insert({m.job_of[g], n.rank, n.stream}).second) continue;
    if (lines++ >= limit) {
      ++more;
      continue;
    }
    out += "\n  " + name(int(g)) + ": " + why(name, m, r, arrived, int(g));
  }
  if (more > 0) out += "\n  ... and " + std::to_string(more) + " more streams";
  return out;
}

}  // namespace npusim::workload
