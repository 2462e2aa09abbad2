#include "noc/collectives_flow.hpp"

#include "noc/collective_params.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <random>

namespace npusim::noc {

std::vector<int> link_tiers(const Topology& t) {
  std::vector<int> dist(size_t(t.num_nodes()), -1);
  std::deque<int> q;
  for (int e : t.endpoints()) {
    dist[size_t(e)] = 0;
    q.push_back(e);
  }
  while (!q.empty()) {
    const int n = q.front();
    q.pop_front();
    for (int l : t.out_links(n)) {
      const int d = t.link(l).dst;
      if (dist[size_t(d)] < 0) {
        dist[size_t(d)] = dist[size_t(n)] + 1;
        q.push_back(d);
      }
    }
  }
  std::vector<int> tier(size_t(t.num_links()));
  for (int l = 0; l < t.num_links(); ++l)
    tier[size_t(l)] = std::max(1, std::max(dist[size_t(t.link(l).src)], dist[size_t(t.link(l).dst)]));
  return tier;
}

std::vector<PlaneUse> plane_use(const Topology& t, const std::vector<double>& link_bytes, double time_ns) {
  std::vector<PlaneUse> all(size_t(t.num_planes()));
  for (size_t l = 0; l < link_bytes.size(); ++l) {
    PlaneUse& u = all[size_t(t.link_plane(int(l)))];
    ++u.links;
    u.bytes += link_bytes[l];
    u.capacity_gbps += t.link(int(l)).bandwidth_gbps;
  }
  std::vector<PlaneUse> out;
  for (int p = 0; p < t.num_planes(); ++p) {
    PlaneUse u = all[size_t(p)];
    if (u.links == 0) continue;
    u.plane = t.plane_name(p);
    u.utilization = time_ns > 0 ? u.bytes / (u.capacity_gbps * time_ns) : 0.0;
    out.push_back(u);
  }
  return out;
}

std::vector<TierUse> tier_use(const Topology& t, const std::vector<double>& link_bytes, double time_ns) {
  const std::vector<int> tier = link_tiers(t);
  std::vector<TierUse> out;
  for (size_t l = 0; l < link_bytes.size(); ++l) {
    const int k = tier[l];
    if (out.size() < size_t(k)) out.resize(size_t(k));
    TierUse& u = out[size_t(k - 1)];
    u.tier = k;
    ++u.links;
    u.bytes += link_bytes[l];
    u.capacity_gbps += t.link(int(l)).bandwidth_gbps;
  }
  for (auto& u : out)
    u.utilization = time_ns > 0 && u.capacity_gbps > 0 ? u.bytes / (u.capacity_gbps * time_ns) : 0.0;
  return out;
}

std::vector<int> collective_ranks(const Topology& t, std::vector<int> ranks, const std::string& what) {
  if (ranks.empty()) ranks = t.endpoints();
  if (ranks.size() < 2) throw ConfigError(what + ": needs at least 2 ranks");
  for (int r : ranks)
    if (r < 0 || r >= t.num_nodes() || t.node(r).kind != NodeKind::Npu)
      throw ConfigError(what + ": rank " + std::to_string(r) + " is not an npu node");
  return ranks;
}

namespace {

// Link bytes and time summed over the steps of one collective.
struct Accum {
  explicit Accum(const Topology& t) : topo(t), bytes(size_t(t.num_links()), 0.0) {}
  // A simulated step that the algorithm repeats `times` times.
  void add(const FlowModel& m, double step_ns, double times) {
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] += m.link_bytes()[i] * times;
    time_ns += step_ns * times;
  }
  std::vector<TierUse> tiers() const { return tier_use(topo, bytes, time_ns); }
  std::vector<PlaneUse> planes() const { return plane_use(topo, bytes, time_ns); }
  const Topology& topo;
  std::vector<double> bytes;
  double time_ns = 0;
};

std::vector<int> resolve(const Topology& t, std::vector<int> ranks, const char* what) {
  return collective_ranks(t, std::move(ranks), what);
}

CollectiveResult finish(const char* name, int n, double bytes, double time_ns, double factor, int phases,
                        int simulated) {
  CollectiveResult r;
  r.name = name;
  r.ranks = n;
  r.bytes = bytes;
  r.time_us = time_ns / 1000.0;
  r.algbw_gbps = time_ns > 0 ? bytes / time_ns : 0;  // bytes/ns == GB/s
  r.busbw_gbps = r.algbw_gbps * factor;
  r.phases = phases;
  r.simulated_phases = simulated;
  return r;
}

// One step of pairwise transfers (src, dst, bytes), all at once, that the
// algorithm repeats `times` times; adds it to `acc`, returns its duration.
double step(Accum& acc, const std::vector<std::pair<int, int>>& pairs, double bytes, double times) {
  FlowModel m(acc.topo);
  for (const auto& [s, d] : pairs) m.add_flow(s, d, bytes, 0.0);
  m.run();
  const double ns = m.max_finish_ns();
  acc.add(m, ns, times);
  return ns;
}

CollectiveResult with_tiers(CollectiveResult r, const Accum& acc, const char* algo) {
  r.tiers = acc.tiers();
  r.planes = acc.planes();
  r.algo = algo;
  return r;
}

CollectiveResult ring(const char* name, const Topology& t, double bytes, std::vector<int> ranks, int steps_per_n,
                      double factor) {
  ranks = resolve(t, std::move(ranks), name);
  const int n = static_cast<int>(ranks.size());
  const int steps = steps_per_n * (n - 1);
  Accum acc(t);
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < n; ++i) pairs.push_back({ranks[size_t(i)], ranks[size_t((i + 1) % n)]});
  const double one = step(acc, pairs, bytes / n, steps);
  return with_tiers(finish(name, n, bytes, one * steps, factor, steps, 1), acc, "ring");
}

}  // namespace

