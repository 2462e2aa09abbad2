#include "noc/packet/packet_routing.hpp"

#include <algorithm>
#include <cstdlib>

#include "noc/packet/rng.hpp"

namespace npusim::noc {

namespace {
constexpr uint8_t kCrossed = 1;  // dor: crossed the dateline in the current dimension
constexpr uint8_t kDimY = 2;     // dor: current dimension is y
constexpr uint8_t kDown = 1;     // updown: has taken a down link
}  // namespace

PacketRouting::PacketRouting(const Topology& t, const RoutingParams& p, int vcs, uint64_t seed)
    : t_(t), algo_(p.algorithm), vcs_(vcs), spray_(p.spray), seed_(seed) {
  const Grid& g = t.grid();
  // Generated dragonflies and nD-FullMeshes have their own deadlock-free
  // routing (noc/packet/routing_generated.cpp).
  if (algo_ == "auto" && t.dragonfly_shape().groups > 0) algo_ = "dragonfly_min";
  if (algo_ == "auto" && !t.fullmesh_dims().empty()) algo_ = "dor";
  if (algo_ == "dor" && !t.fullmesh_dims().empty()) {
    kind_ = Algo::FullMeshDor;
    setup_fullmesh();
    return;
  }
  if (algo_ == "dragonfly_min") {
    kind_ = Algo::DragonflyMin;
    setup_dragonfly(vcs);
    return;
  }
  if (algo_ == "auto") algo_ = g.x_size > 0 ? "dor" : "updown";
  if (algo_ == "dor") {
    if (g.x_size == 0)
      throw ConfigError("routing.algorithm: 'dor' needs a generated mesh, torus, ring or nD-FullMesh topology (this one has no "
                        "coordinates); use updown or ecmp");
    kind_ = Algo::Dor;
    dateline_ = g.wrap && p.dateline;
    if (dateline_ && vcs < 2)
      throw ConfigError("switch.vcs: dimension-order routing on a ring/torus needs >= 2 VCs for the dateline "
                        "classes, got " + std::to_string(vcs) + " (routing.dateline false allows 1 VC but can deadlock)");
  } else if (algo_ == "updown") {
    kind_ = Algo::UpDown;
  } else if (algo_ == "adaptive") {
    kind_ = Algo::Adaptive;
  } else if (algo_ == "ecmp") {
    kind_ = Algo::Ecmp;
  } else {
    throw ConfigError("routing.algorithm: expected one of 'auto', 'ecmp', 'dor', 'updown', 'adaptive', 'dragonfly_min', got '" +
                      algo_ + "'");
  }
  ep_index_.assign(t.num_nodes(), -1);
  for (size_t i = 0; i < t.endpoints().size(); ++i) ep_index_[t.endpoints()[i]] = static_cast<int>(i);
  if (kind_ == Algo::Dor) {
    for (int i = 0; i < t.num_nodes(); ++i)
      if (t.node(i).kind != NodeKind::Npu || i >= g.x_size * g.y_size)
        throw ConfigError("routing.algorithm: 'dor' expects the generator's node numbering (node '" + t.node(i).name +
                          "' does not fit)");
    return;
  }
  build_tables(kind_ == Algo::UpDown);
}

void PacketRouting::build_tables(bool updown) {
  const int n = t_.num_nodes();
  phases_ = updown ? 2 : 1;
  if (updown) {
    // Order nodes by (distance from the nearest NPU, id): NPUs lowest, leaf
    // switches next, spines highest; "up" = towards a higher node.
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
  const size_t eps = t_.endpoints().size();
  offset_.assign(eps * phases_ * (n + 1), 0);
  hops_.clear();
  std::vector<int> dist(size_t(n) * phases_), q;
  for (size_t d = 0; d < eps; ++d) {
    const int dst = t_.endpoints()[d];
    // Reverse BFS over (node, phase) states from the destination. A node that
    // does not forward gets a distance (it may be a source) but is never
    // interior to a path.
    std::fill(dist.begin(), dist.end(), -1);
    q.clear();
    for (int p = 0; p < phases_; ++p) { dist[dst * phases_ + p] = 0; q.push_back(dst * phases_ + p); }
    for (size_t h = 0; h < q.size(); ++h) {
      const int v = q[h] / phases_, p = q[h] % phases_;
      if (v != dst && !t_.forwards(v)) continue;
      for (int l : t_.in_links(v)) {
        const int w = t_.link(l).src;
        // Forward transitions: (w,0) -up-> (v,0); (w,0|1) -down-> (v,1).
        for (int pw = 0; pw < phases_; ++pw) {
          if (updown && (up_[l] ? (p != 0 || pw != 0) : p != 1)) continue;
          int s = w * phases_ + pw;
          if (dist[s] < 0) { dist[s] = dist[q[h]] + 1; q.push_back(s); }
        }
      }
    }
    for (int p = 0; p < phases_; ++p) {
      const size_t base = (d * phases_ + p) * (n + 1);
      for (int u = 0; u < n; ++u) {
        offset_[base + u] = static_cast<uint32_t>(hops_.size());
        const int du = dist[u * phases_ + p];
        if (u == dst || du <= 0) continue;
        for (int l : t_.out_links(u)) {
          const int v = t_.link(l).dst;
          if (v != dst && !t_.forwards(v)) continue;
          const int pv = updown ? (up_[l] ? p : 1) : 0;
          if (updown && up_[l] && p == 1) continue;
          if (dist[v * phases_ + pv] == du - 1) hops_.push_back(l);
        }
      }
      offset_[base + n] = static_cast<uint32_t>(hops_.size());
    }
    for (int s : t_.endpoints())
      if (s != dst && dist[s * phases_] < 0)
        throw ConfigError("routing.algorithm: '" + algo_ + "' has no path from '" + t_.node(s).name + "' to '" +
                          t_.node(dst).name + "'" + (updown ? " (no legal up*/down* path; try ecmp)" : ""));
  }
}

uint64_t PacketRouting::hash(int src, int dst, int node, uint32_t seq) const {
  const uint64_t flow = splitmix64(seed_ ^ (uint64_t(uint32_t(src)) << 40) ^ (uint64_t(uint32_t(dst)) << 20) ^ uint64_t(node));
  return spray_ ? splitmix64(flow ^ (uint64_t(seq) << 32)) : flow;
}

int PacketRouting::route(int node, int src, int dst, uint8_t state, uint32_t seq, RouteHop* out) const {
  if (node == dst) return 0;
  if (kind_ == Algo::Dor) return dor_route(node, src, dst, state, out);
  if (kind_ == Algo::FullMeshDor) return fullmesh_route(node, dst, out);
  if (kind_ == Algo::DragonflyMin) return dragonfly_route(node, src, dst, state, seq, out);
  const int n = t_.num_nodes();
  const int p = kind_ == Algo::UpDown ? (state & kDown) : 0;
  const size_t base = (size_t(ep_index_[dst]) * phases_ + p) * (n + 1);
  const uint32_t b = offset_[base + node], e = offset_[base + node + 1];
  const int k = static_cast<int>(e - b);
  if (k == 0) return 0;
  // Adaptive routing, and the NIC of an NPU that does not forward (it owns
  // one port per link and may use any), offer every minimal next hop.
  if (kind_ == Algo::Adaptive || (node == src && !t_.forwards(node))) {
    int m = std::min(k, kMaxCandidates);
    for (int i = 0; i < m; ++i) out[i] = {hops_[b + i], 0, vcs_};
    return m;
  }
  out[0] = {hops_[b + hash(src, dst, node, seq) % k], 0, vcs_};
  return 1;
}

int PacketRouting::dor_route(int node, int src, int dst, uint8_t state, RouteHop* out) const {
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
  out[0] = {l, 0, vcs_};
  if (dateline_) {
    const uint8_t after = next_state(state, l);
    const int half = vcs_ / 2;
    out[0].vc_lo = (after & kCrossed) ? half : 0;
    out[0].vc_hi = (after & kCrossed) ? vcs_ : half;
  }
  return 1;
}

uint8_t PacketRouting::next_state(uint8_t state, int link) const {
  if (kind_ == Algo::UpDown) return up_[link] ? state : uint8_t(state | kDown);
  if (kind_ == Algo::DragonflyMin) return dragonfly_next_state(state, link);
  if (kind_ != Algo::Dor) return state;
  const Grid& g = t_.grid();
  const int u = t_.link(link).src, v = t_.link(link).dst;
  const bool dim_y = (u % g.x_size) == (v % g.x_size);
  const int a = dim_y ? u / g.x_size : u % g.x_size, b = dim_y ? v / g.x_size : v % g.x_size;
  uint8_t s = state;
  if (bool(s & kDimY) != dim_y) s = dim_y ? kDimY : 0;  // a new dimension: back to class 0
  if (std::abs(a - b) > 1) s |= kCrossed;                 // the wrap link is the dateline
  return s;
}

}  // namespace npusim::noc
