// A fabric topology as a plain graph: nodes (endpoints = NPUs, and switches)
// joined by directed links with a bandwidth and a latency. Used by the
// flow-level (fluid) model; the packet-level fabric builds its switches from
// the same description.
//
// Routing: shortest paths by hop count. Equal-cost next hops share a flow
// evenly ("spraying" ECMP: each next hop gets 1/k of what reaches the node).
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

#include "models/sim/params.hpp"

namespace npusim::noc {

enum class NodeKind { Npu, Switch };

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

// One step of a route: a link and the fraction of the flow that crosses it.
struct LinkShare {
  int link;
  double fraction;
};

class Topology {
 public:
  // --- building -----------------------------------------------------------
  int add_node(const std::string& name, NodeKind kind);  // ConfigError on duplicates
  int add_link(int src, int dst, double bandwidth_gbps, double latency_ns);  // one direction
  void add_bidi(int a, int b, double bandwidth_gbps, double latency_ns);
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
  // "latency_ns","bidirectional","medium","length_m"}], "endpoints_forward":
  // bool}. Errors name the offending node / link (ConfigError).
  static Topology from_json(const json& j, const std::string& path = "topology");

  static Topology ring(int n, double bw_gbps, double lat_ns, bool bidirectional = true);
  static Topology full_mesh(int n, double bw_gbps, double lat_ns);
  static Topology star(int n, double bw_gbps, double lat_ns);  // one switch (NVL72-like)
  static Topology clos(const ClosParams& p);
  // x_size by y_size NPUs, each linked to its 4 neighbours (mesh) or with
  // wrap-around links too (torus; a dimension of size 2 has one link pair).
  static Topology mesh(int x_size, int y_size, double bw_gbps, double lat_ns);
  static Topology torus(int x_size, int y_size, double bw_gbps, double lat_ns);

  // --- queries ------------------------------------------------------------
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  int num_links() const { return static_cast<int>(links_.size()); }
  const Node& node(int i) const { return nodes_[i]; }
  const Link& link(int i) const { return links_[i]; }
  const std::vector<int>& endpoints() const { return endpoints_; }  // NPU node ids
  int node_id(const std::string& name) const;  // -1 if absent
  const std::vector<int>& out_links(int n) const { return out_[n]; }
  const std::vector<int>& in_links(int n) const { return in_[n]; }
  bool forwards(int n) const {
    return nodes_[n].kind == NodeKind::Switch || endpoints_forward();
  }
  bool endpoints_forward() const { return forward_set_ ? endpoints_forward_ : !has_switch_; }
  const Grid& grid() const { return grid_; }
  void set_grid(const Grid& g) { grid_ = g; }  // generators only
  // The link src -> dst, or -1 (first one if there are parallel links).
  int link_between(int src, int dst) const;

  // Hop distance from every node to the destination set (multi-source reverse
  // BFS). `seeds` are at distance 1 (the nodes that link straight into the
  // destination); nodes in `no_expand` and non-forwarding nodes get a distance
  // but are never interior to a path. -1 = cannot reach.
  void distances_to(const std::vector<int>& seeds, const std::vector<char>& no_expand,
                    std::vector<int>& dist, std::vector<int>& order) const;

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
  const std::vector<int>& dist_to(int dst) const;
  std::vector<int> bfs_to(int dst, bool pin_dst) const;  // pin_dst: set dist[dst] = 0
  std::vector<LinkShare> route_with(int src, int dst, const std::vector<int>& base) const;

  std::vector<Node> nodes_;
  std::vector<Link> links_;
  std::vector<std::vector<int>> out_, in_;
  std::vector<int> endpoints_;
  std::unordered_map<std::string, int> by_name_;
  Grid grid_;
  bool has_switch_ = false, endpoints_forward_ = false, forward_set_ = false;
  // Route cache: key -> distance array. Key = destination id for forwarding
  // destinations, or -1 - class id for non-forwarding ones (class = set of
  // in-neighbours). Bounded; cleared when full.
  mutable std::unordered_map<int, std::vector<int>> dist_cache_;
  mutable std::vector<int> dest_class_;  // node -> class id, -1 = not yet known
  mutable std::map<std::vector<int>, int> class_ids_;
};

}  // namespace npusim::noc