CollectiveResult ring_allreduce(const Topology& t, double bytes, std::vector<int> ranks) {
  // Reduce-scatter then all-gather: 2(n-1) steps of S/n.
  size_t n = ranks.empty() ? t.endpoints().size() : ranks.size();
  return ring("allreduce", t, bytes, std::move(ranks), 2, 2.0 * (n - 1) / n);
}

CollectiveResult ring_allgather(const Topology& t, double bytes, std::vector<int> ranks) {
  size_t n = ranks.empty() ? t.endpoints().size() : ranks.size();
  return ring("allgather", t, bytes, std::move(ranks), 1, double(n - 1) / n);
}

CollectiveResult ring_reduce_scatter(const Topology& t, double bytes, std::vector<int> ranks) {
  size_t n = ranks.empty() ? t.endpoints().size() : ranks.size();
  return ring("reducescatter", t, bytes, std::move(ranks), 1, double(n - 1) / n);
}

CollectiveResult alltoall(const Topology& t, double bytes, std::vector<int> ranks) {
  ranks = resolve(t, std::move(ranks), "alltoall");
  const int n = static_cast<int>(ranks.size());
  FlowModel m(t);
  m.add_all_to_all(ranks, bytes / n, 0.0);
  m.run();
  Accum acc(t);
  acc.add(m, m.max_finish_ns(), 1);
  return with_tiers(finish("alltoall", n, bytes, m.max_finish_ns(), double(n - 1) / n, 1, 1), acc, "direct");
}

CollectiveResult direct_collective(const Topology& t, const std::string& op, double bytes, std::vector<int> ranks) {
  if (op == "alltoall") return alltoall(t, bytes, std::move(ranks));
  if (op != "allreduce" && op != "allgather" && op != "reducescatter")
    throw ConfigError(unsupported_algorithm(op, "direct", "flow"));
  ranks = resolve(t, std::move(ranks), op.c_str());
  const int n = static_cast<int>(ranks.size());
  FlowModel m(t);
  m.add_all_to_all(ranks, bytes / n, 0.0);
  m.run();
  const int phases = op == "allreduce" ? 2 : 1;
  Accum acc(t);
  acc.add(m, m.max_finish_ns(), phases);
  const double factor = op == "allreduce" ? 2.0 * (n - 1) / n : double(n - 1) / n;
  return with_tiers(finish(op.c_str(), n, bytes, acc.time_ns, factor, phases, 1), acc, "direct");
}

