#include "noc/topology.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

#include "noc/link_model.hpp"

namespace npusim::noc {

namespace {

// JSON entries are read through the parameter system so unknown keys and
// wrong types get the usual "key path: expected ..." errors.
struct NodeSpec {
  std::string name;
  NodeKind kind;
  static const Schema& schema() {
    static const Schema s = [] {
      Schema s("topology_node", "A fabric node");
      SchemaBuilder<NodeSpec>(s)
          .param(&NodeSpec::name, "name", "", std::string(""), "Unique node name")
          .choice(&NodeSpec::kind, "kind", NodeKind::Npu, "npu: an endpoint; switch: relays only");
      return s;
    }();
    return s;
  }
};

struct LinkSpec {
  std::string src, dst, medium, plane;
  double bandwidth_gbps = 0, latency_ns = 0, length_m = -1;
  bool bidirectional = true;
  int cost = 1;
  static const Schema& schema() {
    static const Schema s = [] {
      Schema s("topology_link", "A fabric link");
      SchemaBuilder<LinkSpec>(s)
          .param(&LinkSpec::src, "src", "", std::string(""), "Source node name")
          .param(&LinkSpec::dst, "dst", "", std::string(""), "Destination node name")
          .param(&LinkSpec::bandwidth_gbps, "bandwidth_gbps", "GB/s", 0.0,
                 "Bandwidth per direction (required, > 0)")
          .param(&LinkSpec::latency_ns, "latency_ns", "ns", 0.0,
                 "Propagation + switching latency per traversal", {0, 1e9})
          .param(&LinkSpec::bidirectional, "bidirectional", "", true,
                 "Also add the reverse link with the same parameters")
          .param(&LinkSpec::medium, "medium", "", std::string(""),
                 "Link medium preset (none, electrical, optical, optical_lpo: noc/link_model.hpp); empty = the "
                 "packet_fabric link.preset")
          .param(&LinkSpec::length_m, "length_m", "m", -1.0,
                 "Cable / fibre length; -1 = link.length_m, else the medium's typical reach", {-1, 1e6})
          .param(&LinkSpec::plane, "plane", "", std::string(kDefaultPlane),
                 "Network plane the link belongs to (e.g. ub, rdma): per-plane statistics")
          .param(&LinkSpec::cost, "cost", "", 1,
                 "Routing cost: routes are the minimum-cost paths (cost 1 everywhere = fewest hops); "
                 "a costly plane is used only where no cheaper path exists",
                 {1, kMaxLinkCost});
      return s;
    }();
    return s;
  }
};

}  // namespace

const Schema& ClosParams::schema() {
  static const Schema s = [] {
    Schema s("clos", "Two-tier Clos (leaf-spine) fabric");
    SchemaBuilder<ClosParams>(s)
        .param(&ClosParams::endpoints, "endpoints", "", 384, "NPUs", {1, 1 << 22})
        .param(&ClosParams::endpoints_per_group, "endpoints_per_group", "", 8,
               "NPUs per group (server) sharing the group's leaf switches", {1, 1 << 16})
        .param(&ClosParams::leaves_per_group, "leaves_per_group", "", 1,
               "Leaf (L1) switches per group; every NPU of the group links to each", {1, 1024})
        .param(&ClosParams::spines, "spines", "", 16, "Spine (L2) switches in total", {0, 1 << 16})
        .param(&ClosParams::rails, "rails", "", false,
               "Leaf j of every group links only to spine rail j (spines/leaves_per_group "
               "spines each), as CloudMatrix384's L1/L2 sub-planes; else to every spine")
        .param(&ClosParams::endpoint_bandwidth_gbps, "endpoint_bandwidth_gbps", "GB/s", 50.0,
               "Per NPU-leaf link, each direction", {1e-9, 1e9})
        .param(&ClosParams::endpoint_latency_ns, "endpoint_latency_ns", "ns", 100.0,
               "Per NPU-leaf link traversal", {0, 1e9})
        .param(&ClosParams::uplink_bandwidth_gbps, "uplink_bandwidth_gbps", "GB/s", 50.0,
               "Per leaf-spine link, each direction", {1e-9, 1e9})
        .param(&ClosParams::uplink_latency_ns, "uplink_latency_ns", "ns", 200.0,
               "Per leaf-spine link traversal", {0, 1e9});
    return s;
  }();
  return s;
}

int Topology::add_node(const std::string& name, NodeKind kind) {
  if (name.empty()) throw ConfigError("topology: node name must not be empty");
  if (by_name_.count(name)) throw ConfigError("topology: duplicate node '" + name + "'");
  int id = num_nodes();
  nodes_.push_back({name, kind});
  is_switch_.push_back(kind == NodeKind::Switch);
  out_.emplace_back();
  in_.emplace_back();
  by_name_[name] = id;
  if (kind == NodeKind::Npu) endpoints_.push_back(id);
  else has_switch_ = true;
  return id;
}

int Topology::plane_id(const std::string& name) {
  if (name.empty()) throw ConfigError("topology: plane name must not be empty");
  for (size_t i = 0; i < planes_.size(); ++i)
    if (planes_[i] == name) return static_cast<int>(i);
  planes_.push_back(name);
  return static_cast<int>(planes_.size()) - 1;
}

int Topology::add_link(int src, int dst, double bw, double lat, int plane, int cost) {
  if (!(bw > 0) || !std::isfinite(bw))
    throw ConfigError("topology: link " + nodes_.at(src).name + " -> " + nodes_.at(dst).name +
                      ": bandwidth_gbps must be > 0, got " + std::to_string(bw));
  if (src == dst) throw ConfigError("topology: link " + nodes_.at(src).name + " -> itself");
  if (cost < 1 || cost > kMaxLinkCost)
    throw ConfigError("topology: link " + nodes_.at(src).name + " -> " + nodes_.at(dst).name +
                      ": cost must be in [1, " + std::to_string(kMaxLinkCost) + "], got " + std::to_string(cost));
  if (plane < 0 || plane >= num_planes())
    throw ConfigError("topology: link " + nodes_.at(src).name + " -> " + nodes_.at(dst).name + ": unknown plane id " +
                      std::to_string(plane));
  int id = num_links();
  links_.push_back({src, dst, bw, lat, std::string(), -1.0});
  link_plane_.push_back(plane);
  link_cost_.push_back(cost);
  max_cost_ = std::max(max_cost_, cost);
  out_[src].push_back(id);
  in_[dst].push_back(id);
  dist_cache_.clear();
  dest_class_.clear();
  class_ids_.clear();
  return id;
}

void Topology::add_bidi(int a, int b, double bw, double lat, int plane, int cost) {
  add_link(a, b, bw, lat, plane, cost);
  add_link(b, a, bw, lat, plane, cost);
}

void Topology::set_link_medium(int link, const std::string& medium, double length_m) {
  const Link& k = links_.at(link);
  if (!medium.empty()) link_medium(medium, "topology: link " + nodes_[k.src].name + " -> " + nodes_[k.dst].name + " medium");
  links_.at(link).medium = medium;
  links_.at(link).length_m = length_m;
}

int Topology::node_id(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? -1 : it->second;
}

void Topology::distances_to(const std::vector<int>& seeds, const std::vector<char>& no_expand,
                            std::vector<int>& dist, std::vector<int>& order, bool terminals) const {
  dist.assign(nodes_.size(), -1);
  order.clear();
  for (int s : seeds)
    if (dist[s] < 0) { dist[s] = 1; order.push_back(s); }
  const bool skip = !terminals && !endpoints_forward();  // then only switches are visited
  // `order` doubles as the BFS queue; it ends in non-decreasing distance.
  for (size_t head = 0; head < order.size(); ++head) {
    int v = order[head];
    if (!forwards(v) || (!no_expand.empty() && no_expand[v])) continue;
    for (int l : in_[v]) {
      int u = links_[l].src;
      if (dist[u] < 0 && !(skip && !is_switch_[u])) { dist[u] = dist[v] + 1; order.push_back(u); }
    }
  }
}

void Topology::validate() const {
  if (endpoints_.empty()) throw ConfigError("topology: no npu nodes");
  // Every endpoint must reach, and be reached from, the first one (two BFS).
  // That implies all pairs connect when endpoints forward or sit behind a
  // connected switch fabric, which covers every topology we build; a full
  // all-pairs check would cost a BFS per endpoint.
  int e0 = endpoints_[0];
  std::vector<int> dist, order;
  std::vector<char> none;
  std::vector<int> seeds;
  for (int l : in_[e0]) seeds.push_back(links_[l].src);
  distances_to(seeds, none, dist, order);
  for (int e : endpoints_)
    if (e != e0 && dist[e] < 0)
      throw ConfigError("topology: endpoint '" + nodes_[e].name + "' cannot reach '" + nodes_[e0].name +
                        "' (disconnected endpoints)");
  // Forward reachability from e0 to all endpoints in one BFS (out-links).
  std::vector<char> seen(nodes_.size(), 0);
  std::vector<int> q{e0};
  seen[e0] = 1;
  for (size_t h = 0; h < q.size(); ++h) {
    int v = q[h];
    if (v != e0 && !forwards(v)) continue;
    for (int l : out_[v])
      if (!seen[links_[l].dst]) { seen[links_[l].dst] = 1; q.push_back(links_[l].dst); }
  }
  for (int e : endpoints_)
    if (!seen[e])
      throw ConfigError("topology: endpoint '" + nodes_[e].name + "' is unreachable from '" +
                        nodes_[e0].name + "' (disconnected endpoints)");
}

Topology Topology::from_json(const json& j, const std::string& path) {
  if (!j.is_object()) throw ConfigError(path + ": expected an object with 'nodes' and 'links'");
  if (j.contains("source") && !j["source"].is_string())
    throw ConfigError(join_path(path, "source") + ": expected a string (where the numbers come from)");
  if (j.contains("generator")) return from_generator_json(j, path);  // noc/topology_generators.cpp
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "nodes" && it.key() != "links" && it.key() != "endpoints_forward" && it.key() != "name" &&
        it.key() != "source")
      throw ConfigError(join_path(path, it.key()) +
                        ": unknown key; expected one of: name, source, nodes, links, endpoints_forward (or generator)");
  if (!j.contains("nodes") || !j["nodes"].is_array())
    throw ConfigError(path + ".nodes: expected an array of {name, kind}");
  if (!j.contains("links") || !j["links"].is_array())
    throw ConfigError(path + ".links: expected an array of {src, dst, bandwidth_gbps, latency_ns}");
  Topology t;
  const json& nodes = j["nodes"];
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::string p = path + ".nodes[" + std::to_string(i) + "]";
    if (!nodes[i].is_object() || !nodes[i].contains("name"))
      throw ConfigError(p + ": expected {\"name\": ..., \"kind\": \"npu|switch\"}");
    NodeSpec n = npusim::from_json<NodeSpec>(nodes[i], p);
    if (n.name.empty()) throw ConfigError(p + ".name: must not be empty");
    if (t.node_id(n.name) >= 0) throw ConfigError(p + ": duplicate node '" + n.name + "'");
    t.add_node(n.name, n.kind);
  }
  const json& links = j["links"];
  for (size_t i = 0; i < links.size(); ++i) {
    std::string p = path + ".links[" + std::to_string(i) + "]";
    for (const char* key : {"src", "dst", "bandwidth_gbps"})
      if (!links[i].is_object() || !links[i].contains(key))
        throw ConfigError(p + ": missing '" + key + "' (expected {src, dst, bandwidth_gbps, latency_ns})");
    LinkSpec l = npusim::from_json<LinkSpec>(links[i], p);
    std::string what = p + " (" + l.src + " -> " + l.dst + ")";
    int s = t.node_id(l.src), d = t.node_id(l.dst);
    if (s < 0) throw ConfigError(what + ": unknown node '" + l.src + "'");
    if (d < 0) throw ConfigError(what + ": unknown node '" + l.dst + "'");
    if (s == d) throw ConfigError(what + ": a link must join two different nodes");
    if (!(l.bandwidth_gbps > 0))
      throw ConfigError(what + ": bandwidth_gbps must be > 0, got " + std::to_string(l.bandwidth_gbps));
    if (!l.medium.empty()) link_medium(l.medium, what + ".medium");
    if (l.plane.empty()) throw ConfigError(what + ".plane: must not be empty");
    const int plane = t.plane_id(l.plane);
    t.set_link_medium(t.add_link(s, d, l.bandwidth_gbps, l.latency_ns, plane, l.cost), l.medium, l.length_m);
    if (l.bidirectional)
      t.set_link_medium(t.add_link(d, s, l.bandwidth_gbps, l.latency_ns, plane, l.cost), l.medium, l.length_m);
  }
  if (j.contains("endpoints_forward")) {
    if (!j["endpoints_forward"].is_boolean())
      throw ConfigError(path + ".endpoints_forward: expected true or false");
    t.set_endpoints_forward(j["endpoints_forward"].get<bool>());
  }
  t.validate();
  return t;
}

