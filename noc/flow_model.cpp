#include "noc/flow_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <queue>
#include <type_traits>

namespace npusim::noc {

FlowModel::FlowModel(const Topology& topo) : topo_(topo), link_bytes_(topo.num_links(), 0.0) {}

int FlowModel::add_group(FlowGroup g) {
  if (!(g.bytes >= 0) || !(g.multiplicity > 0) || !std::isfinite(g.bytes))
    throw ConfigError("flow: bytes must be >= 0 and multiplicity > 0");
  if (g.start_ns < now_)
    throw ConfigError("flow: start " + std::to_string(g.start_ns) + " ns is before now (" +
                      std::to_string(now_) + " ns)");
  Entry e;
  e.g = std::move(g);
  e.remaining = e.g.bytes;
  groups_.push_back(std::move(e));
  pending_.push_back(static_cast<int>(groups_.size()) - 1);
  return static_cast<int>(groups_.size()) - 1;
}

int FlowModel::add_flow(int src, int dst, double bytes, double start_ns) {
  FlowGroup g;
  g.links = topo_.route(src, dst);
  for (const auto& s : g.links) g.latency_ns += s.fraction * topo_.link(s.link).latency_ns;
  g.bytes = bytes;
  g.start_ns = start_ns;
  return add_group(std::move(g));
}

namespace {

// Destinations with the same in- and out-neighbours (as multisets, with
// their link costs when costs vary) that do not forward have identical
// minimum-cost DAGs except for their last hop, so one search toward a
// virtual node behind their common neighbours serves the whole class (one
// per leaf on a Clos instead of one per NPU). A forwarding node is a class
// of its own.
std::vector<std::vector<int>> destination_classes(const Topology& topo, const std::vector<int>& eps) {
  const int N = topo.num_nodes();
  std::vector<char> in_s(N, 0);
  for (int e : eps) {
    if (e < 0 || e >= N) throw ConfigError("all_to_all: bad endpoint id " + std::to_string(e));
    if (in_s[e]) throw ConfigError("all_to_all: endpoint '" + topo.node(e).name + "' listed twice");
    in_s[e] = 1;
  }
  const bool costs = !topo.unit_costs();
  std::map<std::pair<std::vector<int64_t>, std::vector<int64_t>>, std::vector<int>> classes;
  std::vector<std::vector<int>> singles;
  for (int e : eps) {
    if (topo.forwards(e)) { singles.push_back({e}); continue; }
    std::pair<std::vector<int64_t>, std::vector<int64_t>> key;
    auto code = [&](int node, int cost) { return costs ? int64_t(node) * (kMaxLinkCost + 1) + cost : int64_t(node); };
    for (int l : topo.in_links(e)) key.first.push_back(code(topo.link(l).src, topo.link_cost(l)));
    for (int l : topo.out_links(e)) key.second.push_back(code(topo.link(l).dst, topo.link_cost(l)));
    std::sort(key.first.begin(), key.first.end());
    std::sort(key.second.begin(), key.second.end());
    classes[key].push_back(e);
  }
  for (auto& kv : classes) singles.push_back(std::move(kv.second));
  return singles;
}

// Flows are grouped by their path cost (the hop count when costs are 1),
// one group per distinct cost across all classes. With unit costs the
// group index is the hop distance itself, as before costs existed. With
// costs, mass inside a class is bucketed by the rank of its source's
// distance among the class's distinct distances (`order` is sorted by
// distance, so ranks come in one pass) and `group_of` maps a cost to its
// group. The spreading is instantiated for both cases so the unit-cost one
// (the 15488-NPU all-to-all) keeps the plain BFS rule and indexing.
struct AllToAllLoad {
  const Topology& topo;
  const std::vector<int>& eps;
  int N, L;
  std::map<int, int> group_of;            // path cost -> group (costs only)
  std::vector<std::vector<double>> load;  // [group][link], per unit per-flow rate
  std::vector<double> members;            // [group]
  std::vector<int> dist, order, hops, rank, rank_group, rank_dist;
  std::vector<char> in_class;
  std::vector<double> mass;  // [node][bucket] flow mass waiting to move on
  int H = 1;                 // buckets of the class being spread

