#include "workload/opgraph_sync.hpp"

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <deque>
#include <map>
#include <tuple>
#include <unordered_map>

#include "noc/collective_params.hpp"
#include "workload/opgraph_fields.hpp"

namespace npusim::workload {

namespace {

std::string ordinal(size_t k) {  // 1-based
  const size_t r100 = k % 100, r10 = k % 10;
  const char* suffix = (r100 >= 11 && r100 <= 13) ? "th" : r10 == 1 ? "st" : r10 == 2 ? "nd" : r10 == 3 ? "rd" : "th";
  return std::to_string(k) + suffix;
}

std::string bytes_text(double b) { return std::to_string(int64_t(b)) + " bytes"; }


// Walks back from `start` (a node Kahn's algorithm never freed: one of its
// predecessors is also unfreed) until a node repeats: that loop is a cycle.
std::vector<int> cycle_through(const OpGraph& g, const std::vector<int>& prev, const std::vector<bool>& done, int start) {
  std::unordered_map<int, size_t> pos;
  std::vector<int> path;
  int cur = start;
  while (!pos.count(cur)) {
    pos[cur] = path.size();
    path.push_back(cur);
    int next = -1;
    for (int d : g.nodes[size_t(cur)].deps)
      if (!done[size_t(d)]) next = d;
    if (next < 0) next = prev[size_t(cur)];  // an unfreed node has an unfreed predecessor
    cur = next;
  }
  std::vector<int> cycle(path.begin() + long(pos[cur]), path.end());
  std::reverse(cycle.begin(), cycle.end());  // predecessors first: execution order
  return cycle;
}

using P2pKey = std::tuple<int, int, int64_t>;  // (src, dst, tag)
struct P2pQueues {
  std::map<P2pKey, std::vector<size_t>> sends, recvs;
};

P2pQueues p2p_queues(const OpGraph& g) {
  P2pQueues q;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& n = g.nodes[i];
    if (n.type == NodeType::Send) q.sends[{n.rank, n.peer, n.tag}].push_back(i);
    if (n.type == NodeType::Recv) q.recvs[{n.peer, n.rank, n.tag}].push_back(i);
  }
  return q;
}

// Collective and alltoallv nodes per group (an ordered rank list) and rank.
struct GroupCalls {
  std::map<std::vector<int>, std::map<int, std::vector<size_t>>> calls;
  std::vector<const std::vector<int>*> order;  // groups in order of first appearance
};

GroupCalls group_calls(const OpGraph& g) {
  GroupCalls c;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& n = g.nodes[i];
    if (n.type != NodeType::Collective && n.type != NodeType::AllToAllV) continue;
    auto [it, fresh] = c.calls.emplace(group_of(g, n), std::map<int, std::vector<size_t>>());
    if (fresh) c.order.push_back(&it->first);
    it->second[n.rank].push_back(i);
  }
  return c;
}

}  // namespace

std::vector<int> stream_predecessors(const OpGraph& g) {
  std::map<std::pair<int, int>, int> last;
  std::vector<int> prev(g.nodes.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    auto [it, fresh] = last.emplace(std::make_pair(g.nodes[i].rank, g.nodes[i].stream), int(i));
    if (!fresh) {
      prev[i] = it->second;
      it->second = int(i);
    }
  }
  return prev;
}

