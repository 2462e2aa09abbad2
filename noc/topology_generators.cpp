// Generators for the hierarchical topologies: dragonfly (switched, Kim et
// al. 2008) and nD-FullMesh (UB-Mesh, NPUs forward), plus the JSON form
// that names a generator instead of listing nodes and links.
#include <cmath>
#include <string>

#include "noc/topology.hpp"

namespace npusim::noc {

namespace {

// Keeps a bad shape from allocating gigabytes before anything can fail.
constexpr long long kMaxNpus = 1LL << 22;
constexpr long long kMaxLinks = 1LL << 26;  // directed links

std::string num(long long v) { return std::to_string(v); }

}  // namespace

const Schema& DragonflyParams::schema() {
  static const Schema s = [] {
    Schema s("dragonfly", "Dragonfly: groups of fully connected routers joined by global links (Kim et al., ISCA 2008)");
    SchemaBuilder<DragonflyParams>(s)
        .param(&DragonflyParams::routers_per_group, "routers_per_group", "", 4,
               "Routers per group (a); a group's routers form a full mesh of local links", {1, 4096})
        .param(&DragonflyParams::npus_per_router, "npus_per_router", "", 2, "NPUs (terminals) per router (p)",
               {1, 4096})
        .param(&DragonflyParams::global_per_router, "global_per_router", "", 2,
               "Global (inter-group) links per router (h); balanced: a = 2p = 2h", {0, 4096})
        .param(&DragonflyParams::groups, "groups", "", 0,
               "Groups (g), at most a*h + 1; 0 = a*h + 1. With fewer, each pair of groups gets floor(a*h/(g-1)) "
               "global links",
               {0, 1 << 22})
        .param(&DragonflyParams::terminal_bandwidth_gbps, "terminal_bandwidth_gbps", "GB/s", 50.0,
               "Per NPU-router link, each direction (default E: generic)", {1e-9, 1e9})
        .param(&DragonflyParams::terminal_latency_ns, "terminal_latency_ns", "ns", 100.0,
               "Per NPU-router link traversal (default E)", {0, 1e9})
        .param(&DragonflyParams::local_bandwidth_gbps, "local_bandwidth_gbps", "GB/s", 50.0,
               "Per local (intra-group) router-router link, each direction (default E)", {1e-9, 1e9})
        .param(&DragonflyParams::local_latency_ns, "local_latency_ns", "ns", 100.0,
               "Per local link traversal (default E: in-cabinet electrical)", {0, 1e9})
        .param(&DragonflyParams::global_bandwidth_gbps, "global_bandwidth_gbps", "GB/s", 50.0,
               "Per global (inter-group) link, each direction (default E)", {1e-9, 1e9})
        .param(&DragonflyParams::global_latency_ns, "global_latency_ns", "ns", 300.0,
               "Per global link traversal (default E: longer, optical cables)", {0, 1e9});
    return s;
  }();
  return s;
}

const Schema& FullMeshDim::schema() {
  static const Schema s = [] {
    Schema s("fullmesh_dim", "One dimension of an nD-FullMesh (UB-Mesh)");
    SchemaBuilder<FullMeshDim>(s)
        .param(&FullMeshDim::size, "size", "", 2, "NPUs along this dimension (required)", {2, 4096})
        .param(&FullMeshDim::bandwidth_gbps, "bandwidth_gbps", "GB/s", 50.0,
               "Per link of this dimension, each direction (default E)", {1e-9, 1e9})
        .param(&FullMeshDim::latency_ns, "latency_ns", "ns", 100.0, "Per link traversal (default E)", {0, 1e9});
    return s;
  }();
  return s;
}

namespace {
constexpr int kDragonflyGlobalCost = 3;
}  // namespace

Topology Topology::dragonfly(const DragonflyParams& p) {
  // Ranges are checked when the params come from JSON; a C++ caller can
  // still pass anything, so check the shape here, naming the field.
  auto field = [](const char* key, const std::string& want, long long got) {
    throw ConfigError(std::string("dragonfly.") + key + ": expected " + want + ", got " + num(got));
  };
  if (p.routers_per_group < 1) field("routers_per_group", "an integer >= 1", p.routers_per_group);
  if (p.npus_per_router < 1) field("npus_per_router", "an integer >= 1", p.npus_per_router);
  if (p.global_per_router < 0) field("global_per_router", "an integer >= 0", p.global_per_router);
  if (p.groups < 0) field("groups", "an integer >= 0 (0: routers_per_group x global_per_router + 1)", p.groups);
  const long long a = p.routers_per_group, t = p.npus_per_router, h = p.global_per_router;
  const long long max_groups = a * h + 1;
  const long long g = p.groups > 0 ? p.groups : max_groups;
  if (g > max_groups)
    field("groups",
          "at most routers_per_group x global_per_router + 1 = " + num(max_groups) +
              " (every pair of groups needs a global link)",
          g);
  const long long npus = g * a * t;
  if (npus < 2) throw ConfigError("dragonfly: needs at least 2 NPUs (groups x routers_per_group x npus_per_router)");
  const long long links = 2 * npus + g * a * (a - 1) + (g > 1 ? g * (g - 1) * ((a * h) / (g - 1)) : 0);
  if (npus > kMaxNpus || links > kMaxLinks)
    throw ConfigError("dragonfly: " + num(npus) + " NPUs and " + num(links) + " links, above the limits of " +
                      num(kMaxNpus) + " NPUs and " + num(kMaxLinks) + " links");

  Topology topo;
  for (long long i = 0; i < npus; ++i) topo.add_node("npu" + num(i), NodeKind::Npu);
  auto router = [&](long long grp, long long r) { return static_cast<int>(npus + grp * a + r); };
  for (long long grp = 0; grp < g; ++grp)
    for (long long r = 0; r < a; ++r) topo.add_node("router_" + num(grp) + "_" + num(r), NodeKind::Switch);
  for (long long i = 0; i < npus; ++i)
    topo.add_bidi(static_cast<int>(i), static_cast<int>(npus + i / t), p.terminal_bandwidth_gbps,
                  p.terminal_latency_ns);
  for (long long grp = 0; grp < g; ++grp)
    for (long long r = 0; r < a; ++r)
      for (long long q = r + 1; q < a; ++q)
        topo.add_bidi(router(grp, r), router(grp, q), p.local_bandwidth_gbps, p.local_latency_ns);
  if (g > 1) {
    // Global port j of a group (on router j / h) leads to the group `o` =
    // j % (g-1) + 1 places further round, as its replica j / (g-1). For
    // g = a*h + 1 this is the consecutive ("palm-tree") arrangement: port j
    // of group i joins group i + j + 1 (mod g) at that group's port
    // a*h - 1 - j. Each pair is added once, from its lower group.
    const long long k = (a * h) / (g - 1);
    for (long long i = 0; i < g; ++i)
      for (long long j = 0; j < k * (g - 1); ++j) {
        const long long o = j % (g - 1) + 1, rep = j / (g - 1);
        const long long other = (i + o) % g;
        if (other < i) continue;
        const long long jp = rep * (g - 1) + (g - o - 1);
        // Routing cost 3 against 1 for local links: a minimal route
        // (local, global, local: cost <= 5) always beats a shortcut through
        // a third group (two globals: 6), so the flow level routes as the
        // packet level's dragonfly_min does.
        topo.add_bidi(router(i, j / h), router(other, jp / h), p.global_bandwidth_gbps, p.global_latency_ns, 0,
                      kDragonflyGlobalCost);
      }
  }
  topo.set_endpoints_forward(false);
  topo.dragonfly_ = {static_cast<int>(g), p.routers_per_group, p.npus_per_router, p.global_per_router};
  topo.validate();
  return topo;
}

Topology Topology::nd_fullmesh(const std::vector<FullMeshDim>& dims) {
  if (dims.empty() || dims.size() > 8)
    throw ConfigError("fullmesh.dims: expected 1 to 8 dimensions, got " + num(static_cast<long long>(dims.size())));
  long long npus = 1, per_npu = 0;
  for (size_t k = 0; k < dims.size(); ++k) {
    const std::string key = "fullmesh.dims[" + num(static_cast<long long>(k)) + "]";
    const FullMeshDim& d = dims[k];
    if (d.size < 2 || d.size > 4096)
      throw ConfigError(key + ".size: expected an integer in [2, 4096], got " + num(d.size));
    if (!(d.bandwidth_gbps > 0) || !std::isfinite(d.bandwidth_gbps))
      throw ConfigError(key + ".bandwidth_gbps: expected a number > 0, got " + std::to_string(d.bandwidth_gbps));
    if (!(d.latency_ns >= 0) || !std::isfinite(d.latency_ns))
      throw ConfigError(key + ".latency_ns: expected a number >= 0, got " + std::to_string(d.latency_ns));
    npus *= d.size;
    per_npu += d.size - 1;
    if (npus > kMaxNpus)
      throw ConfigError("fullmesh.dims: more than " + num(kMaxNpus) + " NPUs (the product of the sizes)");
  }
  if (npus * per_npu > kMaxLinks)
    throw ConfigError("fullmesh.dims: " + num(npus * per_npu) + " links, above the limit of " + num(kMaxLinks));
  Topology topo;
  for (long long i = 0; i < npus; ++i) topo.add_node("npu" + num(i), NodeKind::Npu);
  long long stride = 1;
  for (const FullMeshDim& d : dims) {
    for (long long i = 0; i < npus; ++i) {
      const long long c = (i / stride) % d.size;
      for (long long v = c + 1; v < d.size; ++v)
        topo.add_bidi(static_cast<int>(i), static_cast<int>(i + (v - c) * stride), d.bandwidth_gbps, d.latency_ns);
    }
    stride *= d.size;
  }
  topo.set_endpoints_forward(true);
  for (const FullMeshDim& d : dims) topo.fullmesh_dims_.push_back(d.size);
  topo.validate();
  return topo;
}

Topology Topology::from_generator_json(const json& j, const std::string& path) {
  const std::string gpath = join_path(path, "generator");
  if (!j.is_object() || !j.contains("generator") || !j["generator"].is_string())
    throw ConfigError(gpath + ": expected one of \"dragonfly\", \"nd_fullmesh\", \"clos\"");
  const std::string kind = j["generator"].get<std::string>();
  json rest = j;
  rest.erase("generator");
  rest.erase("name");    // a label, as in the node/link form
  rest.erase("source");  // citations for the numbers (free text)
  // The generators name the field ("dragonfly.groups: ..."); say which file.
  auto located = [&](auto build) {
    try {
      return build();
    } catch (const ConfigError& e) {
      throw ConfigError(path + ": " + e.what());
    }
  };
  if (kind == "dragonfly") {
    const DragonflyParams p = npusim::from_json<DragonflyParams>(rest, path);
    return located([&] { return dragonfly(p); });
  }
  if (kind == "clos") {
    const ClosParams p = npusim::from_json<ClosParams>(rest, path);
    return located([&] { return clos(p); });
  }
  if (kind == "nd_fullmesh") {
    for (auto it = rest.begin(); it != rest.end(); ++it)
      if (it.key() != "dims")
        throw ConfigError(join_path(path, it.key()) + ": unknown key; expected one of: generator, name, source, dims");
    const std::string dpath = join_path(path, "dims");
    if (!rest.contains("dims") || !rest["dims"].is_array() || rest["dims"].empty())
      throw ConfigError(dpath + ": expected a non-empty array of {size, bandwidth_gbps, latency_ns}");
    std::vector<FullMeshDim> dims;
    for (size_t k = 0; k < rest["dims"].size(); ++k) {
      const json& d = rest["dims"][k];
      const std::string kpath = dpath + "[" + num(static_cast<long long>(k)) + "]";
      if (!d.is_object() || !d.contains("size"))
        throw ConfigError(kpath + ": expected {\"size\": N, \"bandwidth_gbps\": B, \"latency_ns\": L} (size required)");
      dims.push_back(npusim::from_json<FullMeshDim>(d, kpath));
    }
    return located([&] { return nd_fullmesh(dims); });
  }
  throw ConfigError(gpath + ": expected one of \"dragonfly\", \"nd_fullmesh\", \"clos\", got \"" + kind + "\"");
}

}  // namespace npusim::noc