  AllToAllLoad(const Topology& t, const std::vector<int>& e)
      : topo(t), eps(e), N(t.num_nodes()), L(t.num_links()), in_class(size_t(t.num_nodes()), 0) {}
  const std::vector<int>& bucket(bool costs) const { return costs ? rank : dist; }
  int group(bool costs, int b) const { return costs ? rank_group[b] : b; }
};

// The distance buckets of one class's search: hop distances (unit costs) or
// the ranks of the distinct path costs.
template <bool kCosts>
void bucket_distances(AllToAllLoad& a) {
  if constexpr (!kCosts) {
    a.H = a.order.empty() ? 1 : a.dist[a.order.back()] + 1;
    if (static_cast<int>(a.load.size()) < a.H) {
      a.load.resize(a.H);
      a.members.resize(a.H, 0.0);
    }
  } else {
    a.rank.assign(static_cast<size_t>(a.N), -1);
    a.rank_dist.clear();
    for (int u : a.order) {
      if (a.rank_dist.empty() || a.rank_dist.back() != a.dist[u]) a.rank_dist.push_back(a.dist[u]);
      a.rank[u] = static_cast<int>(a.rank_dist.size()) - 1;
    }
    a.H = std::max<int>(1, static_cast<int>(a.rank_dist.size()));
    a.rank_group.assign(static_cast<size_t>(a.H), -1);
  }
}

// Injection summed over the class's destinations: a source outside the
// class sends one flow to each of the |C| members, a member to |C|-1.
template <bool kCosts>
void inject_class(AllToAllLoad& a, const std::vector<int>& cls) {
  const double C = static_cast<double>(cls.size());
  const std::vector<int>& bucket = a.bucket(kCosts);
  const int H = a.H;
  for (int u : a.eps) {
    double x = C - (a.in_class[u] ? 1.0 : 0.0);
    if (x <= 0) continue;
    if (a.dist[u] < 0)
      throw ConfigError("all_to_all: '" + a.topo.node(u).name + "' cannot reach '" + a.topo.node(cls[0]).name + "'");
    const int b = bucket[u];
    if constexpr (kCosts) {
      if (a.rank_group[b] < 0) {
        auto it = a.group_of.find(a.dist[u]);
        if (it == a.group_of.end()) {
          it = a.group_of.emplace(a.dist[u], static_cast<int>(a.load.size())).first;
          a.load.emplace_back();
          a.members.push_back(0.0);
        }
        a.rank_group[b] = it->second;
      }
    }
    a.mass[static_cast<size_t>(u) * H + b] += x;
    a.members[a.group(kCosts, b)] += x;
  }
}

// Farthest nodes first: each splits what it holds evenly over its next
// hops (ECMP), bucket by bucket. A next hop is a link whose cost plus the
// next node's distance is this node's distance; into the class, its cost
// alone (the members are the destination, distance 0).
template <bool kCosts>
void propagate_class(AllToAllLoad& a) {
  const Topology& topo = a.topo;
  const std::vector<int>& bucket = a.bucket(kCosts);
  const std::vector<int>& dist = a.dist;
  const int H = a.H;
  for (auto it = a.order.rbegin(); it != a.order.rend(); ++it) {
    int u = *it;
    double* m = &a.mass[static_cast<size_t>(u) * H];
    bool any = false;
    for (int b = bucket[u]; b < H; ++b) any = any || m[b] != 0;
    if (!any) continue;
    a.hops.clear();
    for (int l : topo.out_links(u)) {
      const int v = topo.link(l).dst;
      if constexpr (kCosts) {
        const int c = topo.link_cost(l);
        if (a.in_class[v] ? c == dist[u] : (dist[v] >= 0 && dist[v] + c == dist[u] && topo.forwards(v)))
          a.hops.push_back(l);
      } else if (dist[u] == 1 ? a.in_class[v] != 0
                              : (dist[v] == dist[u] - 1 && topo.forwards(v) && !a.in_class[v])) {
        a.hops.push_back(l);
      }
    }
    // The class's |C| members share the arrivals at their common
    // neighbours equally (the class key makes their wiring identical), so
    // each link into a member carries 1/k of them.
    double inv = 1.0 / a.hops.size();
    for (int l : a.hops) {
      int v = topo.link(l).dst;
      double* mv = &a.mass[static_cast<size_t>(v) * H];
      for (int b = bucket[u]; b < H; ++b) {
        if (m[b] == 0) continue;
        double f = m[b] * inv;
        auto& lg = a.load[a.group(kCosts, b)];
        if (lg.empty()) lg.assign(a.L, 0.0);
        lg[l] += f;
        if (!a.in_class[v]) mv[b] += f;
      }
    }
  }
}

// Every source's flows to the class `cls`, spread over the minimum-cost DAG.
template <bool kCosts>
void spread_class(AllToAllLoad& a, const std::vector<int>& cls) {
  for (int d : cls) a.in_class[d] = 1;
  a.topo.cost_distances_to(cls[0], a.in_class, a.dist, a.order);
  bucket_distances<kCosts>(a);
  a.mass.assign(static_cast<size_t>(a.N) * a.H, 0.0);
  inject_class<kCosts>(a, cls);
  propagate_class<kCosts>(a);
  for (int d : cls) a.in_class[d] = 0;
}

}  // namespace

std::vector<int> FlowModel::add_all_to_all(const std::vector<int>& eps, double bytes, double start_ns) {
  const std::vector<std::vector<int>> singles = destination_classes(topo_, eps);
  const bool costs = !topo_.unit_costs();
  AllToAllLoad a(topo_, eps);
  for (const auto& cls : singles) {
    if (costs) spread_class<true>(a, cls);
    else spread_class<false>(a, cls);
  }
  std::vector<int> by_cost;  // groups in ascending path cost
  if (costs)
    for (const auto& kv : a.group_of) by_cost.push_back(kv.second);
  else
    for (size_t h = 0; h < a.load.size(); ++h) by_cost.push_back(static_cast<int>(h));
  std::vector<int> ids;
  for (const int h : by_cost) {
    if (a.members[size_t(h)] <= 0 || a.load[size_t(h)].empty()) continue;
    FlowGroup g;
    double lat = 0;
    for (int l = 0; l < a.L; ++l)
      if (a.load[size_t(h)][size_t(l)] > 0) {
        g.links.push_back({l, a.load[size_t(h)][size_t(l)]});
        lat += a.load[size_t(h)][size_t(l)] * topo_.link(l).latency_ns;
      }
    g.multiplicity = a.members[size_t(h)];
    g.latency_ns = lat / a.members[size_t(h)];
    g.bytes = bytes;
    g.start_ns = start_ns;
    ids.push_back(add_group(std::move(g)));
  }
  return ids;
}

// Progressive filling. All unfrozen groups share one per-flow rate level;
// a link saturates at level (capacity - frozen usage) / unfrozen weight.
// Take the lowest such level, freeze every group on that link, repeat. A
// heap with lazy invalidation keeps it O((links + group-links) log links).
void FlowModel::compute_rates(const std::vector<int>& active) {
  ++rate_computations_;
  const int L = topo_.num_links();
  std::vector<double> W(L, 0.0), F(L, 0.0);
  std::vector<int> cnt(L, 0), ver(L, 0);
  std::vector<int> start(L + 1, 0);
  for (int id : active)
    for (const auto& s : groups_[id].g.links) {
      W[s.link] += s.fraction;
      ++cnt[s.link];
      ++start[s.link + 1];
    }
  for (int l = 0; l < L; ++l) start[l + 1] += start[l];
  std::vector<int> users(start[L]), fill(start.begin(), start.end() - 1);
  for (int id : active)
    for (const auto& s : groups_[id].g.links) users[fill[s.link]++] = id;

  using Item = std::pair<double, std::pair<int, int>>;  // level, (link, version)
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  for (int l = 0; l < L; ++l)
    if (cnt[l] > 0) heap.push({topo_.link(l).bandwidth_gbps / W[l], {l, 0}});
  std::vector<char> frozen(groups_.size(), 0);
  size_t left = active.size();
  while (left > 0 && !heap.empty()) {
    auto [level, lv] = heap.top();
    heap.pop();
    int l = lv.first;
    if (lv.second != ver[l] || cnt[l] == 0) continue;
    level = std::max(level, 0.0);
    for (int i = start[l]; i < start[l + 1]; ++i) {
      int id = users[i];
      if (frozen[id]) continue;
      frozen[id] = 1;
      --left;
      groups_[id].rate = level;
      for (const auto& s : groups_[id].g.links) {
        int k = s.link;
        F[k] += s.fraction * level;
        W[k] -= s.fraction;
        if (--cnt[k] > 0) heap.push({(topo_.link(k).bandwidth_gbps - F[k]) / W[k], {k, ++ver[k]}});
      }
    }
  }
}

void FlowModel::complete(int id, double drain_end) {
  Entry& e = groups_[id];
  e.finish = drain_end + e.g.latency_ns;
  e.remaining = 0;
  for (const auto& s : e.g.links) link_bytes_[s.link] += s.fraction * e.g.bytes;
}

void FlowModel::run() {
  // Pending flows by start time (stable by id for determinism).
  std::sort(pending_.begin(), pending_.end(), [&](int a, int b) {
    double sa = groups_[a].g.start_ns, sb = groups_[b].g.start_ns;
    return sa != sb ? sa < sb : a < b;
  });
  size_t next = 0;
  std::vector<int> active;
  while (next < pending_.size() || !active.empty()) {
    if (active.empty() && groups_[pending_[next]].g.start_ns > now_) now_ = groups_[pending_[next]].g.start_ns;
    bool changed = false;
    while (next < pending_.size() && groups_[pending_[next]].g.start_ns <= now_) {
      int id = pending_[next++];
      // Nothing to send or nowhere to go (src == dst): done after latency.
      if (groups_[id].g.bytes == 0 || groups_[id].g.links.empty()) complete(id, now_);
      else { active.push_back(id); changed = true; }
    }
    if (active.empty()) continue;
    if (changed) compute_rates(active);
    double dt = std::numeric_limits<double>::infinity();
    for (int id : active) dt = std::min(dt, groups_[id].remaining / groups_[id].rate);
    if (next < pending_.size()) dt = std::min(dt, groups_[pending_[next]].g.start_ns - now_);
    now_ += dt;
    // Drain; flows within a relative 1e-9 of empty finish now, so equal
    // flows finish together instead of leaving float dust as extra events.
    std::vector<int> still;
    for (int id : active) {
      Entry& e = groups_[id];
      e.remaining -= e.rate * dt;
      if (e.remaining <= 1e-9 * e.g.bytes) complete(id, now_);
      else still.push_back(id);
    }
    if (still.size() != active.size()) {
      active.swap(still);
      if (!active.empty()) compute_rates(active);
    }
  }
  pending_.clear();
}

void FlowModel::absorb_pending() {
  auto later = [this](int a, int b) { return starts_after(a, b); };
  for (int id : pending_) {
    heap_.push_back(id);
    std::push_heap(heap_.begin(), heap_.end(), later);
  }
  pending_.clear();
}

void FlowModel::start_due(std::vector<int>* finished) {
  bool changed = false;
  auto later = [this](int a, int b) { return starts_after(a, b); };
  while (!heap_.empty() && groups_[size_t(heap_.front())].g.start_ns <= now_) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    const int id = heap_.back();
    heap_.pop_back();
    if (groups_[size_t(id)].g.bytes == 0 || groups_[size_t(id)].g.links.empty()) {
      complete(id, now_);
      finished->push_back(id);
    } else {
      active_.push_back(id);
      changed = true;
    }
  }
  if (changed) compute_rates(active_);
}