CollectiveResult pairwise_alltoall(const Topology& t, double bytes, std::vector<int> ranks) {
  ranks = resolve(t, std::move(ranks), "alltoall");
  const int n = static_cast<int>(ranks.size());
  if (n > 1024)
    throw ConfigError("alltoall --algo pairwise: " + std::to_string(n) +
                      " ranks; expected at most 1024 (one flow run per step; use direct)");
  Accum acc(t);
  double total = 0;
  std::vector<std::pair<int, int>> pairs;
  for (int k = 1; k < n; ++k) {
    pairs.clear();
    for (int i = 0; i < n; ++i) pairs.push_back({ranks[size_t(i)], ranks[size_t((i + k) % n)]});
    total += step(acc, pairs, bytes / n, 1);
  }
  return with_tiers(finish("alltoall", n, bytes, total, double(n - 1) / n, n - 1, n - 1), acc, "pairwise");
}

CollectiveResult halving_doubling_allreduce(const Topology& t, double bytes, std::vector<int> ranks) {
  ranks = resolve(t, std::move(ranks), "allreduce");
  const int n = static_cast<int>(ranks.size());
  if (n & (n - 1))
    throw ConfigError("allreduce --algo halving_doubling: " + std::to_string(n) +
                      " ranks; expected a power of two (use ring or hierarchical)");
  Accum acc(t);
  double total = 0;
  int steps = 0;
  // Reduce-scatter by recursive halving (the farthest partner first, with
  // half the data), then all-gather by recursive doubling, mirrored.
  for (int k = 1; (1 << k) <= n; ++k) {
    std::vector<std::pair<int, int>> pairs;
    const int dist = n >> k;
    for (int i = 0; i < n; ++i) pairs.push_back({ranks[size_t(i)], ranks[size_t(i ^ dist)]});
    total += step(acc, pairs, bytes / double(1 << k), 1);
    ++steps;
  }
  for (int dist = 1; dist < n; dist *= 2) {
    std::vector<std::pair<int, int>> pairs;
    for (int i = 0; i < n; ++i) pairs.push_back({ranks[size_t(i)], ranks[size_t(i ^ dist)]});
    total += step(acc, pairs, bytes / n * dist, 1);
    ++steps;
  }
  return with_tiers(finish("allreduce", n, bytes, total, 2.0 * (n - 1) / n, steps, steps), acc, "halving_doubling");
}

CollectiveResult hierarchical_allreduce(const Topology& t, double bytes, int group, std::vector<int> ranks) {
  ranks = resolve(t, std::move(ranks), "allreduce");
  const int n = static_cast<int>(ranks.size());
  if (group < 1 || n % group != 0)
    throw ConfigError("allreduce --algo hierarchical: group " + std::to_string(group) + " does not divide " +
                      std::to_string(n) + " ranks; expected a divisor (e.g. the NPUs per server)");
  const int m = n / group;
  Accum acc(t);
  double total = 0;
  int steps = 0, simulated = 0;
  if (group > 1) {  // reduce-scatter, and later all-gather, inside each group
    std::vector<std::pair<int, int>> pairs;
    for (int i = 0; i < n; ++i)
      pairs.push_back({ranks[size_t(i)], ranks[size_t(i / group * group + (i % group + 1) % group)]});
    total += step(acc, pairs, bytes / group, 2.0 * (group - 1)) * 2.0 * (group - 1);
    steps += 2 * (group - 1);
    ++simulated;
  }
  if (m > 1) {  // one ring per shard index across the groups, all at once
    std::vector<std::pair<int, int>> pairs;
    for (int i = 0; i < n; ++i) pairs.push_back({ranks[size_t(i)], ranks[size_t((i + group) % n)]});
    total += step(acc, pairs, bytes / group / m, 2.0 * (m - 1)) * 2.0 * (m - 1);
    steps += 2 * (m - 1);
    ++simulated;
  }
  return with_tiers(finish("allreduce", n, bytes, total, 2.0 * (n - 1) / n, steps, simulated), acc, "hierarchical");
}

