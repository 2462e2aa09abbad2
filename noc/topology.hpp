// A fabric topology as a plain graph: nodes (endpoints = NPUs, and switches)
// joined by directed links with a bandwidth and a latency. Used by the
// flow-level (fluid) model; the packet-level fabric builds its switches from
// the same description.
//
// Routing: minimum-cost paths, where a link's routing cost is 1 unless set
// (so plain topologies route by hop count). Equal-cost next hops share a flow
// evenly ("spraying" ECMP: each next hop gets 1/k of what reaches the node).
// Costs express plane preference: a SuperCluster's RDMA links cost more than
// any UB path, so traffic stays on UB whenever a UB path exists and takes
// the fewest RDMA hops otherwise (noc/supercluster.hpp). Each link also
// names its plane ("scale_up" unless set), for per-plane statistics.
// We split rather than hash (src,dst) because a split is deterministic without
// a seed, has no hash-collision noise, and makes symmetric patterns (all-to-all
// on a Clos) exactly symmetric, which the aggregate all-to-all relies on.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/params.hpp"

namespace npusim::noc {

NPUSIM_ENUM(NodeKind, (Npu, "npu"), (Switch, "switch"));

struct Node {
  std::string name;
  NodeKind kind = NodeKind::Npu;
};

struct Link {
  int src = 0, dst = 0;
  double bandwidth_gbps = 0;  // GB/s == bytes/ns, one direction
  double latency_ns = 0;
  // Link medium preset (noc/link_model.hpp) and length; "" / -1: the
  // packet_fabric link.preset / link.length_m decide (a length without a
  // medium applies to the global preset). Only link_timing()
  // reads these (it adds the medium to latency_ns).
  std::string medium;
  double length_m = -1;
};

// Bound on a link's routing cost: keeps path costs far from int overflow
// (a path would need > 32768 hops at this cost to reach 2^31).
constexpr int kMaxLinkCost = 65535;
// The plane of links that do not name one.
constexpr const char* kDefaultPlane = "scale_up";

// Parameters of the two-tier Clos generator (see Topology::clos).
struct ClosParams {
  int endpoints = 384;
  int endpoints_per_group = 8;  // NPUs per server (share the group's leaves)
  int leaves_per_group = 1;     // L1 switches per server; each NPU links to all of them
  int spines = 16;              // L2 switches in total
  bool rails = false;           // leaf j of every group links only to spine rail j
  double endpoint_bandwidth_gbps = 50;  // per NPU-leaf link, each direction
  double endpoint_latency_ns = 100;
  double uplink_bandwidth_gbps = 50;    // per leaf-spine link, each direction
  double uplink_latency_ns = 200;
  static const Schema& schema();
};

// Coordinates of a generated ring, 2-D mesh or 2-D torus: endpoint (x, y) is
// node y * x_size + x. The packet fabric's dimension-order routing and
// dateline VCs need them; graphs from JSON have no grid.
struct Grid {
  int x_size = 0, y_size = 0;  // x_size == 0: not a grid
  bool wrap = false;           // torus / ring: wrap-around links in each dimension of size >= 3
  bool bidirectional = true;   // false only for a unidirectional ring
};

// Parameters of the dragonfly generator (Topology::dragonfly; Kim, Dally,
// Scott, Abts, "Technology-Driven, Highly-Scalable Dragonfly Topology",
// ISCA 2008): `groups` groups of `routers_per_group` (a) routers, each with
// `npus_per_router` (p) NPUs and `global_per_router` (h) global links; the
// routers of a group form a full mesh of local links. Kim et al.'s balanced
// shape is a = 2p = 2h; at most a*h + 1 groups (one global link between
// every pair of groups). With fewer groups every pair gets
// floor(a*h / (groups-1)) global links and the remaining ports stay unused.
// Default link numbers are generic estimates (E), not a product's.
struct DragonflyParams {
  int routers_per_group = 4;  // a
  int npus_per_router = 2;    // p
  int global_per_router = 2;  // h
  int groups = 0;             // 0: the maximum, a*h + 1
  double terminal_bandwidth_gbps = 50;  // NPU-router link, each direction
  double terminal_latency_ns = 100;
  double local_bandwidth_gbps = 50;     // router-router link inside a group
  double local_latency_ns = 100;
  double global_bandwidth_gbps = 50;    // router-router link between groups
  double global_latency_ns = 300;
  int resolved_groups() const { return groups > 0 ? groups : routers_per_group * global_per_router + 1; }
  static const Schema& schema();
};

// What the packet fabric's dragonfly routing needs to know about a generated
// dragonfly: NPU i is node i and sits on router node npus + i / p; router
// node npus + g*a + r is router r of group g. groups == 0: not a dragonfly.
struct DragonflyShape {
  int groups = 0, routers_per_group = 0, npus_per_router = 0, global_per_router = 0;
  int npus() const { return groups * routers_per_group * npus_per_router; }
  int router_of_npu(int npu) const { return npus() + npu / npus_per_router; }
  int group_of_router(int router) const { return (router - npus()) / routers_per_group; }
};

// One dimension of an nD-FullMesh (Topology::nd_fullmesh): `size` NPUs per
// line, each linked directly to the size-1 others of its line.
struct FullMeshDim {
  int size = 2;
  double bandwidth_gbps = 50;  // per link, each direction
  double latency_ns = 100;
  static const Schema& schema();
};

// One step of a route: a link and the fraction of the flow that crosses it.
struct LinkShare {
  int link;
  double fraction;
};

class Topology {
 public:
  // --- building -----------------------------------------------------------
  int add_node(const std::string& name, NodeKind kind);  // ConfigError on duplicates
  // One direction. `plane` from plane_id(); cost in [1, kMaxLinkCost].
  int add_link(int src, int dst, double bandwidth_gbps, double latency_ns, int plane = 0, int cost = 1);
  void add_bidi(int a, int b, double bandwidth_gbps, double latency_ns, int plane = 0, int cost = 1);
  // Id of the plane called `name`, registered on first use (plane 0 is
  // kDefaultPlane). ConfigError on an empty name.
  int plane_id(const std::string& name);
  // The medium and length of a link (from_json's "medium" / "length_m").
  void set_link_medium(int link, const std::string& medium, double length_m);
  // Whether NPUs relay traffic for others (true on rings/meshes where the NPU
  // holds the router; false behind switches, where a path through an NPU
  // would be a bogus ECMP choice). Default: true iff there are no switches.
  void set_endpoints_forward(bool f) {
    endpoints_forward_ = f;
    forward_set_ = true;
    dist_cache_.clear();  // distances depend on which nodes forward
  }
  // Checks every endpoint can reach every other; ConfigError names one that
  // cannot. Called by from_json and the generators.
  void validate() const;