static void need(bool ok, const std::string& msg) {
  if (!ok) throw ConfigError(msg);
}

Topology Topology::ring(int n, double bw, double lat, bool bidirectional) {
  need(n >= 2, "ring: expected n >= 2, got " + std::to_string(n));
  Topology t;
  for (int i = 0; i < n; ++i) t.add_node("npu" + std::to_string(i), NodeKind::Npu);
  for (int i = 0; i < n; ++i) {
    int j = (i + 1) % n;
    if (n == 2 && i == 1) break;  // a 2-ring is one pair of links
    if (bidirectional) t.add_bidi(i, j, bw, lat);
    else t.add_link(i, j, bw, lat);
  }
  if (n == 2 && !bidirectional) t.add_link(1, 0, bw, lat);
  t.set_endpoints_forward(true);
  t.set_grid({n, 1, true, bidirectional});
  t.validate();
  return t;
}

static Topology grid2d(const char* what, int xs, int ys, double bw, double lat, bool wrap) {
  need(xs >= 1 && ys >= 1 && xs * ys >= 2 && xs <= 4096 && ys <= 4096,
       std::string(what) + ": expected X x Y with X, Y in [1, 4096] and at least 2 nodes, got " +
           std::to_string(xs) + "x" + std::to_string(ys));
  Topology t;
  for (int i = 0; i < xs * ys; ++i) t.add_node("npu" + std::to_string(i), NodeKind::Npu);
  auto id = [xs](int x, int y) { return y * xs + x; };
  for (int y = 0; y < ys; ++y)
    for (int x = 0; x < xs; ++x) {
      if (x + 1 < xs) t.add_bidi(id(x, y), id(x + 1, y), bw, lat);
      if (y + 1 < ys) t.add_bidi(id(x, y), id(x, y + 1), bw, lat);
      // Wrap links only where they differ from the mesh links (size >= 3).
      if (wrap && x == xs - 1 && xs >= 3) t.add_bidi(id(x, y), id(0, y), bw, lat);
      if (wrap && y == ys - 1 && ys >= 3) t.add_bidi(id(x, y), id(x, 0), bw, lat);
    }
  t.set_endpoints_forward(true);
  t.set_grid({xs, ys, wrap, true});
  t.validate();
  return t;
}

