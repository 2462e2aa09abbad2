// Routing functions of the packet-level fabric, chosen by name
// (RoutingParams::algorithm). Given the node a packet is at, its source,
// destination and a one-byte routing state, a routing function lists the
// candidate next hops, each an out-link with the range of downstream VCs the
// packet may take there.
//
// Deadlock freedom (why each bundled topology is safe):
//  - dor on a mesh: dimension order has no cyclic channel dependency.
//  - dor on a ring / torus: each ring is cyclic, so VCs split into two
//    classes and a packet moves to class 1 once it crosses the dimension's
//    wrap link (the dateline); it returns to class 0 when it turns into the
//    next dimension (dimension order keeps the dimensions acyclic).
//  - updown (Clos, fat-tree, star, any switched graph): nodes are ordered by
//    (hop distance from the nearest NPU, id); a link is "up" when it goes to
//    a higher node. Legal paths are up* down*, which no cycle can follow; the
//    minimum-cost legal paths are used, next hop chosen by a (src, dst) hash.
//    On a SuperCluster (noc/supercluster.hpp) the order spans the combined
//    UB + RDMA graph (NPUs level 0, UB L1 and RDMA leaves level 1, spines
//    level 2), so one up*/down* order covers both planes and no extra VC
//    class is needed; the RDMA links' cost only picks, among legal paths,
//    the UB ones whenever they exist (a pod's NPU pair always has one).
//  - dor on an nD-FullMesh (UB-Mesh): one direct hop per differing
//    coordinate, lowest dimension first. A packet never uses a dimension
//    again once it has fixed it, so channel dependencies only run from a
//    lower to a higher dimension: acyclic with one VC.
//  - dragonfly_min on a dragonfly (Kim et al., ISCA 2008): the
//    minimal route local -> global -> local, at most one hop of each, the
//    global link chosen by hash among those joining the two groups. VCs
//    split into two classes: class 0 before the global hop, class 1 from it
//    on. Dependencies then run terminal -> local(0) -> global(1) ->
//    local(1) -> terminal and never back, so two VCs suffice; BookSim's
//    min_dragonflynew (src/networks/dragonfly.cpp) switches VC at the same
//    "optical dateline". Non-minimal (Valiant/UGAL) would need a third
//    class and is not offered. Shortest-hop routing is
//    not used: it may take two global hops (a shortcut through a third
//    group), which would close cycles among global links. updown is no
//    fallback here: all routers sit on one level, so its (level, id) order
//    leaves some router pairs without a legal up*/down* path (it says so).
//  - ecmp: minimum-cost paths by hash; deadlock-free only where those are
//    (one-hop full meshes, trees, and Clos-of-Clos graphs whose NPUs do not
//    forward: every such path is already up*/down*).
// Link costs (Topology::link_cost) apply to updown, ecmp and adaptive
// alike: the same plane preference as the flow-level routes.
//  - adaptive with escape VCs (routing.escape_vc, Duato's protocol): the VCs
//    split into an escape class (the low VCs) routed by the topology's
//    deadlock-free deterministic function (dor with dateline classes on
//    generated rings/tori/meshes, so 2 escape VCs on a ring/torus and 1 on a
//    mesh; updown elsewhere, 1 VC) and adaptive VCs that may take any
//    minimal next hop. At every router the escape hop is offered beside the
//    adaptive ones, used when no adaptive VC has room. A packet that enters
//    the escape class stays in it to its destination: the escape network is
//    then closed (its packets wait only on escape VCs, whose dependency
//    graph is acyclic), so it always drains and an adaptive packet can
//    always get into it eventually. Letting packets return to adaptive VCs
//    (Duato's full theorem) would also be deadlock-free, but only after
//    checking the extended channel-dependency graph, indirect dependencies
//    included, for each topology; the dateline state would also lose its
//    meaning when a packet re-enters the escape class mid-ring.
//  - adaptive without escape VCs (routing.escape_vc false): the minimal next
//    hop with the most free credits, any VC. Not deadlock-free on cyclic
//    topologies; the watchdog reports the deadlock (see the tests).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "noc/packet/packet_params.hpp"
#include "noc/topology.hpp"

