// A graph whose ranks wait for each other in a circle can never finish, at
// any timing: e.g. rank 0 receives from rank 1 before sending to it while
// rank 1 does the same. The graph of "cannot end before" relations --
// deps and stream order (a node starts after its predecessor ends), a send
// before its recv (a recv ends after its send starts), the members of one
// collective (each ends after all have started, so they act as one unit)
// -- then has a cycle; found here before anything runs.
#include <algorithm>
#include <deque>
#include <numeric>

#include "workload/opgraph_fields.hpp"
#include "workload/opgraph_sync.hpp"

namespace npusim::workload {

namespace {

// Nodes joined into units (a collective's members are one unit), and the
// edges between units, each with the node pair that makes it.
struct UnitGraph {
  std::vector<int> unit;                                // node -> unit (its first node's index)
  std::vector<std::vector<std::pair<int, int>>> preds;  // unit -> (from node, to node)
  std::vector<std::vector<int>> succ;                   // unit -> units
};

UnitGraph unit_graph(const OpGraph& g) {
  UnitGraph u;
  const size_t n = g.nodes.size();
  u.unit.resize(n);
  std::iota(u.unit.begin(), u.unit.end(), 0);
  for (const auto& members : collective_instances(g)) {
    const int first = *std::min_element(members.begin(), members.end());
    for (int m : members) u.unit[size_t(m)] = first;
  }
  u.preds.resize(n);
  u.succ.resize(n);
  auto edge = [&u](int from, int to) {
    const int a = u.unit[size_t(from)], b = u.unit[size_t(to)];
    if (a == b) return;
    u.preds[size_t(b)].emplace_back(from, to);
    u.succ[size_t(a)].push_back(b);
  };
  const std::vector<int> prev = stream_predecessors(g);
  for (size_t i = 0; i < n; ++i) {
    for (int d : g.nodes[i].deps) edge(d, int(i));
    if (prev[i] >= 0) edge(prev[i], int(i));
  }
  for (const auto& [send, recv] : matched_point_to_point(g)) edge(send, recv);
  return u;
}

// Units Kahn's algorithm frees; the others wait on a cycle.
std::vector<bool> freed_units(const UnitGraph& u) {
  const size_t n = u.unit.size();
  std::vector<size_t> waiting(n, 0);
  for (size_t i = 0; i < n; ++i) waiting[i] = u.preds[i].size();
  std::deque<int> ready;
  for (size_t i = 0; i < n; ++i)
    if (u.unit[i] == int(i) && waiting[i] == 0) ready.push_back(int(i));
  std::vector<bool> done(n, false);
  while (!ready.empty()) {
    const int i = ready.front();
    ready.pop_front();
    done[size_t(i)] = true;
    for (int s : u.succ[size_t(i)])
      if (--waiting[size_t(s)] == 0) ready.push_back(s);
  }
  for (size_t i = 0; i < n; ++i) done[i] = done[size_t(u.unit[i])];
  return done;
}

std::string unit_text(const OpGraph& g, const UnitGraph& u, int unit) {
  const GraphNode& n = g.nodes[size_t(unit)];
  if (n.type != NodeType::Collective && n.type != NodeType::AllToAllV)
    return "id " + std::to_string(n.id) + " (" + enum_name(n.type) + " on rank " + std::to_string(n.rank) + ")";
  std::string ids;
  size_t shown = 0, members = 0;
  for (size_t i = 0; i < u.unit.size(); ++i) {
    if (u.unit[i] != unit) continue;
    if (++members <= 4) ids += (shown++ ? ", " : "") + std::to_string(g.nodes[i].id);
  }
  if (members > shown) ids += ", ...";
  const std::string what = n.type == NodeType::AllToAllV ? "alltoallv" : n.coll_op;
  return what + " of group " + group_text(group_of(g, n)) + " (ids " + ids + ")";
}

}  // namespace

void check_cross_rank_order(const OpGraph& g) {
  const UnitGraph u = unit_graph(g);
  const std::vector<bool> done = freed_units(u);
  const auto stuck = std::find(done.begin(), done.end(), false);
  if (stuck == done.end()) return;
  // Walk back through unfreed predecessors until a unit repeats: that loop is the cycle.
  std::vector<int> path;
  std::vector<size_t> pos(done.size(), SIZE_MAX);
  int cur = u.unit[size_t(stuck - done.begin())];
  while (pos[size_t(cur)] == SIZE_MAX) {
    pos[size_t(cur)] = path.size();
    path.push_back(cur);
    for (const auto& [from, to] : u.preds[size_t(cur)])
      if (!done[size_t(from)]) {
        cur = u.unit[size_t(from)];
        break;
      }
  }
  std::vector<int> cycle(path.begin() + long(pos[size_t(cur)]), path.end());
  std::reverse(cycle.begin(), cycle.end());
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  std::string text;
  for (int unit : cycle) text += unit_text(g, u, unit) + " -> ";
  text += unit_text(g, u, cycle.front());
  opgraph_fail(node_where(g, g.nodes[size_t(cycle.front())]), "deps", "deadlock across ranks: " + text,
               "an order every rank can follow; each arrow is a dep, stream order, a send before its recv or "
               "a collective's members waiting for each other");
}

}  // namespace npusim::workload