Topology Topology::mesh(int xs, int ys, double bw, double lat) { return grid2d("mesh", xs, ys, bw, lat, false); }
Topology Topology::torus(int xs, int ys, double bw, double lat) { return grid2d("torus", xs, ys, bw, lat, true); }

int Topology::link_between(int src, int dst) const {
  for (int l : out_[src])
    if (links_[l].dst == dst) return l;
  return -1;
}

Topology Topology::full_mesh(int n, double bw, double lat) {
  need(n >= 2, "full_mesh: expected n >= 2, got " + std::to_string(n));
  Topology t;
  for (int i = 0; i < n; ++i) t.add_node("npu" + std::to_string(i), NodeKind::Npu);
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) t.add_bidi(i, j, bw, lat);
  t.set_endpoints_forward(true);
  t.validate();
  return t;
}

Topology Topology::star(int n, double bw, double lat) {
  need(n >= 1, "star: expected n >= 1, got " + std::to_string(n));
  Topology t;
  for (int i = 0; i < n; ++i) t.add_node("npu" + std::to_string(i), NodeKind::Npu);
  int sw = t.add_node("switch0", NodeKind::Switch);
  for (int i = 0; i < n; ++i) t.add_bidi(i, sw, bw, lat);
  t.validate();
  return t;
}