std::vector<std::pair<int, int>> matched_point_to_point(const OpGraph& g) {
  const P2pQueues q = p2p_queues(g);
  std::vector<std::pair<int, int>> pairs;
  for (const auto& [key, sends] : q.sends) {
    const auto it = q.recvs.find(key);
    for (size_t k = 0; it != q.recvs.end() && k < std::min(sends.size(), it->second.size()); ++k)
      pairs.emplace_back(int(sends[k]), int(it->second[k]));
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

std::vector<std::vector<int>> collective_instances(const OpGraph& g) {
  const GroupCalls c = group_calls(g);
  std::vector<std::vector<int>> out;
  for (const auto* group : c.order) {
    const auto& per_rank = c.calls.at(*group);
    size_t calls = SIZE_MAX;  // every member has as many after check_collective_groups
    for (int r : *group) calls = std::min(calls, per_rank.count(r) ? per_rank.at(r).size() : size_t(0));
    for (size_t k = 0; k < calls; ++k) {
      out.emplace_back();
      for (int r : *group) out.back().push_back(int(per_rank.at(r)[k]));
    }
  }
  return out;
}

void check_unique_ids(const OpGraph& g) {
  std::unordered_map<int64_t, size_t> seen;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto [it, fresh] = seen.emplace(g.nodes[i].id, i);
    if (!fresh)
      opgraph_fail(node_where(g, g.nodes[i]), "id", std::to_string(g.nodes[i].id) + " is also the id of " +
                   node_where(g, g.nodes[it->second]), "ids unique in the graph");
  }
}

void check_cycles(const OpGraph& g) {
  const std::vector<int> prev = stream_predecessors(g);
  std::vector<std::vector<int>> succ(g.nodes.size());
  std::vector<size_t> waiting(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (int d : g.nodes[i].deps) succ[size_t(d)].push_back(int(i));
    if (prev[i] >= 0) succ[size_t(prev[i])].push_back(int(i));
    waiting[i] = g.nodes[i].deps.size() + (prev[i] >= 0 ? 1 : 0);
  }
  std::deque<int> ready;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (waiting[i] == 0) ready.push_back(int(i));
  std::vector<bool> done(g.nodes.size(), false);
  while (!ready.empty()) {
    const int i = ready.front();
    ready.pop_front();
    done[size_t(i)] = true;
    for (int s : succ[size_t(i)])
      if (--waiting[size_t(s)] == 0) ready.push_back(s);
  }
  const auto stuck = std::find(done.begin(), done.end(), false);
  if (stuck == done.end()) return;
  std::vector<int> cycle = cycle_through(g, prev, done, int(stuck - done.begin()));
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  std::string ids;
  for (int i : cycle) ids += "id " + std::to_string(g.nodes[size_t(i)].id) + " -> ";
  ids += "id " + std::to_string(g.nodes[size_t(cycle.front())].id);
  opgraph_fail(node_where(g, g.nodes[size_t(cycle.front())]), "deps", "dependency cycle on rank " +
               std::to_string(g.nodes[size_t(cycle.front())].rank) + ": " + ids,
               "an acyclic graph (deps and the order of each stream)");
}

void check_point_to_point(const OpGraph& g) {
  using Key = P2pKey;
  const P2pQueues q = p2p_queues(g);
  const auto &sends = q.sends, &recvs = q.recvs;
  // Of all mismatches, the one at the node earliest in the graph is reported.
  struct Finding {
    size_t node;
    std::string field, problem, expected;
  } worst{g.nodes.size(), "", "", ""};
  auto consider = [&](const std::vector<size_t>& mine, const std::vector<size_t>& theirs, const Key& key, bool send) {
    const auto [src, dst, tag] = key;
    for (size_t k = 0; send && k < std::min(mine.size(), theirs.size()); ++k) {
      const GraphNode &a = g.nodes[mine[k]], &b = g.nodes[theirs[k]];
      if (a.bytes != b.bytes && mine[k] < worst.node)
        worst = {mine[k], "bytes", bytes_text(a.bytes) + " but the matching recv (" + node_where(g, b) + ", id " +
                 std::to_string(b.id) + ") takes " + bytes_text(b.bytes), "the same bytes on a send and its recv"};
    }
    if (mine.size() <= theirs.size() || mine[theirs.size()] >= worst.node) return;
    const std::string k = ordinal(theirs.size() + 1), t = " with tag " + std::to_string(tag);
    const std::string s = std::to_string(src), d = std::to_string(dst), have = std::to_string(theirs.size());
    worst = {mine[theirs.size()], "peer",
             send ? "the " + k + " send from rank " + s + " to rank " + d + t + " has no matching recv: rank " + d +
                        " posts " + have + " recv(s) from rank " + s + t
                  : "the " + k + " recv on rank " + d + " from rank " + s + t + " has no matching send: rank " + s +
                        " posts " + have + " send(s) to rank " + d + t,
             "the k-th send r->p with a tag to match the k-th recv on p from r with that tag"};
  };
  static const std::vector<size_t> none;
  for (const auto& [key, list] : sends) consider(list, recvs.count(key) ? recvs.at(key) : none, key, true);
  for (const auto& [key, list] : recvs) consider(list, sends.count(key) ? sends.at(key) : none, key, false);
  if (worst.node == g.nodes.size()) return;
  const GraphNode& n = g.nodes[worst.node];
  opgraph_fail(node_where(g, n), worst.field, "node id " + std::to_string(n.id) + " on rank " +
               std::to_string(n.rank) + ": " + worst.problem, worst.expected);
}

namespace {

// What members of one collective must agree on; "" when they do.
std::string disagreement(const GraphNode& a, const GraphNode& ref) {
  auto algo = [](const GraphNode& n) {
    const auto& algos = noc::collective_algorithms(n.coll_op);
    return n.algo.empty() && !algos.empty() ? algos.front() : n.algo;
  };
  if (a.type != ref.type) return "type";
  if (a.type == NodeType::AllToAllV) return "";
  if (a.coll_op != ref.coll_op) return "op";
  if (a.bytes != ref.bytes) return "bytes";
  if (algo(a) != algo(ref)) return "algo";
  if (a.coll_op == "broadcast" && a.root != ref.root) return "root";
  return "";
}

std::string field_value(const OpGraph& g, const GraphNode& n, const std::string& field) {
  if (field == "type") return enum_name(n.type);
  if (field == "op") return n.coll_op;
  if (field == "bytes") return bytes_text(n.bytes);
  if (field == "algo") return n.algo.empty() ? "(default)" : n.algo;
  return "rank " + std::to_string(group_of(g, n).at(size_t(n.root)));
}

void check_group_calls(const OpGraph& g, const std::vector<int>& group, const std::map<int, std::vector<size_t>>& calls) {
  size_t most = 0;
  for (const auto& [rank, list] : calls) most = std::max(most, list.size());
  for (size_t k = 0; k < most; ++k) {
    const GraphNode* ref = nullptr;
    for (int r : group) {
      const auto it = calls.find(r);
      if (it != calls.end() && it->second.size() > k) {
        ref = &g.nodes[it->second[k]];
        break;
      }
    }
    const std::string which = "the " + ordinal(k + 1) + " collective of group " + group_text(group);
    for (int r : group) {
      const auto it = calls.find(r);
      const size_t have = it == calls.end() ? 0 : it->second.size();
      if (have <= k)
        opgraph_fail(node_where(g, *ref), "group", which + " (" + (ref->type == NodeType::AllToAllV ? "alltoallv" : ref->coll_op) +
                     ", node id " + std::to_string(ref->id) + " on rank " + std::to_string(ref->rank) +
                     ") has no node on member rank " + std::to_string(r) + " (it has " + std::to_string(have) + ")",
                     "every member of a group to run each of its collectives");
      const GraphNode& n = g.nodes[it->second[k]];
      const std::string field = disagreement(n, *ref);
      if (!field.empty())
        opgraph_fail(node_where(g, n), field, field_value(g, n, field) + " differs from " + field_value(g, *ref, field) +
                     " on rank " + std::to_string(ref->rank) + " (" + node_where(g, *ref) + ") in " + which,
                     "the members of a collective to agree on type, op, bytes, algo and root");
    }
  }
}

}  // namespace

void check_collective_groups(const OpGraph& g) {
  const GroupCalls c = group_calls(g);
  for (const auto* group : c.order) check_group_calls(g, *group, c.calls.at(*group));
}

}  // namespace npusim::workload