namespace npusim::noc {

struct RouteHop {
  int link = -1;
  int vc_lo = 0, vc_hi = 0;  // downstream VCs allowed: [vc_lo, vc_hi)
  bool escape = false;       // the escape class: taken only when no other candidate has room
};

class PacketRouting {
 public:
  static constexpr int kMaxCandidates = 64;

  // ConfigError (naming routing.algorithm / routing.dateline / switch.vcs)
  // when the algorithm cannot work on this topology.
  PacketRouting(const Topology& t, const RoutingParams& p, int vcs, uint64_t seed);

  std::string algorithm() const { return to_string(algo_); }  // resolved (never "auto")
  // Escape class of adaptive routing: VCs [0, escape_vcs()) routed by
  // escape_algorithm() ("dor" or "updown"); 0 and "" without one.
  int escape_vcs() const { return escape_vcs_; }
  const std::string& escape_algorithm() const { return escape_algo_; }
  // Candidates at `node` for a packet src -> dst in `state`; returns how many
  // were written to `out` (at least 1 unless node == dst).
  int route(int node, int src, int dst, uint8_t state, uint32_t packet_seq, RouteHop* out) const;
  // Whether a packet in `state` has entered the escape class.
  static bool in_escape(uint8_t state) { return state & 0x80; }
  // Routing state after the packet takes `link` into downstream VC `vc`.
  uint8_t next_state(uint8_t state, int link, int vc) const;

 private:
  enum class Algo { Ecmp, Dor, UpDown, Adaptive, FullMeshDor, DragonflyMin };
  // nD-FullMesh and dragonfly (noc/packet/routing_generated.cpp). setup_*
  // throw ConfigError naming routing.algorithm / switch.vcs.
  void setup_fullmesh();
  void setup_dragonfly(int vcs);
  int fullmesh_route(int node, int dst, RouteHop* out) const;
  int dragonfly_route(int node, int src, int dst, uint8_t state, uint32_t seq, RouteHop* out) const;
  uint8_t dragonfly_next_state(uint8_t state, int link) const;
  bool is_dragonfly_global(int link) const;  // router -> router of another group
  // Next-hop table: for destination endpoint index d, phase p and node u,
  // the links of the shortest legal paths (CSR). updown tables have 2
  // phases (before / after the first down link), shortest-path tables 1.
  struct Table {
    int phases = 1;
    std::vector<uint32_t> offset;  // (d * phases + p) * (nodes + 1) + u -> first entry
    std::vector<int32_t> hops;     // next-hop links
    // The next hops of `node` toward endpoint index d in phase p: [*b, *e).
    void range(int d, int p, int nodes, int node, uint32_t* b, uint32_t* e) const;
  };
  // `check_from_all`: every node that forwards must have a path (an escape
  // table must serve a packet wherever adaptive routing has taken it).
  Table build_table(bool updown, bool check_from_all, const std::string& what) const;
  void order_up_links();
  int dor_route(int node, int src, int dst, uint8_t state, int vc_base, int vcs, bool dateline, RouteHop* out) const;
  uint8_t dor_next(uint8_t state, int link) const;
  uint8_t updown_next(uint8_t state, int link) const { return up_[link] ? state : uint8_t(state | 1); }
  // The escape class's one next hop (escape state = state without kEscape).
  int escape_route(int node, int src, int dst, uint8_t escape_state, uint32_t seq, RouteHop* out) const;
  uint64_t hash(int src, int dst, int node, uint32_t seq) const;

  const Topology& t_;
  RoutingAlgorithm algo_;
  std::string escape_algo_;
  Algo kind_ = Algo::Ecmp;
  int vcs_ = 1, escape_vcs_ = 0;
  bool dateline_ = false, spray_ = true, escape_dor_ = false;
  uint64_t seed_ = 0;
  std::vector<int> ep_index_;  // node -> endpoint index, -1 for switches
  std::vector<char> up_;       // link -> goes up (updown)
  Table main_;                 // ecmp / updown / adaptive (minimal) next hops
  Table escape_;               // updown escape class of adaptive routing
  std::vector<int> fm_stride_;       // nD-FullMesh: node-id stride per dimension
  std::vector<uint32_t> df_offset_;  // dragonfly: (group * groups + group') -> first global link (CSR)
  std::vector<int32_t> df_global_;   // dragonfly: global links, grouped by (src group, dst group)
};

}  // namespace npusim::noc