Topology Topology::clos(const ClosParams& p) {
  // Ranges are checked when the params come from JSON (ClosParams::schema);
  // here only the shape constraints a C++ caller could still break.
  need(p.endpoints >= 1 && p.endpoints_per_group >= 1 && p.leaves_per_group >= 1,
       "clos: endpoints, endpoints_per_group, leaves_per_group must be >= 1");
  int groups = (p.endpoints + p.endpoints_per_group - 1) / p.endpoints_per_group;
  need(groups == 1 || p.spines >= 1, "clos: more than one group needs spines >= 1");
  if (p.rails)
    need(p.spines % p.leaves_per_group == 0,
         "clos.spines: expected a multiple of leaves_per_group (" + std::to_string(p.leaves_per_group) +
             ") when rails is true, got " + std::to_string(p.spines));
  Topology t;
  for (int i = 0; i < p.endpoints; ++i) t.add_node("npu" + std::to_string(i), NodeKind::Npu);
  std::vector<int> leaves;
  for (int g = 0; g < groups; ++g)
    for (int j = 0; j < p.leaves_per_group; ++j)
      leaves.push_back(t.add_node("l1_" + std::to_string(g) + "_" + std::to_string(j), NodeKind::Switch));
  std::vector<int> spines;
  for (int s = 0; s < p.spines && groups > 1; ++s)
    spines.push_back(t.add_node("l2_" + std::to_string(s), NodeKind::Switch));
  for (int i = 0; i < p.endpoints; ++i) {
    int g = i / p.endpoints_per_group;
    for (int j = 0; j < p.leaves_per_group; ++j)
      t.add_bidi(i, leaves[g * p.leaves_per_group + j], p.endpoint_bandwidth_gbps, p.endpoint_latency_ns);
  }
  int per_rail = p.rails ? p.spines / p.leaves_per_group : p.spines;
  for (int g = 0; g < groups && !spines.empty(); ++g)
    for (int j = 0; j < p.leaves_per_group; ++j)
      for (int k = 0; k < per_rail; ++k) {
        int s = p.rails ? j * per_rail + k : k;
        t.add_bidi(leaves[g * p.leaves_per_group + j], spines[s], p.uplink_bandwidth_gbps,
                   p.uplink_latency_ns);
      }
  t.set_endpoints_forward(false);
  t.validate();
  return t;
}

