#include "noc/system_presets.hpp"

#include "models/sim/errors.hpp"

namespace npusim::noc {

namespace {

// CloudMatrix384 (P: arXiv 2506.12708; shape P/R). 392 GB/s per NPU
// unidirectional over its 7 L1 UB switches: 56 GB/s per NPU-L1 link (E:
// 392 / 7). Each L1 has 8 NPU ports and 16 uplinks into its own sub-plane
// of L2 switches, so 16 x 28 GB/s up = 8 x 56 down: non-blocking (P: the
// paper calls the UB plane non-blocking; 28 GB/s per uplink is derived, E).
// Latency E: "<1 us inter-server" (R) -> 150 ns per NPU-L1 link + 250 ns per
// L1-L2 link = 800 ns NPU -> L1 -> L2 -> L1 -> NPU.
constexpr double kCm384Bw = 392.0;

// Atlas 950 SuperPoD (V, Huawei Connect 2025): 8192 x Ascend 950DT, 16.3 PB/s
// total interconnect -> 16.3e6 GB/s / 8192 = 1989.7 GB/s per NPU (taken as
// one direction, E). Shape E: 128 compute cabinets (V: 160 cabinets = 128
// compute + 32 comms) x 64 NPUs; each cabinet one Clos group with 8 L1
// switches (every NPU links to all 8), L2 in 8 rails of 16 switches, uplinks
// sized non-blocking (64 x B/8 down = 16 x B/2 up per L1).
constexpr double kAtlas950Bw = 16.3e6 / 8192;

// Atlas 960 SuperPoD (V, Huawei Connect 2025): 15488 x Ascend 960, 34 PB/s
// -> 34e6 GB/s / 15488 = 2195.2 GB/s per NPU (one direction, E). Shape E:
// 176 groups of 88 NPUs (V: 220 cabinets = 176 compute + 44 comms),
// 8 L1 per group, L2 in 8 rails of 11, non-blocking (88 x B/8 = 11 x B).
constexpr double kAtlas960Bw = 34e6 / 15488;

// NVL72 (GB200, V: NVIDIA): 72 GPUs, NVLink 5 at 1.8 TB/s per GPU
// bidirectional = 900 GB/s per direction, through NVLink switch trays that
// act as one non-blocking switch: modelled as a star (one switch). Latency
// E: 150 ns per GPU-switch link (300 ns GPU -> GPU), a typical one-hop
// switched-SerDes figure, not a published one.
constexpr double kNvl72Bw = 900.0;

const std::vector<SystemInfo>& table() {
  static const std::vector<SystemInfo> t = {
      {"cloudmatrix384", 384, kCm384Bw,
       "CloudMatrix384: 48 servers x 8 Ascend 910C, 7 L1 UB switches per server, 112 L2 UB switches in 7 "
       "sub-planes of 16, 16 uplinks per L1 (P: arXiv 2506.12708; hardware.md P/R); 392 GB/s per NPU "
       "unidirectional (P) split as 56 GB/s per NPU-L1 link (E: 392/7), 28 GB/s per L1-L2 link (E: "
       "non-blocking, 8x56 = 16x28); latency 150 ns NPU-L1 + 250 ns L1-L2 (E: fits '<1 us inter-server', R)"},
      {"atlas950_superpod", 8192, kAtlas950Bw,
       "Atlas 950 SuperPoD: 8192 x Ascend 950DT, 16.3 PB/s total interconnect (V: Huawei Connect 2025) -> "
       "16.3e6/8192 = 1989.7 GB/s per NPU, taken as one direction (E); two-tier Clos shape (E): 128 compute "
       "cabinets (V: 128 compute + 32 comms) x 64 NPUs, 8 L1 per cabinet, 128 L2 in 8 rails of 16, "
       "non-blocking; latency 150 ns NPU-L1 + 250 ns L1-L2 (E: CloudMatrix-like)"},
      {"atlas960_superpod", 15488, kAtlas960Bw,
       "Atlas 960 SuperPoD: 15488 x Ascend 960, 34 PB/s total interconnect (V: Huawei Connect 2025) -> "
       "34e6/15488 = 2195.2 GB/s per NPU, taken as one direction (E); two-tier Clos shape (E): 176 groups "
       "(V: 176 compute + 44 comms cabinets) x 88 NPUs, 8 L1 per group, 88 L2 in 8 rails of 11, "
       "non-blocking; latency 150 ns NPU-L1 + 250 ns L1-L2 (E: CloudMatrix-like)"},
      {"nvl72", 72, kNvl72Bw,
       "NVL72 (GB200): 72 GPUs, NVLink 5 at 1.8 TB/s per GPU bidirectional = 900 GB/s per direction, "
       "130 TB/s total (V: NVIDIA); NVLink switch trays modelled as one non-blocking switch (star, E); "
       "latency 150 ns per GPU-switch link (E: typical one-hop switch, not published)"},
  };
  return t;
}

const SystemInfo* find(const std::string& name) {
  for (const auto& s : table())
    if (s.name == name) return &s;
  return nullptr;
}

[[noreturn]] void unknown(const std::string& name) {
  std::string valid;
  for (const auto& n : system_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw ConfigError("system: unknown preset '" + name + "'; expected one of " + valid);
}

Topology clos_system(int npus, int per_group, int leaves, int per_rail, double npu_bw) {
  ClosParams p;
  p.endpoints = npus;
  p.endpoints_per_group = per_group;
  p.leaves_per_group = leaves;
  p.spines = leaves * per_rail;
  p.rails = true;
  p.endpoint_bandwidth_gbps = npu_bw / leaves;
  // Non-blocking: per_group down-links of npu_bw/leaves = per_rail up-links.
  p.uplink_bandwidth_gbps = per_group * (npu_bw / leaves) / per_rail;
  p.endpoint_latency_ns = 150;
  p.uplink_latency_ns = 250;
  return Topology::clos(p);
}

}  // namespace

std::vector<std::string> system_names() {
  std::vector<std::string> v;
  for (const auto& s : table()) v.push_back(s.name);
  return v;
}

SystemInfo system_info(const std::string& name) {
  const SystemInfo* s = find(name);
  if (!s) unknown(name);
  return *s;
}

Topology build_system(const std::string& name) {
  if (!find(name)) unknown(name);
  if (name == "cloudmatrix384") return clos_system(384, 8, 7, 16, kCm384Bw);
  if (name == "atlas950_superpod") return clos_system(8192, 64, 8, 16, kAtlas950Bw);
  if (name == "atlas960_superpod") return clos_system(15488, 88, 8, 11, kAtlas960Bw);
  return Topology::star(72, kNvl72Bw, 150);  // nvl72
}

}  // namespace npusim::noc