CollectiveResult broadcast(const Topology& t, double bytes, std::vector<int> ranks) {
  ranks = resolve(t, std::move(ranks), "broadcast");
  const int n = static_cast<int>(ranks.size());
  FlowModel m(t);
  std::vector<int> ids;
  for (int i = 0; i + 1 < n; ++i) ids.push_back(m.add_flow(ranks[size_t(i)], ranks[size_t(i + 1)], bytes, 0.0));
  m.run();
  double drain = 0, chain = 0;
  for (int id : ids) {
    drain = std::max(drain, m.finish_ns(id) - m.group(id).latency_ns);
    chain += m.group(id).latency_ns;
  }
  Accum acc(t);
  acc.add(m, drain + chain, 1);
  return with_tiers(finish("broadcast", n, bytes, drain + chain, 1.0, 1, 1), acc, "ring");
}

std::vector<double> moe_token_counts(int n, const MoeTraffic& mt) {
  if (mt.tokens < 1 || mt.topk < 1 || mt.experts < mt.topk || !(mt.token_bytes > 0))
    throw ConfigError("moe: expected tokens >= 1, 1 <= topk <= experts and token_bytes > 0 (got tokens " +
                      std::to_string(mt.tokens) + ", topk " + std::to_string(mt.topk) + ", experts " +
                      std::to_string(mt.experts) + ")");
  std::mt19937_64 rng(mt.seed);
  std::vector<double> count(size_t(n) * size_t(n), 0.0);  // [src][dst] tokens
  std::vector<int> pick(size_t(mt.experts));
  for (int r = 0; r < n; ++r) {
    for (int tok = 0; tok < mt.tokens; ++tok) {
      // k distinct experts: a partial Fisher-Yates shuffle.
      for (int e = 0; e < mt.experts; ++e) pick[size_t(e)] = e;
      for (int j = 0; j < mt.topk; ++j) {
        const int sw = j + int(rng() % uint64_t(mt.experts - j));
        std::swap(pick[size_t(j)], pick[size_t(sw)]);
        count[size_t(r) * size_t(n) + size_t(pick[size_t(j)] % n)] += 1;
      }
    }
  }
  return count;
}

std::vector<double> moe_send_bytes(int n, const MoeTraffic& mt) {
  const std::vector<double> count = moe_token_counts(n, mt);
  std::vector<double> out(count.size());
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      out[size_t(i) * size_t(n) + size_t(j)] =
          (mt.combine ? count[size_t(j) * size_t(n) + size_t(i)] : count[size_t(i) * size_t(n) + size_t(j)]) *
          mt.token_bytes;
  return out;
}

CollectiveResult moe_pairwise(const Topology& t, const MoeTraffic& mt, std::vector<int> ranks) {
  ranks = resolve(t, std::move(ranks), "moe");
  const int n = static_cast<int>(ranks.size());
  if (n > 1024)
    throw ConfigError("moe --algo pairwise: " + std::to_string(n) +
                      " ranks; expected at most 1024 (one flow run per step; use direct)");
  const std::vector<double> send = moe_send_bytes(n, mt);
  double routed = 0;
  for (double b : send) routed += b;
  Accum acc(t);
  double total = 0;
  for (int k = 1; k < n; ++k) {
    FlowModel m(t);
    bool any = false;
    for (int i = 0; i < n; ++i) {
      const double b = send[size_t(i) * size_t(n) + size_t((i + k) % n)];
      if (b <= 0) continue;
      m.add_flow(ranks[size_t(i)], ranks[size_t((i + k) % n)], b, 0.0);
      any = true;
    }
    if (!any) continue;
    m.run();
    const double ns = m.max_finish_ns();
    acc.add(m, ns, 1);
    total += ns;
  }
  return with_tiers(finish(mt.combine ? "moe_combine" : "moe_dispatch", n, routed / n, total, double(n - 1) / n,
                           n - 1, n - 1),
                    acc, "pairwise");
}

