#include "noc/packet/packet_routing.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <functional>
#include <queue>

#include "noc/packet/rng.hpp"

namespace npusim::noc {

namespace {
constexpr uint8_t kCrossed = 1;   // dor: crossed the dateline in the current dimension
constexpr uint8_t kDimY = 2;      // dor: current dimension is y
constexpr uint8_t kDown = 1;      // updown: has taken a down link
constexpr uint8_t kEscape = 0x80; // adaptive: the packet is in the escape class (its low bits: escape state);
                                  // PacketRouting::in_escape reads the same bit
}  // namespace

PacketRouting::PacketRouting(const Topology& t, const RoutingParams& p, int vcs, uint64_t seed)
    : t_(t), algo_(p.algorithm), vcs_(vcs), spray_(p.spray), seed_(seed) {
  const Grid& g = t.grid();
  // Generated dragonflies and nD-FullMeshes have their own deadlock-free
  // routing (noc/packet/routing_generated.cpp).
  if (algo_ == RoutingAlgorithm::Auto && t.dragonfly_shape().groups > 0) algo_ = RoutingAlgorithm::DragonflyMin;
  if (algo_ == RoutingAlgorithm::Auto && !t.fullmesh_dims().empty()) algo_ = RoutingAlgorithm::Dor;
  if (algo_ == RoutingAlgorithm::Dor && !t.fullmesh_dims().empty()) {
    kind_ = Algo::FullMeshDor;
    setup_fullmesh();
    return;
  }
  if (algo_ == RoutingAlgorithm::DragonflyMin) {
    kind_ = Algo::DragonflyMin;
    setup_dragonfly(vcs);
    return;
  }
  if (algo_ == RoutingAlgorithm::Auto) algo_ = g.x_size > 0 ? RoutingAlgorithm::Dor : RoutingAlgorithm::UpDown;
  auto check_dor_numbering = [&] {
    for (int i = 0; i < t.num_nodes(); ++i)
      if (t.node(i).kind != NodeKind::Npu || i >= g.x_size * g.y_size)
        throw ConfigError("routing.algorithm: 'dor' expects the generator's node numbering (node '" + t.node(i).name +
                          "' does not fit)");
  };
  switch (algo_) {
    case RoutingAlgorithm::Dor:
      if (g.x_size == 0)
        throw ConfigError("routing.algorithm: 'dor' needs a generated mesh, torus, ring or nD-FullMesh topology (this "
                          "one has no coordinates); use updown or ecmp");
      kind_ = Algo::Dor;
      dateline_ = g.wrap && p.dateline;
      if (dateline_ && vcs < 2)
        throw ConfigError("switch.vcs: dimension-order routing on a ring/torus needs >= 2 VCs for the dateline "
                          "classes, got " + std::to_string(vcs) +
                          " (routing.dateline false allows 1 VC but can deadlock)");
      break;
    case RoutingAlgorithm::UpDown: kind_ = Algo::UpDown; break;
    case RoutingAlgorithm::Adaptive: kind_ = Algo::Adaptive; break;
    case RoutingAlgorithm::Ecmp: kind_ = Algo::Ecmp; break;
    case RoutingAlgorithm::Auto:
    case RoutingAlgorithm::DragonflyMin: break;  // resolved or returned above
  }
  ep_index_.assign(t.num_nodes(), -1);
  for (size_t i = 0; i < t.endpoints().size(); ++i) ep_index_[t.endpoints()[i]] = static_cast<int>(i);
  if (kind_ == Algo::Dor) {
    check_dor_numbering();
    return;
  }
  if (kind_ == Algo::UpDown) order_up_links();
  main_ = build_table(kind_ == Algo::UpDown, false, to_string(algo_));
  if (kind_ != Algo::Adaptive || !p.escape_vc) return;
  // Escape class: the topology's own deadlock-free deterministic routing.
  // dor escape always uses dateline classes on a wrapped grid (without them
  // the escape class itself could deadlock), whatever routing.dateline says.
  if (g.x_size > 0) {
    check_dor_numbering();
    escape_algo_ = "dor";
    escape_dor_ = true;
    escape_vcs_ = g.wrap ? 2 : 1;
  } else {
    escape_algo_ = "updown";
    escape_vcs_ = 1;
    order_up_links();
    escape_ = build_table(true, true, "adaptive escape (updown)");
  }
  if (vcs < escape_vcs_ + 1)
    throw ConfigError("switch.vcs: adaptive routing with escape VCs needs >= " + std::to_string(escape_vcs_ + 1) +
                      " VCs on this topology (" + std::to_string(escape_vcs_) + " escape for " + escape_algo_ +
                      (escape_vcs_ == 2 ? " with dateline classes" : "") + ", >= 1 adaptive), got " +
                      std::to_string(vcs) + " (routing.escape_vc false allows fewer but can deadlock)");
}

void PacketRouting::order_up_links() {
  // Order nodes by (distance from the nearest NPU, id): NPUs lowest, leaf
  // switches next, spines highest; "up" = towards a higher node.
  const int n = t_.num_nodes();
  std::vector<int> level(n, -1), q;
  for (int e : t_.endpoints()) { level[e] = 0; q.push_back(e); }
  for (size_t h = 0; h < q.size(); ++h)
    for (int l : t_.out_links(q[h])) {
      int v = t_.link(l).dst;
      if (level[v] < 0) { level[v] = level[q[h]] + 1; q.push_back(v); }
    }
  up_.resize(t_.num_links());
  for (int l = 0; l < t_.num_links(); ++l) {
    int u = t_.link(l).src, v = t_.link(l).dst;
    up_[l] = std::make_pair(level[v], v) > std::make_pair(level[u], u);
  }
}

void PacketRouting::Table::range(int d, int p, int nodes, int node, uint32_t* b, uint32_t* e) const {
  const size_t base = (size_t(d) * phases + p) * (nodes + 1);
  *b = offset[base + node];
  *e = offset[base + node + 1];
}

PacketRouting::Table PacketRouting::build_table(bool updown, bool check_from_all, const std::string& what) const {
  const int n = t_.num_nodes();
  Table tb;
  tb.phases = updown ? 2 : 1;
  const int phases = tb.phases;
  const size_t eps = t_.endpoints().size();
  tb.offset.assign(eps * phases * (n + 1), 0);
  std::vector<int> dist(size_t(n) * phases), q, best(size_t(n) * phases);
  using Item = std::pair<int, int>;  // distance, state
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  for (size_t d = 0; d < eps; ++d) {
    const int dst = t_.endpoints()[d];
    // Reverse search over (node, phase) states from the destination: a BFS
    // when every link costs 1, Dijkstra otherwise (minimum-cost legal
    // paths: a plane with costly links is used only where needed). A node
    // that does not forward gets a distance (it may be a source) but is
    // never interior to a path.
    std::fill(dist.begin(), dist.end(), -1);
    q.clear();
    // Forward transitions: (w,0) -up-> (v,0); (w,0|1) -down-> (v,1).
    auto relax_into = [&](int state, auto&& visit) {
      const int v = state / phases, p = state % phases;
      if (v != dst && !t_.forwards(v)) return;
      for (int l : t_.in_links(v)) {
        const int w = t_.link(l).src;
        for (int pw = 0; pw < phases; ++pw) {
          if (updown && (up_[l] ? (p != 0 || pw != 0) : p != 1)) continue;
          visit(w * phases + pw, t_.link_cost(l));
        }
      }
    };
    if (t_.unit_costs()) {
      for (int p = 0; p < phases; ++p) { dist[dst * phases + p] = 0; q.push_back(dst * phases + p); }
      for (size_t h = 0; h < q.size(); ++h) {
        const int dh = dist[q[h]];
        relax_into(q[h], [&](int s, int) {
          if (dist[s] < 0) { dist[s] = dh + 1; q.push_back(s); }
        });
      }
    } else {
      std::fill(best.begin(), best.end(), INT_MAX);
      for (int p = 0; p < phases; ++p) { best[dst * phases + p] = 0; heap.push({0, dst * phases + p}); }
      while (!heap.empty()) {
        const auto [d, st] = heap.top();
        heap.pop();
        if (dist[st] >= 0 || d != best[st]) continue;
        dist[st] = d;
        relax_into(st, [&](int s, int c) {
          if (dist[s] < 0 && d + c < best[s]) { best[s] = d + c; heap.push({d + c, s}); }
        });
      }
    }
    for (int p = 0; p < phases; ++p) {
      const size_t base = (d * phases + p) * (n + 1);
      for (int u = 0; u < n; ++u) {
        tb.offset[base + u] = static_cast<uint32_t>(tb.hops.size());
        const int du = dist[u * phases + p];
        if (u == dst || du <= 0) continue;
        for (int l : t_.out_links(u)) {
          const int v = t_.link(l).dst;
          if (v != dst && !t_.forwards(v)) continue;
          const int pv = updown ? (up_[l] ? p : 1) : 0;
          if (updown && up_[l] && p == 1) continue;
          const int dv = dist[v * phases + pv];
          if (dv >= 0 && dv + t_.link_cost(l) == du) tb.hops.push_back(l);
        }
      }
      tb.offset[base + n] = static_cast<uint32_t>(tb.hops.size());
    }
    for (int s = 0; s < n; ++s) {
      const bool source = ep_index_[s] >= 0 || (check_from_all && t_.forwards(s));
      if (s != dst && source && dist[s * phases] < 0)
        throw ConfigError("routing.algorithm: '" + what + "' has no path from '" + t_.node(s).name + "' to '" +
                          t_.node(dst).name + "'" +
                          (check_from_all ? " (every router needs an escape path; set routing.escape_vc false "
                                            "or use updown)"
                                          : updown ? " (no legal up*/down* path; try ecmp)" : ""));
    }
  }
  return tb;
}

uint64_t PacketRouting::hash(int src, int dst, int node, uint32_t seq) const {
  const uint64_t flow = splitmix64(seed_ ^ (uint64_t(uint32_t(src)) << 40) ^ (uint64_t(uint32_t(dst)) << 20) ^ uint64_t(node));
  return spray_ ? splitmix64(flow ^ (uint64_t(seq) << 32)) : flow;
}

int PacketRouting::route(int node, int src, int dst, uint8_t state, uint32_t seq, RouteHop* out) const {
  if (node == dst) return 0;
  if (kind_ == Algo::Dor) return dor_route(node, src, dst, state, 0, vcs_, dateline_, out);
  if (kind_ == Algo::FullMeshDor) return fullmesh_route(node, dst, out);
  if (kind_ == Algo::DragonflyMin) return dragonfly_route(node, src, dst, state, seq, out);
  if (state & kEscape) return escape_route(node, src, dst, uint8_t(state & ~kEscape), seq, out);
  const int n = t_.num_nodes();
  const int p = kind_ == Algo::UpDown ? (state & kDown) : 0;
  uint32_t b, e;
  main_.range(ep_index_[dst], p, n, node, &b, &e);
  const int k = static_cast<int>(e - b);
  if (k == 0) return 0;
  // Adaptive routing, and the NIC of an NPU that does not forward (it owns
  // one port per link and may use any), offer every minimal next hop.
  if (kind_ == Algo::Adaptive || (node == src && !t_.forwards(node))) {
    const int room = escape_vcs_ ? kMaxCandidates - 1 : kMaxCandidates;
    const int m = std::min(k, room);
    for (int i = 0; i < m; ++i) out[i] = {main_.hops[b + i], escape_vcs_, vcs_, false};
    if (!escape_vcs_) return m;
    // The escape class is always on offer, from a fresh escape state.
    return m + escape_route(node, src, dst, 0, seq, out + m);
  }
  out[0] = {main_.hops[b + hash(src, dst, node, seq) % k], 0, vcs_, false};
  return 1;
}

int PacketRouting::escape_route(int node, int src, int dst, uint8_t es, uint32_t seq, RouteHop* out) const {
  if (escape_dor_) {
    dor_route(node, src, dst, es, 0, escape_vcs_, escape_vcs_ == 2, out);
  } else {
    uint32_t b, e;
    escape_.range(ep_index_[dst], es & kDown, t_.num_nodes(), node, &b, &e);
    if (e == b) return 0;
    out[0] = {escape_.hops[b + hash(src, dst, node, seq) % (e - b)], 0, 1, false};
  }
  out[0].escape = true;
  return 1;
}

int PacketRouting::dor_route(int node, int src, int dst, uint8_t state, int vc_base, int vcs, bool dateline,
                             RouteHop* out) const {
  const Grid& g = t_.grid();
  const int x = node % g.x_size, y = node / g.x_size;
  const int dx = dst % g.x_size, dy = dst / g.x_size;
  const bool in_x = x != dx;
  const int size = in_x ? g.x_size : g.y_size;
  const int from = in_x ? x : y, to = in_x ? dx : dy;
  int step;
  if (!g.wrap) {
    step = to > from ? 1 : -1;
  } else {
    // The shorter way round; a tie (half-way on an even ring) goes by the
    // source's parity so both directions carry half of those packets.
    const int fwd = (to - from + size) % size;
    const bool tie = 2 * fwd == size;
    step = (!g.bidirectional || 2 * fwd < size || (tie && src % 2 == 0)) ? 1 : -1;
  }
  const int next = (from + step + size) % size;
  const int next_node = in_x ? y * g.x_size + next : next * g.x_size + x;
  const int l = t_.link_between(node, next_node);
  if (l < 0) throw ProtocolError("dor: no link " + t_.node(node).name + " -> " + t_.node(next_node).name);
  out[0] = {l, vc_base, vc_base + vcs, false};
  if (dateline) {
    const uint8_t after = dor_next(state, l);
    const int half = vcs / 2;
    out[0].vc_lo = vc_base + ((after & kCrossed) ? half : 0);
    out[0].vc_hi = vc_base + ((after & kCrossed) ? vcs : half);
  }
  return 1;
}

uint8_t PacketRouting::dor_next(uint8_t state, int link) const {
  const Grid& g = t_.grid();
  const int u = t_.link(link).src, v = t_.link(link).dst;
  const bool dim_y = (u % g.x_size) == (v % g.x_size);
  const int a = dim_y ? u / g.x_size : u % g.x_size, b = dim_y ? v / g.x_size : v % g.x_size;
  uint8_t s = state;
  if (bool(s & kDimY) != dim_y) s = dim_y ? kDimY : 0;  // a new dimension: back to class 0
  if (std::abs(a - b) > 1) s |= kCrossed;                 // the wrap link is the dateline
  return s;
}

uint8_t PacketRouting::next_state(uint8_t state, int link, int vc) const {
  switch (kind_) {
    case Algo::Dor: return dor_next(state, link);
    case Algo::UpDown: return updown_next(state, link);
    case Algo::Ecmp: return state;
    case Algo::FullMeshDor: return state;
    case Algo::DragonflyMin: return dragonfly_next_state(state, link);
    case Algo::Adaptive: break;
  }
  // Adaptive: state stays 0 on adaptive VCs; entering an escape VC starts
  // the escape routing's state, which it keeps to the destination.
  if (!(state & kEscape) && vc >= escape_vcs_) return state;
  const uint8_t es = state & ~kEscape;
  return uint8_t(kEscape | (escape_dor_ ? dor_next(es, link) : updown_next(es, link)));
}

}  // namespace npusim::noc
