// Packet routing on the generated hierarchical topologies: dimension order
// on an nD-FullMesh and minimal (local-global-local) routing with two VC
// classes on a dragonfly. Why each is deadlock-free: packet_routing.hpp.
#include "noc/packet/packet_routing.hpp"

namespace npusim::noc {

namespace {
constexpr uint8_t kTookGlobal = 1;  // dragonfly_min: the packet has crossed its global link
}  // namespace

void PacketRouting::setup_fullmesh() {
  const std::vector<int>& dims = t_.fullmesh_dims();
  int npus = 1;
  for (int d : dims) {
    fm_stride_.push_back(npus);
    npus *= d;
  }
  for (int i = 0; i < t_.num_nodes(); ++i)
    if (t_.node(i).kind != NodeKind::Npu || i >= npus)
      throw ConfigError("routing.algorithm: 'dor' expects the nD-FullMesh generator's node numbering (node '" +
                        t_.node(i).name + "' does not fit)");
}

int PacketRouting::fullmesh_route(int node, int dst, RouteHop* out) const {
  const std::vector<int>& dims = t_.fullmesh_dims();
  for (size_t k = 0; k < dims.size(); ++k) {
    const int at = (node / fm_stride_[k]) % dims[k], to = (dst / fm_stride_[k]) % dims[k];
    if (at == to) continue;
    const int next = node + (to - at) * fm_stride_[k];
    const int l = t_.link_between(node, next);
    if (l < 0) throw ProtocolError("dor: no link " + t_.node(node).name + " -> " + t_.node(next).name);
    out[0] = {l, 0, vcs_};
    return 1;
  }
  return 0;  // node == dst
}

void PacketRouting::setup_dragonfly(int vcs) {
  const DragonflyShape& s = t_.dragonfly_shape();
  if (s.groups == 0)
    throw ConfigError("routing.algorithm: 'dragonfly_min' needs a generated dragonfly topology (this one is not); "
                      "use updown or ecmp");
  if (vcs < 2)
    throw ConfigError("switch.vcs: dragonfly minimal routing needs >= 2 VCs (class 0 before the global hop, class 1 "
                      "from it on), got " + std::to_string(vcs));
  // Global links by (source group, destination group), in link order (CSR).
  const size_t pairs = size_t(s.groups) * s.groups;
  df_offset_.assign(pairs + 1, 0);
  std::vector<size_t> key(t_.num_links(), pairs);
  for (int l = 0; l < t_.num_links(); ++l) {
    if (!is_dragonfly_global(l)) continue;
    key[l] = size_t(s.group_of_router(t_.link(l).src)) * s.groups + s.group_of_router(t_.link(l).dst);
    ++df_offset_[key[l] + 1];
  }
  for (size_t i = 0; i < pairs; ++i) df_offset_[i + 1] += df_offset_[i];
  df_global_.assign(df_offset_[pairs], -1);
  std::vector<uint32_t> fill(df_offset_.begin(), df_offset_.end() - 1);
  for (int l = 0; l < t_.num_links(); ++l)
    if (key[l] < pairs) df_global_[fill[key[l]]++] = l;
}

bool PacketRouting::is_dragonfly_global(int link) const {
  const DragonflyShape& s = t_.dragonfly_shape();
  const int u = t_.link(link).src, v = t_.link(link).dst;
  return u >= s.npus() && v >= s.npus() && s.group_of_router(u) != s.group_of_router(v);
}

uint8_t PacketRouting::dragonfly_next_state(uint8_t state, int link) const {
  return is_dragonfly_global(link) ? uint8_t(state | kTookGlobal) : state;
}

int PacketRouting::dragonfly_route(int node, int src, int dst, uint8_t state, uint32_t seq, RouteHop* out) const {
  const DragonflyShape& s = t_.dragonfly_shape();
  const int half = vcs_ / 2;
  // Class 1 from the global hop on (the state is the one before this hop).
  auto emit = [&](int l, bool class1) {
    if (l < 0) throw ProtocolError("dragonfly_min: missing link at " + t_.node(node).name);
    out[0] = {l, class1 ? half : 0, class1 ? vcs_ : half};
    return 1;
  };
  const bool crossed = state & kTookGlobal;
  if (node < s.npus()) return emit(t_.out_links(node)[0], false);  // the source NPU's one link
  const int rd = s.router_of_npu(dst);
  if (node == rd) return emit(t_.link_between(node, dst), crossed);
  const int gn = s.group_of_router(node), gd = s.group_of_router(rd);
  if (gn == gd) return emit(t_.link_between(node, rd), crossed);
  const size_t pair = size_t(gn) * s.groups + gd;
  const uint32_t b = df_offset_[pair], e = df_offset_[pair + 1];
  if (b == e) throw ProtocolError("dragonfly_min: no global link from group " + std::to_string(gn) + " to " + std::to_string(gd));
  uint32_t own = 0;
  for (uint32_t i = b; i < e; ++i) own += t_.link(df_global_[i]).src == node;
  const uint64_t pick = hash(src, dst, node, seq);
  if (own > 0) {
    uint32_t k = static_cast<uint32_t>(pick % own);
    for (uint32_t i = b; i < e; ++i)
      if (t_.link(df_global_[i]).src == node && k-- == 0) return emit(df_global_[i], true);
  }
  // Not on this router: a local hop to a router of this group that has one.
  const int via = t_.link(df_global_[b + pick % (e - b)]).src;
  return emit(t_.link_between(node, via), false);
}

}  // namespace npusim::noc