void Topology::cost_distances_to(int dst, const std::vector<char>& no_expand, std::vector<int>& dist,
                                 std::vector<int>& order, bool terminals) const {
  if (max_cost_ == 1) {
    // Unit costs: the plain multi-source BFS (the common case stays as fast).
    std::vector<int> seeds;
    for (int l : in_[dst]) seeds.push_back(links_[l].src);
    distances_to(seeds, no_expand, dist, order, terminals);
    return;
  }
  // Dijkstra backwards from dst over in-links with a bucket queue (Dial):
  // costs are small integers, so bucket d % (max cost + 1) holds the nodes
  // tentatively at distance d and the scan costs O(links + largest
  // distance), near a BFS, instead of a heap's log factor. Settle order is
  // non-decreasing distance, as the BFS's.
  dist.assign(nodes_.size(), -1);
  order.clear();
  const int W = max_cost_ + 1;
  std::vector<std::vector<int>> bucket(static_cast<size_t>(W));
  std::vector<int> best(nodes_.size(), INT_MAX);
  size_t pending = 0;
  auto push = [&](int u, int d) {
    best[u] = d;
    bucket[static_cast<size_t>(d % W)].push_back(u);
    ++pending;
  };
  for (int l : in_[dst]) {
    const int u = links_[l].src;
    if (link_cost_[l] < best[u]) push(u, link_cost_[l]);
  }
  for (int d = 0; pending > 0; ++d) {
    std::vector<int>& here = bucket[static_cast<size_t>(d % W)];
    // Nodes pushed while scanning land in other buckets (0 < cost < W).
    for (size_t i = 0; i < here.size(); ++i) {
      const int v = here[i];
      --pending;
      if (dist[v] >= 0 || best[v] != d) continue;  // settled, or a stale entry
      dist[v] = d;
      order.push_back(v);
      if (v == dst || !forwards(v) || (!no_expand.empty() && no_expand[v])) continue;
      for (int l : in_[v]) {
        const int u = links_[l].src;
        if (dist[u] >= 0 || (!terminals && !forwards(u))) continue;
        if (d > INT_MAX - link_cost_[l])
          throw ConfigError("topology: path cost toward '" + nodes_[dst].name + "' overflows (link costs too large)");
        const int nd = d + link_cost_[l];
        if (nd < best[u]) push(u, nd);
      }
    }
    here.clear();
  }
}