  // {"nodes":[{"name","kind"}], "links":[{"src","dst","bandwidth_gbps",
  // "latency_ns","bidirectional","medium","length_m","plane","cost"}],
  // "endpoints_forward": bool}, optionally "name" and "source" (free text:
  // where the numbers come from). Errors name the offending node / link
  // (ConfigError). An object with a "generator" key goes to
  // from_generator_json.
  static Topology from_json(const json& j, const std::string& path = "topology");

  static Topology ring(int n, double bw_gbps, double lat_ns, bool bidirectional = true);
  static Topology full_mesh(int n, double bw_gbps, double lat_ns);
  static Topology star(int n, double bw_gbps, double lat_ns);  // one switch (NVL72-like)
  static Topology clos(const ClosParams& p);
  // x_size by y_size NPUs, each linked to its 4 neighbours (mesh) or with
  // wrap-around links too (torus; a dimension of size 2 has one link pair).
  static Topology mesh(int x_size, int y_size, double bw_gbps, double lat_ns);
  static Topology torus(int x_size, int y_size, double bw_gbps, double lat_ns);
  // Dragonfly of NPUs on routers (see DragonflyParams); ConfigError naming
  // the field (dragonfly.groups, ...) for an impossible shape.
  static Topology dragonfly(const DragonflyParams& p);
  // UB-Mesh's nD-FullMesh (Liao et al., "UB-Mesh: a Hierarchically
  // Localized nD-FullMesh Datacenter Network Architecture", arXiv
  // 2503.20377): NPUs on an n-D grid, each linked directly to every NPU that
  // differs from it in exactly one coordinate, with per-dimension link
  // bandwidth and latency; NPUs forward (no switches). Node id = c0 + s0 *
  // (c1 + s1 * (c2 + ...)). ConfigError naming fullmesh.dims[k] for a bad
  // dimension.
  static Topology nd_fullmesh(const std::vector<FullMeshDim>& dims);
  // A generator described in JSON: {"generator": "dragonfly", <DragonflyParams
  // keys>}, {"generator": "nd_fullmesh", "dims": [{size, bandwidth_gbps,
  // latency_ns}, ...]} or {"generator": "clos", <ClosParams keys>}; from_json
  // hands objects with a "generator" key here. Errors name the key path.
  static Topology from_generator_json(const json& j, const std::string& path);

