#include "workload/graph_matching.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "workload/graph_executor.hpp"

namespace npusim::workload {

namespace {

std::string where(const PlacedGraph& job, const GraphNode& n) {
  const std::string src = job.graph->source.empty() ? job.name : job.graph->source;
  return src + (n.line > 0 ? ":" + std::to_string(n.line) : std::string()) + ": rank " + std::to_string(n.rank) +
         " node " + std::to_string(n.id);
}

void link_successors(const std::vector<PlacedGraph>& jobs, GraphMatching& m) {
  const size_t total = m.job_of.size();
  std::vector<std::pair<int, int>> edges;  // (pred, succ)
  for (size_t j = 0; j < jobs.size(); ++j) {
    const OpGraph& g = *jobs[j].graph;
    const int base = int(m.offset[j]);
    std::map<std::pair<int, int>, int> last;  // (rank, stream) -> previous node
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const GraphNode& n = g.nodes[i];
      for (int d : n.deps) edges.push_back({base + d, base + int(i)});
      auto [it, fresh] = last.insert({{n.rank, n.stream}, int(i)});
      if (!fresh) {
        // A dep on the stream predecessor is the same edge: count it once.
        if (std::find(n.deps.begin(), n.deps.end(), it->second) == n.deps.end())
          edges.push_back({base + it->second, base + int(i)});
        it->second = int(i);
      }
    }
  }
  m.first.assign(total + 1, 0);
  m.waits.assign(total, 0);
  for (const auto& [p, s] : edges) {
    ++m.first[size_t(p) + 1];
    ++m.waits[size_t(s)];
  }
  for (size_t i = 0; i < total; ++i) m.first[i + 1] += m.first[i];
  m.succ.resize(edges.size());
  std::vector<int> fill(m.first.begin(), m.first.end() - 1);
  for (const auto& [p, s] : edges) m.succ[size_t(fill[size_t(p)]++)] = s;
}

void pair_transfers(const std::vector<PlacedGraph>& jobs, GraphMatching& m) {
  m.partner.assign(m.job_of.size(), -1);
  for (size_t j = 0; j < jobs.size(); ++j) {
    const OpGraph& g = *jobs[j].graph;
    std::map<std::tuple<int, int, int64_t>, std::vector<int>> sends, recvs;  // (src, dst, tag)
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const GraphNode& n = g.nodes[i];
      if (n.type == NodeType::Send) sends[{n.rank, n.peer, n.tag}].push_back(int(i));
      if (n.type == NodeType::Recv) recvs[{n.peer, n.rank, n.tag}].push_back(int(i));
    }
    for (const auto& [key, s] : sends) {
      const std::vector<int>& r = recvs[key];
      for (size_t k = 0; k < std::max(s.size(), r.size()); ++k) {
        if (k >= r.size() || k >= s.size()) {
          const GraphNode& n = g.nodes[size_t(k < s.size() ? s[k] : r[k])];
          throw ConfigError(where(jobs[j], n) + ": " + to_string(n.type) + " has no matching " +
                            (k < s.size() ? "recv" : "send") + " (peer " + std::to_string(n.peer) + ", tag " +
                            std::to_string(n.tag) + ")");
        }
        const int a = int(m.offset[j]) + s[k], b = int(m.offset[j]) + r[k];
        m.partner[size_t(a)] = b;
        m.partner[size_t(b)] = a;
      }
    }
    for (const auto& [key, r] : recvs)
      if (!sends.count(key) && !r.empty())
        throw ConfigError(where(jobs[j], g.nodes[size_t(r[0])]) + ": recv has no matching send (peer " +
                          std::to_string(std::get<0>(key)) + ", tag " + std::to_string(std::get<2>(key)) + ")");
  }
}

std::vector<int> group_of(const OpGraph& g, const GraphNode& n) {
  if (!n.group.empty()) return n.group;
  std::vector<int> all(size_t(g.ranks));
  for (int r = 0; r < g.ranks; ++r) all[size_t(r)] = r;
  return all;
}