std::vector<int> Topology::bfs_to(int dst, bool pin_dst) const {
  std::vector<int> order, dist;
  std::vector<char> no_expand(nodes_.size(), 0);
  no_expand[dst] = 1;  // a path never passes through its own destination
  // Routes need no distances at non-forwarding nodes other than their
  // source, which route_with derives from its out-links: leaving them out
  // keeps a SuperCluster's search to its switches (not its 500k NPUs).
  cost_distances_to(dst, no_expand, dist, order, /*terminals=*/false);
  if (pin_dst) dist[dst] = 0;
  return dist;
}

Topology::DistEntry& Topology::dist_to(int dst) const {
  // A non-forwarding destination is never expanded by the BFS, so its
  // distance array depends only on its in-neighbour set (the seeds), except
  // at dst itself, which route_with() pins to 0. Destinations with the same
  // in-neighbours (the NPUs of one Clos group) therefore share one BFS.
  int key = dst;
  if (!forwards(dst)) {
    if (dest_class_.size() != nodes_.size()) dest_class_.assign(nodes_.size(), -1);
    if (dest_class_[dst] < 0) {
      // With costs, the key is the set of (in-neighbour, cheapest link
      // cost from it): the seeds' starting distances.
      std::vector<std::pair<int, int>> in;
      for (int l : in_[dst]) in.push_back({links_[l].src, link_cost_[l]});
      std::sort(in.begin(), in.end());
      std::vector<int> nb;
      for (size_t i = 0; i < in.size(); ++i) {
        if (i > 0 && in[i].first == in[i - 1].first) continue;  // sorted: the first is the cheapest
        nb.push_back(in[i].first);
        if (max_cost_ > 1) nb.push_back(in[i].second);
      }
      auto ins = class_ids_.emplace(std::move(nb), static_cast<int>(class_ids_.size()));
      dest_class_[dst] = ins.first->second;
    }
    key = -1 - dest_class_[dst];
  }
  auto it = dist_cache_.find(key);
  if (it != dist_cache_.end()) return it->second;
  // Bound the cache to ~256 MB of distances; routes are cheap to recompute.
  if ((dist_cache_.size() + 1) * nodes_.size() > (size_t(64) << 20)) dist_cache_.clear();
  // A shared (class) array must not pin dst: for another member of the
  // class, dst is an ordinary non-forwarding node (route_with pins its own).
  return dist_cache_.emplace(key, DistEntry{bfs_to(dst, key == dst), {}}).first->second;
}

std::vector<LinkShare> Topology::route(int src, int dst) const {
  if (src == dst) return {};
  DistEntry& e = dist_to(dst);
  return route_with(src, dst, e.dist, &e.next);
}

