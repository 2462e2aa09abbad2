#include "noc/system_params.hpp"

#include "sim/errors.hpp"

namespace npusim::noc {

const Schema& UbLinkParams::schema() {
  static const Schema s = [] {
    Schema s("ub_link", "An NPU's links into the UB fabric");
    SchemaBuilder<UbLinkParams>(s)
        .param(&UbLinkParams::bandwidth_gbps, "bandwidth_gbps", "GB/s", 392.0,
               "UB bandwidth per NPU, one direction, over all of its links (split evenly over the L1 switches of "
               "its server)",
               {1e-6, 1e9})
        .param(&UbLinkParams::latency_ns, "latency_ns", "ns", 150.0, "NPU <-> L1 switch link traversal", {0, 1e9});
    return s;
  }();
  return s;
}

const Schema& UbL1Params::schema() {
  static const Schema s = [] {
    Schema s("ub_l1", "L1 (leaf) UB switches, in each server");
    SchemaBuilder<UbL1Params>(s)
        .param(&UbL1Params::switches_per_server, "switches_per_server", "", 7,
               "L1 switches per server; every NPU of the server links to each, and L1 j of every server forms "
               "sub-plane j with its L2 switches (two_tier_clos only)",
               {1, 1024})
        .param(&UbL1Params::uplinks, "uplinks", "", 16,
               "Ports per L1 switch up to the L2 switches of its sub-plane, sized non-blocking (two_tier_clos only)",
               {1, 1 << 16});
    return s;
  }();
  return s;
}

const Schema& UbL2Params::schema() {
  static const Schema s = [] {
    Schema s("ub_l2", "L2 (spine) UB switches, one sub-plane per L1 index");
    SchemaBuilder<UbL2Params>(s)
        .param(&UbL2Params::radix, "radix", "", 48,
               "Ports per L2 switch; each links to its sub-plane's L1 of every server with radix / servers ports, so "
               "a sub-plane has uplinks x servers / radix L2 switches (two_tier_clos only)",
               {1, 1 << 20})
        .param(&UbL2Params::latency_ns, "latency_ns", "ns", 250.0,
               "L1 <-> L2 switch link traversal (two_tier_clos only)", {0, 1e9});
    return s;
  }();
  return s;
}

const Schema& UbParams::schema() {
  static const Schema s = [] {
    Schema s("ub", "The scale-up (UB or NVLink) fabric");
    SchemaBuilder<UbParams>(s)
        .group(&UbParams::link, "link", "An NPU's links into the fabric")
        .group(&UbParams::l1, "l1", "L1 (leaf) switches")
        .group(&UbParams::l2, "l2", "L2 (spine) switches");
    return s;
  }();
  return s;
}

const Schema& SystemParams::schema() {
  static const Schema s = [] {
    Schema s("system", "A supernode: NPUs joined by a scale-up fabric (defaults: CloudMatrix384's shape)");
    SchemaBuilder<SystemParams>(s)
        .param(&SystemParams::name, "name", "", std::string(""), "Name shown in results")
        .param(&SystemParams::source, "source", "", std::string(""),
               "Where the numbers come from, with V/P/R/E confidence labels")
        .choice(&SystemParams::topology, "topology", SystemTopology::TwoTierClos,
                "two_tier_clos: servers of NPUs, L1 switches per server, L2 sub-planes; single_switch: every NPU "
                "on one non-blocking switch")
        .param(&SystemParams::npus, "npus", "", 384, "NPUs in the system", {2, 1 << 20})
        .param(&SystemParams::npus_per_server, "npus_per_server", "", 8,
               "NPUs per server (or cabinet) sharing its L1 switches; the last server may be partial "
               "(two_tier_clos only)",
               {1, 1 << 16})
        .group(&SystemParams::ub, "ub", "The scale-up fabric");
    return s;
  }();
  return s;
}

int SystemParams::l2_per_plane() const {
  const int k = ub.l2.radix / servers();  // ports between one L1 and one L2
  return servers() > 1 && k > 0 ? ub.l1.uplinks / k : 0;
}

namespace {

SystemParams clos_preset(const char* name, int npus, int per_server, int l1, int uplinks, double bw,
                         const char* source) {
  SystemParams p = defaults_of<SystemParams>();
  p.name = name;
  p.source = source;
  p.npus = npus;
  p.npus_per_server = per_server;
  p.ub.link.bandwidth_gbps = bw;
  p.ub.link.latency_ns = 150;
  p.ub.l1.switches_per_server = l1;
  p.ub.l1.uplinks = uplinks;
  p.ub.l2.radix = p.servers();  // one port to every server's L1 of the sub-plane
  p.ub.l2.latency_ns = 250;
  return p;
}

std::vector<SystemParams> make_presets() {
  std::vector<SystemParams> v;
  // CloudMatrix384 (P: arXiv 2506.12708; shape P/R). 392 GB/s per NPU
  // unidirectional over its 7 L1 UB switches: 56 GB/s per NPU-L1 link (E:
  // 392 / 7). Each L1 has 8 NPU ports and 16 uplinks into its own sub-plane
  // of L2 switches, so 16 x 28 GB/s up = 8 x 56 down: non-blocking (P: the
  // paper calls the UB plane non-blocking; 28 GB/s per uplink is derived, E).
  // L2 radix 48 (E: one port per server, implied by 16 L2 per sub-plane and
  // 16 uplinks per L1). Latency E: "<1 us inter-server" (R) -> 150 ns per
  // NPU-L1 link + 250 ns per L1-L2 link = 800 ns NPU -> L1 -> L2 -> L1 -> NPU.
  v.push_back(clos_preset(
      "cloudmatrix384", 384, 8, 7, 16, 392.0,
      "CloudMatrix384: 48 servers x 8 Ascend 910C, 7 L1 UB switches per server, 112 L2 UB switches in 7 "
      "sub-planes of 16, 16 uplinks per L1 (P: arXiv 2506.12708; hardware.md P/R); 392 GB/s per NPU "
      "unidirectional (P) split as 56 GB/s per NPU-L1 link (E: 392/7), 28 GB/s per L1-L2 link (E: "
      "non-blocking, 8x56 = 16x28); latency 150 ns NPU-L1 + 250 ns L1-L2 (E: fits '<1 us inter-server', R)"));
  // Atlas 950 SuperPoD (V, Huawei Connect 2025): 8192 x Ascend 950DT, 16.3
  // PB/s total interconnect -> 16.3e6 GB/s / 8192 = 1989.7 GB/s per NPU
  // (taken as one direction, E). Shape E: 128 compute cabinets (V: 160
  // cabinets = 128 compute + 32 comms) x 64 NPUs; each cabinet one Clos
  // group with 8 L1 switches (every NPU links to all 8), L2 in 8 rails of 16
  // switches of radix 128, uplinks sized non-blocking (64 x B/8 down = 16 x
  // B/2 up per L1).
  v.push_back(clos_preset(
      "atlas950_superpod", 8192, 64, 8, 16, 16.3e6 / 8192,
      "Atlas 950 SuperPoD: 8192 x Ascend 950DT, 16.3 PB/s total interconnect (V: Huawei Connect 2025) -> "
      "16.3e6/8192 = 1989.7 GB/s per NPU, taken as one direction (E); two-tier Clos shape (E): 128 compute "
      "cabinets (V: 128 compute + 32 comms) x 64 NPUs, 8 L1 per cabinet, 128 L2 in 8 rails of 16, "
      "non-blocking; latency 150 ns NPU-L1 + 250 ns L1-L2 (E: CloudMatrix-like)"));
  // Atlas 960 SuperPoD (V, Huawei Connect 2025): 15488 x Ascend 960, 34 PB/s
  // -> 34e6 GB/s / 15488 = 2195.2 GB/s per NPU (one direction, E). Shape E:
  // 176 groups of 88 NPUs (V: 220 cabinets = 176 compute + 44 comms), 8 L1
  // per group, L2 in 8 rails of 11 switches of radix 176, non-blocking
  // (88 x B/8 = 11 x B).
  v.push_back(clos_preset(
      "atlas960_superpod", 15488, 88, 8, 11, 34e6 / 15488,
      "Atlas 960 SuperPoD: 15488 x Ascend 960, 34 PB/s total interconnect (V: Huawei Connect 2025) -> "
      "34e6/15488 = 2195.2 GB/s per NPU, taken as one direction (E); two-tier Clos shape (E): 176 groups "
      "(V: 176 compute + 44 comms cabinets) x 88 NPUs, 8 L1 per group, 88 L2 in 8 rails of 11, "
      "non-blocking; latency 150 ns NPU-L1 + 250 ns L1-L2 (E: CloudMatrix-like)"));
  // NVL72 (GB200, V: NVIDIA): 72 GPUs, NVLink 5 at 1.8 TB/s per GPU
  // bidirectional = 900 GB/s per direction, through NVLink switch trays that
  // act as one non-blocking switch: modelled as a star (one switch). Latency
  // E: 150 ns per GPU-switch link (300 ns GPU -> GPU), a typical one-hop
  // switched-SerDes figure, not a published one. The Clos-only parameters
  // keep the schema defaults.
  SystemParams nvl = defaults_of<SystemParams>();
  nvl.name = "nvl72";
  nvl.topology = SystemTopology::SingleSwitch;
  nvl.npus = 72;
  nvl.ub.link.bandwidth_gbps = 900.0;
  nvl.ub.link.latency_ns = 150;
  nvl.source =
      "NVL72 (GB200): 72 GPUs, NVLink 5 at 1.8 TB/s per GPU bidirectional = 900 GB/s per direction, "
      "130 TB/s total (V: NVIDIA); NVLink switch trays modelled as one non-blocking switch (star, E); "
      "latency 150 ns per GPU-switch link (E: typical one-hop switch, not published)";
  v.push_back(nvl);
  return v;
}

std::string preset_names() {
  std::string s;
  for (const auto& p : supernode_presets()) s += (s.empty() ? "" : ", ") + p.name;
  return s;
}

// The parameters a single_switch system ignores, as (key path, accessor).
struct ClosOnly {
  const char* key;
  double (*get)(const SystemParams&);
};
const ClosOnly kClosOnly[] = {
    {"npus_per_server", [](const SystemParams& p) { return double(p.npus_per_server); }},
    {"ub.l1.switches_per_server", [](const SystemParams& p) { return double(p.ub.l1.switches_per_server); }},
    {"ub.l1.uplinks", [](const SystemParams& p) { return double(p.ub.l1.uplinks); }},
    {"ub.l2.radix", [](const SystemParams& p) { return double(p.ub.l2.radix); }},
    {"ub.l2.latency_ns", [](const SystemParams& p) { return p.ub.l2.latency_ns; }},
};

}  // namespace

const std::vector<SystemParams>& supernode_presets() {
  static const std::vector<SystemParams> v = make_presets();
  return v;
}

SystemParams system_params(const std::string& preset) {
  for (const auto& p : supernode_presets())
    if (p.name == preset) return p;
  throw ConfigError("system: unknown preset '" + preset + "'; expected one of " + preset_names());
}

void validate_system(const SystemParams& p, const std::string& path) {
  if (!p.is_clos() || p.servers() == 1) return;
  const int servers = p.servers();
  const std::string s = std::to_string(servers);
  if (p.ub.l2.radix % servers != 0)
    throw ConfigError(join_path(path, "ub.l2.radix") + ": expected a multiple of the servers (" + s +
                      " = ceil(npus / npus_per_server)): each L2 switch links to one L1 of every server; got " +
                      std::to_string(p.ub.l2.radix));
  const int k = p.ub.l2.radix / servers;
  if (p.ub.l1.uplinks % k != 0)
    throw ConfigError(join_path(path, "ub.l1.uplinks") + ": expected a multiple of ub.l2.radix / servers (" +
                      std::to_string(p.ub.l2.radix) + " / " + s + " = " + std::to_string(k) +
                      " ports from each L1 to each L2); got " + std::to_string(p.ub.l1.uplinks));
}

SystemParams system_from_json(const json& spec, const std::string& path) {
  if (spec.is_string()) return system_params(spec.get<std::string>());
  const std::string form = "expected a preset name or {\"preset\": one of " + preset_names() +
                           ", plus edited parameters, e.g. \"ub\": {\"link\": {\"bandwidth_gbps\": 800}}}";
  if (!spec.is_object()) throw ConfigError(path + ": " + form + ", got " + spec.dump());
  if (!spec.contains("preset") || !spec["preset"].is_string())
    throw ConfigError(join_path(path, "preset") + ": missing or not a string; " + form);
  const std::string preset = spec["preset"].get<std::string>();
  const SystemParams base = [&] {
    try {
      return system_params(preset);
    } catch (const ConfigError&) {
      throw ConfigError(join_path(path, "preset") + ": unknown preset '" + preset + "'; expected one of " +
                        preset_names());
    }
  }();
  SystemParams p = base;
  json edits = spec;
  edits.erase("preset");
  SystemParams::schema().read(&p, edits, path);
  if (!p.is_clos())
    for (const ClosOnly& c : kClosOnly)
      if (c.get(p) != c.get(base))
        throw ConfigError(join_path(path, c.key) + ": not used by a single_switch system (" + p.name +
                          "); set " + join_path(path, "topology") + " to two_tier_clos to edit the switch tiers");
  validate_system(p, path);
  return p;
}

json system_to_json(const SystemParams& p, const std::string& preset) {
  json j = json::object();
  j["preset"] = preset;
  j.update(to_json(p));
  return j;
}

Topology build_system(const SystemParams& p) {
  validate_system(p);
  if (!p.is_clos()) return Topology::star(p.npus, p.ub.link.bandwidth_gbps, p.ub.link.latency_ns);
  const int leaves = p.ub.l1.switches_per_server;
  const int per_rail = p.l2_per_plane();
  ClosParams c;
  c.endpoints = p.npus;
  c.endpoints_per_group = p.npus_per_server;
  c.leaves_per_group = leaves;
  c.spines = leaves * per_rail;
  c.rails = true;
  c.endpoint_bandwidth_gbps = p.ub.link.bandwidth_gbps / leaves;
  // Non-blocking: a server's npus_per_server links of B/leaves into each L1
  // leave it over per_rail (bundled) uplinks. Same expression as the
  // presets always used, so their topologies stay bit-identical.
  c.uplink_bandwidth_gbps = per_rail > 0 ? p.npus_per_server * (p.ub.link.bandwidth_gbps / leaves) / per_rail : 1.0;
  c.endpoint_latency_ns = p.ub.link.latency_ns;
  c.uplink_latency_ns = p.ub.l2.latency_ns;
  return Topology::clos(c);
}

Topology build_system(const std::string& preset, const json& overrides) {
  json spec = overrides.is_null() ? json::object() : overrides;
  if (!spec.is_object()) throw ConfigError("system: overrides must be an object, got " + spec.dump());
  spec["preset"] = preset;
  return build_system(system_from_json(spec));
}

}  // namespace npusim::noc