  // --- queries ------------------------------------------------------------
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  int num_links() const { return static_cast<int>(links_.size()); }
  const Node& node(int i) const { return nodes_[i]; }
  const Link& link(int i) const { return links_[i]; }
  // A link's plane (index for plane_name) and routing cost, in [1,
  // kMaxLinkCost]. Kept beside Link, not in it: the all-to-all's next-hop
  // scan walks Links and stays as cache-dense as before costs existed.
  int link_plane(int i) const { return link_plane_[i]; }
  int link_cost(int i) const { return link_cost_[i]; }
  const std::vector<int>& endpoints() const { return endpoints_; }  // NPU node ids
  int num_planes() const { return static_cast<int>(planes_.size()); }
  const std::string& plane_name(int plane) const { return planes_[plane]; }
  bool unit_costs() const { return max_cost_ == 1; }  // then routes are shortest by hop count
  int max_link_cost() const { return max_cost_; }
  int node_id(const std::string& name) const;  // -1 if absent
  const std::vector<int>& out_links(int n) const { return out_[n]; }
  const std::vector<int>& in_links(int n) const { return in_[n]; }
  bool forwards(int n) const { return is_switch_[n] || endpoints_forward(); }
  bool endpoints_forward() const { return forward_set_ ? endpoints_forward_ : !has_switch_; }
  const Grid& grid() const { return grid_; }
  void set_grid(const Grid& g) { grid_ = g; }  // generators only
  // Shapes of generated dragonflies / nD-FullMeshes (packet routing uses
  // them); empty for every other topology.
  const DragonflyShape& dragonfly_shape() const { return dragonfly_; }
  const std::vector<int>& fullmesh_dims() const { return fullmesh_dims_; }
  // The link src -> dst, or -1 (first one if there are parallel links).
  int link_between(int src, int dst) const;

  // Hop distance from every node to the destination set (multi-source reverse
  // BFS). `seeds` are at distance 1 (the nodes that link straight into the
  // destination); nodes in `no_expand` and non-forwarding nodes get a distance
  // but are never interior to a path. -1 = cannot reach.
  // `terminals` false: non-forwarding nodes other than the seeds get no
  // distance (-1) and are not visited; a route computes its source's from
  // its out-links (route_with), which skips the NPUs of a big cluster.
  void distances_to(const std::vector<int>& seeds, const std::vector<char>& no_expand,
                    std::vector<int>& dist, std::vector<int>& order, bool terminals = true) const;

  // Minimum-cost distance (sum of link costs) from every node to `dst`, as
  // route() uses it: dst itself is never interior to a path, nodes in
  // `no_expand` (sized num_nodes or empty) and non-forwarding nodes get a
  // distance but are never interior either; -1 = cannot reach. dist[dst] is
  // left as computed (not pinned to 0). `order` lists the reached nodes in
  // non-decreasing distance. A BFS when every cost is 1, Dijkstra otherwise.
  void cost_distances_to(int dst, const std::vector<char>& no_expand, std::vector<int>& dist,
                         std::vector<int>& order, bool terminals = true) const;

  // ECMP route src -> dst as link shares (fractions of one unit that cross
  // each link). Distances toward a destination are computed lazily and
  // cached; non-forwarding destinations with the same in-neighbour set share
  // one cached BFS (one per leaf group on a Clos instead of one per NPU).
  std::vector<LinkShare> route(int src, int dst) const;
  // Reference routing: same result as route(), but always runs a fresh BFS
  // toward `dst` alone (no cache, no sharing). For tests and checks.
  std::vector<LinkShare> route_uncached(int src, int dst) const;

 private:
  // Distances toward `dst` as a possibly shared array `base`; the distance
  // of v is (v == dst ? 0 : base[v]). A forwarding dst has its own array.
  // A cached distance array and, per forwarding node, its next hops toward
  // the array's destination(s) over forwarding nodes (filled as routes walk
  // it): a high-radix switch (a SuperCluster's RDMA spine has a link per
  // leaf) is scanned once per destination class, not once per route.
  struct DistEntry {
    std::vector<int> dist;
    std::unordered_map<int, std::vector<int>> next;
  };
  DistEntry& dist_to(int dst) const;
  std::vector<int> bfs_to(int dst, bool pin_dst) const;  // pin_dst: set dist[dst] = 0
  std::vector<LinkShare> route_with(int src, int dst, const std::vector<int>& base,
                                    std::unordered_map<int, std::vector<int>>* next = nullptr) const;

  std::vector<Node> nodes_;
  std::vector<char> is_switch_;  // node -> kind == Switch, dense for the searches' forwards() tests
  std::vector<Link> links_;
  std::vector<int> link_plane_, link_cost_;
  std::vector<std::vector<int>> out_, in_;
  std::vector<int> endpoints_;
  std::vector<std::string> planes_{kDefaultPlane};
  int max_cost_ = 1;
  std::unordered_map<std::string, int> by_name_;
  Grid grid_;
  DragonflyShape dragonfly_;
  std::vector<int> fullmesh_dims_;
  bool has_switch_ = false, endpoints_forward_ = false, forward_set_ = false;
  // Route cache: key -> distance array. Key = destination id for forwarding
  // destinations, or -1 - class id for non-forwarding ones (class = set of
  // in-neighbours with their link costs). Bounded; cleared when full.
  mutable std::unordered_map<int, DistEntry> dist_cache_;
  mutable std::vector<int> dest_class_;  // node -> class id, -1 = not yet known
  mutable std::map<std::vector<int>, int> class_ids_;
};

}  // namespace npusim::noc