std::vector<LinkShare> Topology::route_uncached(int src, int dst) const {
  if (src == dst) return {};
  return route_with(src, dst, bfs_to(dst, true));
}

namespace {
constexpr size_t kMemoDegree = 256;  // out-links above which route_with memoises a node's next hops
}  // namespace

std::vector<LinkShare> Topology::route_with(int src, int dst, const std::vector<int>& base,
                                           std::unordered_map<int, std::vector<int>>* next_memo) const {
  std::vector<LinkShare> out;
  if (src == dst) return out;
  // A non-forwarding source is not in `base` (or, linking straight into dst,
  // only with that link's cost): its distance is the best of its out-links
  // into forwarding nodes or dst.
  int d_src = base[src];
  if (!forwards(src)) {
    d_src = -1;
    for (int l : out_[src]) {
      const int v = links_[l].dst, dv = v == dst ? 0 : (forwards(v) ? base[v] : -1);
      if (dv >= 0 && (d_src < 0 || dv + link_cost_[l] < d_src)) d_src = dv + link_cost_[l];
    }
  }
  // Distances of next hops: never src again (costs >= 1 make the DAG
  // strictly decreasing), so only the node being left needs d_src.
  auto dist = [&](int v) { return v == dst ? 0 : base[v]; };
  const bool unit = max_cost_ == 1;
  if (d_src < 0)
    throw ConfigError("route: no path from '" + nodes_[src].name + "' to '" + nodes_[dst].name + "'");
  // Push one unit of flow down the minimum-cost DAG, level by level; each
  // node splits what reaches it evenly over its next-hop links (the links
  // whose cost plus the next node's distance equals this node's distance).
  std::unordered_map<int, double> level{{src, 1.0}}, next;
  std::unordered_map<int, double> share;  // link -> fraction
  std::vector<int> hops;
  while (!level.empty()) {
    next.clear();
    for (auto [u, m] : level) {
      if (u == dst) continue;
      const int du = u == src ? d_src : base[u];
      hops.clear();
      // Only worth a hash lookup on a high-radix node; scanning a few dozen
      // links is cheaper (measured: the unit-cost ring on atlas960_superpod).
      if (next_memo && u != src && forwards(u) && out_[u].size() > kMemoDegree) {
        // Hops over forwarding nodes depend only on the cached array (shared
        // by a destination class): memoised. Links straight into dst come
        // from dst's few in-links; sorting restores out-link order.
        auto it = next_memo->find(u);
        if (it == next_memo->end()) {
          std::vector<int> h;
          for (int l : out_[u]) {
            const int v = links_[l].dst;
            if (v != dst && forwards(v) && base[v] >= 1 && base[v] + link_cost_[l] == du) h.push_back(l);
          }
          it = next_memo->emplace(u, std::move(h)).first;
        }
        for (int l : in_[dst])
          if (links_[l].src == u && link_cost_[l] == du) hops.push_back(l);
        const bool direct = !hops.empty();
        hops.insert(hops.end(), it->second.begin(), it->second.end());
        if (direct) std::sort(hops.begin(), hops.end());
      } else if (unit) {  // the hop-count rule, without reading costs
        for (int l : out_[u]) {
          const int v = links_[l].dst;
          if (v == dst ? du == 1 : (base[v] == du - 1 && base[v] >= 1 && forwards(v))) hops.push_back(l);
        }
      } else {
        for (int l : out_[u]) {
          const int v = links_[l].dst, dv = dist(v);
          if (dv < 0 || dv + link_cost_[l] != du) continue;
          if (v == dst || (dv >= 1 && forwards(v))) hops.push_back(l);
        }
      }
      for (int l : hops) {
        double f = m / hops.size();
        share[l] += f;
        next[links_[l].dst] += f;
      }
    }
    level.swap(next);
  }
  for (auto [l, f] : share) out.push_back({l, f});
  std::sort(out.begin(), out.end(), [](const LinkShare& a, const LinkShare& b) { return a.link < b.link; });
  return out;
}

}  // namespace npusim::noc