void group_collectives(const std::vector<PlacedGraph>& jobs, GraphMatching& m) {
  m.instance_of.assign(m.job_of.size(), -1);
  for (size_t j = 0; j < jobs.size(); ++j) {
    const OpGraph& g = *jobs[j].graph;
    // group -> rank -> its collective nodes on that group, in file order
    std::map<std::vector<int>, std::map<int, std::vector<int>>> by_group;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const GraphNode& n = g.nodes[i];
      if (n.type == NodeType::Collective || n.type == NodeType::AllToAllV)
        by_group[group_of(g, n)][n.rank].push_back(int(i));
    }
    for (const auto& [group, per_rank] : by_group) {
      size_t count = 0;
      for (const auto& [rank, list] : per_rank) count = std::max(count, list.size());
      for (size_t k = 0; k < count; ++k) {
        Instance inst;
        inst.job = int(j);
        for (int rank : group) {
          auto it = per_rank.find(rank);
          if (it == per_rank.end() || it->second.size() <= k) {
            const GraphNode& any = g.nodes[size_t(per_rank.begin()->second[std::min(k, per_rank.begin()->second.size() - 1)])];
            throw ConfigError(where(jobs[j], any) + ": collective #" + std::to_string(k) + " of its group has no " +
                              "member on rank " + std::to_string(rank));
          }
          inst.members.push_back(int(m.offset[j]) + it->second[k]);
        }
        const GraphNode& head = g.nodes[size_t(inst.members[0] - int(m.offset[j]))];
        if (head.type == NodeType::Collective && head.root > 0)
          std::rotate(inst.members.begin(), inst.members.begin() + head.root, inst.members.end());
        for (int member : inst.members) m.instance_of[size_t(member)] = int(m.instances.size());
        m.instances.push_back(std::move(inst));
      }
    }
  }
}

}  // namespace

GraphMatching match_graphs(const std::vector<PlacedGraph>& jobs) {
  GraphMatching m;
  size_t total = 0;
  for (size_t j = 0; j < jobs.size(); ++j) {
    m.offset.push_back(total);
    total += jobs[j].graph->nodes.size();
    m.job_of.resize(total, int(j));
  }
  link_successors(jobs, m);
  pair_transfers(jobs, m);
  group_collectives(jobs, m);
  return m;
}

noc::CollectivePlan instance_plan(const std::vector<PlacedGraph>& jobs, const GraphMatching& m, int i,
                                  const noc::CollectiveParams& cp) {
  const Instance& inst = m.instances[size_t(i)];
  const OpGraph& g = *jobs[size_t(inst.job)].graph;
  auto node = [&](int member) -> const GraphNode& { return g.nodes[size_t(member - int(m.offset[size_t(inst.job)]))]; };
  const GraphNode& head = node(inst.members[0]);
  const int n = static_cast<int>(inst.members.size());
  if (head.type == NodeType::Collective) {
    const std::string algo = head.algo.empty() ? noc::collective_algorithms(head.coll_op).at(0) : head.algo;
    return noc::plan_collective(head.coll_op, algo, n, head.bytes, cp);
  }
  noc::CollectivePlan plan;
  plan.op = "alltoallv";
  plan.algo = "direct";
  plan.ranks = n;
  // Equal counts to every peer are an all-to-all: one all-pairs group, which
  // the flow level runs as a few aggregate flow groups (exact on symmetric
  // fabrics) instead of routing n^2 pairs one by one.
  const double first = n > 1 ? node(inst.members[0]).send_bytes[1] : 0;
  bool uniform = first > 0;
  for (int s = 0; s < n && uniform; ++s)
    for (int d = 0; d < n && uniform; ++d)
      uniform = d == s || node(inst.members[size_t(s)]).send_bytes[size_t(d)] == first;
  noc::MessageGroup list;
  if (uniform) {
    list = noc::MessageGroup::all_pairs(first);
    plan.bytes = first * n * (n - 1);
  } else {
    list.alike = true;
    for (int s = 0; s < n; ++s) {
      const std::vector<double>& row = node(inst.members[size_t(s)]).send_bytes;
      for (int d = 0; d < n; ++d)
        if (d != s && row[size_t(d)] > 0) {
          list.list.push_back({s, d, row[size_t(d)]});
          plan.bytes += row[size_t(d)];
        }
    }
  }
  noc::PlanLevel level;
  level.groups.push_back(std::move(list));
  plan.levels.push_back(std::move(level));
  return plan;
}

}  // namespace npusim::workload
