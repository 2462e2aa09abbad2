// check_opgraph: what an opgraph's values must satisfy, for graphs read from
// a file and graphs built in memory alike. Node by node here (ranges,
// groups, the header's chips); across nodes (cycles, send/recv and
// collective matching) in opgraph_sync.cpp.
#include <algorithm>
#include <cmath>

#include "models/op_job.hpp"
#include "noc/collective_params.hpp"
#include "workload/opgraph.hpp"
#include "workload/opgraph_fields.hpp"
#include "workload/opgraph_sync.hpp"

namespace npusim::workload {

namespace {

std::string rank_form(const OpGraph& g) { return "a rank in [0, " + std::to_string(g.ranks - 1) + "]"; }

std::string num(double x) {
  if (x == std::floor(x) && std::fabs(x) < 9e15) return std::to_string(int64_t(x));
  return json(x).dump();
}

void check_count(const std::string& where, const std::string& field, double x) {
  if (!std::isfinite(x) || x < 0 || x != std::floor(x))
    opgraph_fail(where, field, "got " + num(x), "a byte count: an integer >= 0");
}

void check_peer(const OpGraph& g, const GraphNode& n, const std::string& where) {
  if (n.peer < 0 || n.peer >= g.ranks) opgraph_fail(where, "peer", "got " + std::to_string(n.peer), rank_form(g));
  if (n.peer == n.rank)
    opgraph_fail(where, "peer", "rank " + std::to_string(n.rank) + " is the node's own rank", "another rank");
}

void check_group(const OpGraph& g, const GraphNode& n, const std::vector<int>& group, const std::string& where) {
  if (group.size() < 2)
    opgraph_fail(where, "group", std::to_string(group.size()) + " rank(s)", "a list of at least 2 ranks");
  bool member = false;
  for (int r : group) {
    if (r < 0 || r >= g.ranks) opgraph_fail(where, "group", "rank " + std::to_string(r) + " out of range", rank_form(g) + " per member");
    member = member || r == n.rank;
  }
  std::vector<int> sorted = group;  // not a bitmap of every rank: groups are small, systems need not be
  std::sort(sorted.begin(), sorted.end());
  const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
  if (twice != sorted.end())
    opgraph_fail(where, "group", "rank " + std::to_string(*twice) + " listed twice", "each rank once");
  if (!member)
    opgraph_fail(where, "group", "the node's rank " + std::to_string(n.rank) + " is not a member",
                 "a group that holds the node's rank");
}

void check_collective(const OpGraph& g, const GraphNode& n, const std::string& where) {
  const std::vector<int> group = group_of(g, n);
  const auto& ops = graph_collective_ops();
  if (std::find(ops.begin(), ops.end(), n.coll_op) == ops.end())
    opgraph_fail(where, "op", "unknown collective \"" + n.coll_op + "\"", graph_collective_ops_form());
  check_count(where, "bytes", n.bytes);
  check_group(g, n, group, where);
  const auto& algos = noc::collective_algorithms(n.coll_op);
  if (!n.algo.empty() && std::find(algos.begin(), algos.end(), n.algo) == algos.end()) {
    std::string list;
    for (const auto& a : algos) list += (list.empty() ? "" : ", ") + a;
    opgraph_fail(where, "algo", "\"" + n.algo + "\" is not an algorithm of " + n.coll_op, "one of " + list);
  }
  if (n.coll_op == "broadcast" && (n.root < 0 || size_t(n.root) >= group.size()))
    opgraph_fail(where, "root", "position " + std::to_string(n.root) + " is outside a group of " +
                 std::to_string(group.size()), "a member of the group");
  if (n.coll_op != "broadcast" && n.root != 0)
    opgraph_fail(where, "root", "only a broadcast has a root", "root 0 for op " + n.coll_op);
}

void check_alltoallv(const OpGraph& g, const GraphNode& n, const std::string& where) {
  const std::vector<int> group = group_of(g, n);
  check_group(g, n, group, where);
  if (n.send_bytes.size() != group.size())
    opgraph_fail(where, "send_bytes", std::to_string(n.send_bytes.size()) + " counts for a group of " +
                 std::to_string(group.size()), "one byte count per group member, in group order");
  for (size_t i = 0; i < n.send_bytes.size(); ++i) {
    check_count(where, "send_bytes", n.send_bytes[i]);
    if (group[i] == n.rank && n.send_bytes[i] != 0)
      opgraph_fail(where, "send_bytes", "entry " + std::to_string(i) + " (the node's own rank) is " +
                   num(n.send_bytes[i]), "0 for the own rank: local data does not cross the fabric");
  }
}

void check_memcpy(const OpGraph& g, const GraphNode& n, const std::string& where) {
  check_count(where, "bytes", n.bytes);
  if (n.peer == -1) {
    if (n.from == MemPlace::Host && n.to == MemPlace::Host)
      opgraph_fail(where, "to", "host to host does not touch the chip", "hbm at one end at least");
    return;
  }
  check_peer(g, n, where);
  if (n.to != MemPlace::Hbm)
    opgraph_fail(where, "to", "a copy to a peer writes the peer's HBM", "hbm (or no to) with peer");
}

void check_compute(const GraphNode& n, const std::string& where, CanonicalOps& ops) {
  if (!n.op.is_object() || n.op.value("op", json()) != enum_name(n.type))
    opgraph_fail(where, "op", "the op keys hold op " + (n.op.is_object() ? n.op.value("op", json()).dump() : n.op.dump()),
                 std::string("an object with \"op\": \"") + enum_name(n.type) + "\"");
  json keys = n.op;
  keys.erase("op");
  ops.get(n.type, keys, where);
}

void check_type_keys(const OpGraph& g, const GraphNode& n, const std::string& where, CanonicalOps& ops) {
  if (is_compute(n.type)) return check_compute(n, where, ops);
  switch (n.type) {
    case NodeType::Roofline:
      if (!std::isfinite(n.flops) || n.flops < 0) opgraph_fail(where, "flops", "got " + num(n.flops), "a number >= 0");
      check_count(where, "bytes", n.bytes);
      if (std::find(roofline_dtypes().begin(), roofline_dtypes().end(), n.dtype) == roofline_dtypes().end()) {
        std::string list;
        for (const auto& d : roofline_dtypes()) list += (list.empty() ? "" : ", ") + d;
        opgraph_fail(where, "dtype", "got \"" + n.dtype + "\"", "one of " + list);
      }
      break;
    case NodeType::Memcpy: check_memcpy(g, n, where); break;
    case NodeType::Send:
    case NodeType::Recv:
      check_count(where, "bytes", n.bytes);
      check_peer(g, n, where);
      if (n.tag < 0) opgraph_fail(where, "tag", "got " + std::to_string(n.tag), "an integer >= 0");
      break;
    case NodeType::Collective: check_collective(g, n, where); break;
    case NodeType::AllToAllV: check_alltoallv(g, n, where); break;
    case NodeType::Delay:
      if (!std::isfinite(n.ns) || n.ns < 0) opgraph_fail(where, "ns", "got " + num(n.ns), "a time >= 0 (ns)");
      break;
    default: break;
  }
}

void check_node(const OpGraph& g, size_t i, CanonicalOps& ops) {
  const GraphNode& n = g.nodes[i];
  const std::string where = node_where(g, n);
  if (n.id < 0) opgraph_fail(where, "id", "got " + std::to_string(n.id), "an integer >= 0");
  if (n.rank < 0 || n.rank >= g.ranks) opgraph_fail(where, "rank", "got " + std::to_string(n.rank), rank_form(g));
  if (n.stream < 0) opgraph_fail(where, "stream", "got " + std::to_string(n.stream), "an integer >= 0");
  for (int d : n.deps) {
    if (d < 0 || size_t(d) >= g.nodes.size())
      opgraph_fail(where, "deps", "index " + std::to_string(d) + " is not a node", "indices of nodes of the graph");
    const GraphNode& dep = g.nodes[size_t(d)];
    if (size_t(d) == i) opgraph_fail(where, "deps", "the node depends on itself", "ids of other nodes");
    if (dep.rank != n.rank)
      opgraph_fail(where, "deps", "id " + std::to_string(dep.id) + " is on rank " + std::to_string(dep.rank) +
                   ", this node on rank " + std::to_string(n.rank),
                   "deps on the same rank (order across ranks comes from send/recv and collectives)");
  }
  check_type_keys(g, n, where, ops);
}

// "a" or "a-b" (first-last, inclusive); false if `key` is neither.
bool parse_range(const std::string& key, int* first, int* last) {
  const size_t dash = key.find('-');
  const std::string a = key.substr(0, dash), b = dash == std::string::npos ? a : key.substr(dash + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(a) || !digits(b)) return false;
  *first = std::stoi(a);
  *last = std::stoi(b);
  return *first <= *last;
}

void check_chips(const OpGraph& g) {
  if (g.chips.is_null()) return;
  const std::string where = header_where(g);
  const std::string form = "{\"<first>-<last>\" or \"<rank>\": chip preset name or chip object}";
  if (!g.chips.is_object()) opgraph_fail(where, "chips", "got " + g.chips.dump(), form);
  std::vector<std::string> owner(size_t(g.ranks));
  for (auto it = g.chips.begin(); it != g.chips.end(); ++it) {
    const std::string field = "chips." + it.key();
    int first = 0, last = 0;
    if (!parse_range(it.key(), &first, &last))
      opgraph_fail(where, field, "not a rank range", "\"<first>-<last>\" (first <= last) or \"<rank>\"");
    if (last >= g.ranks) opgraph_fail(where, field, "rank " + std::to_string(last) + " out of range", rank_form(g) + "s");
    for (int r = first; r <= last; ++r) {
      if (!owner[size_t(r)].empty())
        opgraph_fail(where, field, "rank " + std::to_string(r) + " is also in chips." + owner[size_t(r)],
                     "ranges that cover every rank once");
      owner[size_t(r)] = it.key();
    }
    try {
      resolve_chip(it.value(), field);
    } catch (const ConfigError& e) {
      throw ConfigError(where + ": " + e.what());
    }
  }
  for (int r = 0; r < g.ranks; ++r)
    if (owner[size_t(r)].empty())
      opgraph_fail(where, "chips", "rank " + std::to_string(r) + " has no chip", "ranges that cover every rank once");
}

}  // namespace

void check_opgraph(const OpGraph& g) {
  const auto& known = opgraph_versions();
  if (std::find(known.begin(), known.end(), g.version) == known.end())
    opgraph_fail(header_where(g), "version", std::to_string(g.version) + " is not a version this reader knows",
                 opgraph_versions_form());
  if (g.ranks < 1 || g.ranks > kMaxRanks) opgraph_fail(header_where(g), "ranks", "got " + std::to_string(g.ranks), ranks_form());
  check_chips(g);
  CanonicalOps ops;
  for (size_t i = 0; i < g.nodes.size(); ++i) check_node(g, i, ops);
  check_unique_ids(g);
  check_cycles(g);
  check_point_to_point(g);
  check_collective_groups(g);
  check_cross_rank_order(g);
}

}  // namespace npusim::workload