double FlowModel::next_event_ns() {
  absorb_pending();
  double t = heap_.empty() ? std::numeric_limits<double>::infinity() : groups_[size_t(heap_.front())].g.start_ns;
  for (int id : active_) t = std::min(t, now_ + groups_[size_t(id)].remaining / groups_[size_t(id)].rate);
  return std::max(t, now_);
}

void FlowModel::advance_to(double t, std::vector<int>* finished) {
  absorb_pending();
  for (;;) {
    start_due(finished);
    double drain = std::numeric_limits<double>::infinity();
    for (int id : active_) drain = std::min(drain, groups_[size_t(id)].remaining / groups_[size_t(id)].rate);
    const double next_start =
        heap_.empty() ? std::numeric_limits<double>::infinity() : groups_[size_t(heap_.front())].g.start_ns;
    const double step = std::min(now_ + drain, next_start);
    const bool partial = step > t;
    const double to = partial ? t : step;
    if (!std::isfinite(to)) return;  // idle and asked to run forever
    const double dt = to - now_;
    now_ = to;
    // Drained within a relative 1e-9 finishes now, as in run().
    std::vector<int> still;
    for (int id : active_) {
      Entry& e = groups_[size_t(id)];
      e.remaining -= e.rate * dt;
      if (e.remaining <= 1e-9 * e.g.bytes) {
        complete(id, now_);
        finished->push_back(id);
      } else {
        still.push_back(id);
      }
    }
    if (still.size() != active_.size()) {
      active_.swap(still);
      if (!active_.empty()) compute_rates(active_);
    }
    if (partial) {
      start_due(finished);
      return;
    }
  }
}

void FlowModel::link_rates(std::vector<double>* gbps) const {
  gbps->assign(size_t(topo_.num_links()), 0.0);
  for (int id : active_)
    for (const auto& s : groups_[size_t(id)].g.links) (*gbps)[size_t(s.link)] += s.fraction * groups_[size_t(id)].rate;
}

double FlowModel::max_finish_ns() const {
  double t = 0;
  for (const auto& e : groups_) t = std::max(t, e.finish);
  return t;
}

}  // namespace npusim::noc