CollectiveResult moe_alltoallv(const Topology& t, const MoeTraffic& mt, std::vector<int> ranks) {
  ranks = resolve(t, std::move(ranks), "moe");
  const int n = static_cast<int>(ranks.size());
  if (n > 1024)
    throw ConfigError("moe: " + std::to_string(n) + " ranks; expected at most 1024 (one flow per rank pair)");
  const std::vector<double> count = moe_token_counts(n, mt);
  // Flows are grouped by (path hop count, token count): members of a group
  // move at one per-flow rate (FlowGroup), so the fluid model handles
  // n^2 pairs with a few groups. Exact when members are interchangeable under
  // the topology's symmetry (a Clos with full groups), the group's slowest
  // member's pace otherwise.
  std::map<std::pair<long, int>, std::map<int, double>> group_links;
  std::map<std::pair<long, int>, std::pair<double, double>> group_stats;  // members, summed latency
  double routed = 0;
  for (int s = 0; s < n; ++s)
    for (int d = 0; d < n; ++d) {
      const double c = count[size_t(s) * size_t(n) + size_t(d)];
      routed += c * mt.token_bytes;
      if (s == d || c <= 0) continue;
      const int from = mt.combine ? ranks[size_t(d)] : ranks[size_t(s)], to = mt.combine ? ranks[size_t(s)] : ranks[size_t(d)];
      const std::vector<LinkShare> path = t.route(from, to);
      double hops = 0, lat = 0;
      for (const auto& ls : path) {
        hops += ls.fraction;
        lat += ls.fraction * t.link(ls.link).latency_ns;
      }
      const std::pair<long, int> key{std::lround(hops * 1000), int(c)};
      auto& links = group_links[key];
      for (const auto& ls : path) links[ls.link] += ls.fraction;
      auto& st = group_stats[key];
      st.first += 1;
      st.second += lat;
    }
  FlowModel m(t);
  for (const auto& [key, links] : group_links) {
    FlowGroup g;
    for (const auto& [l, f] : links) g.links.push_back({l, f});
    const auto& st = group_stats[key];
    g.multiplicity = st.first;
    g.bytes = double(key.second) * mt.token_bytes;
    g.latency_ns = st.second / st.first;
    m.add_group(std::move(g));
  }
  m.run();
  Accum acc(t);
  acc.add(m, m.max_finish_ns(), 1);
  return with_tiers(finish(mt.combine ? "moe_combine" : "moe_dispatch", n, routed / n, m.max_finish_ns(),
                           double(n - 1) / n, 1, 1),
                    acc, "direct");
}

CollectiveResult double_tree_allreduce(const Topology& t, double bytes, std::vector<int> ranks) {
  ranks = resolve(t, std::move(ranks), "allreduce");
  const int n = static_cast<int>(ranks.size());
  // Two binary trees over the ranks (heap order: node i's parent is
  // (i-1)/2), the second mirrored (rank i -> n-1-i) so most interior nodes
  // of one are leaves of the other and no edge is shared in the same
  // direction (NCCL's double binary tree, simplified). Each
  // tree reduces half the buffer up, then broadcasts it down; in the fluid
  // limit a phase's edges stream at once (pipelined chunks), so a phase
  // costs its slowest edge's drain plus the tree depth's latency.
  int depth = 0;
  while ((2 << depth) - 1 < n) ++depth;  // levels below the root
  Accum acc(t);
  double total = 0;
  for (int phase = 0; phase < 2; ++phase) {
    FlowModel m(t);
    std::vector<int> ids;
    double max_lat = 0;
    for (int tree = 0; tree < 2; ++tree)
      for (int i = 1; i < n; ++i) {
        const int ci = tree ? n - 1 - i : i, pi = tree ? n - 1 - (i - 1) / 2 : (i - 1) / 2;
        const int child = ranks[size_t(ci)], parent = ranks[size_t(pi)];
        ids.push_back(phase == 0 ? m.add_flow(child, parent, bytes / 2, 0.0) : m.add_flow(parent, child, bytes / 2, 0.0));
      }
    m.run();
    double drain = 0;
    for (int id : ids) {
      drain = std::max(drain, m.finish_ns(id) - m.group(id).latency_ns);
      max_lat = std::max(max_lat, m.group(id).latency_ns);
    }
    const double ns = drain + depth * max_lat;
    acc.add(m, ns, 1);
    total += ns;
  }
  return with_tiers(finish("allreduce", n, bytes, total, 2.0 * (n - 1) / n, 2, 2), acc, "double_tree");
}

}  // namespace npusim::noc
