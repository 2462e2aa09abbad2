// Parameters of one NPU chip (or GPU modelled the same way): how many cube
// (AIC) and vector (AIV) cores it has, their clock, the per-core config
// (nested CoreConfig group "core"), L2 size, which memory preset backs it and
// its per-chip interconnect bandwidth. Declared once with the param system;
// see ChipConfig::schema(). Named presets live in chip_presets.hpp.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sim/params.hpp"
#include "npu/core/core_config.hpp"

namespace npusim::npu {

// The shared L2 (capacity is ChipConfig::l2_mib): set-associative, sliced by
// address, each slice a bandwidth server with a hit latency.
struct L2Config {
  uint32_t line_bytes, ways, slices, slice_bytes_per_cycle, hit_latency_cycles;
  static const Schema& schema();
};

// The on-chip interconnect between cores and L2 slices: a crossbar with a
// fixed one-way latency, or a 2-D mesh of tiles (one cube core, its vector
// cores and one L2 slice per tile) carried packet by packet by the fabric
// model (models/onchip_mesh.hpp). Each core transfer keeps at most
// `max_outstanding` lines in flight either way.
NPUSIM_ENUM(OnChipTopology, (Crossbar, "crossbar"), (Mesh, "mesh"));
NPUSIM_ENUM(UbPortMode, (Loopback, "loopback"), (Count, "count"));
NPUSIM_ENUM(BandwidthDirection, (Unidirectional, "unidirectional"), (Bidirectional, "bidirectional"),
            (Unstated, "unstated"));

struct OnChipNetConfig {
  uint32_t hop_latency_cycles, max_outstanding;
  OnChipTopology topology;
  uint32_t mesh_link_bytes_per_cycle, mesh_router_cycles, mesh_link_cycles;
  static const Schema& schema();
};

// The chip's UB (or NVLink) port as seen from its cores: GM addresses in
// [window_base, window_base + window_gib GiB) are remote memory reached
// through it (UB's memory semantics). Until the fabric model is attached the
// port ends in an endpoint that either loops back (latency + bytes at the
// chip's ub_bandwidth_gbps) or only counts (answers at once).
struct UbPortConfig {
  uint64_t window_base;
  uint32_t window_gib;
  double latency_ns;
  UbPortMode mode;
  static const Schema& schema();
};

struct ChipConfig {
  std::string name;
  // Where each number comes from, with V/P/R/E labels (see
  // ../shared/reference/hardware.md for the label meanings).
  std::string source;
  uint32_t cube_cores;    // AIC (for GPUs: SMs, tensor cores modelled as a cube)
  uint32_t vector_cores;  // AIV (for GPUs: 0, not modelled separately)
  // Chip clock. Authoritative: core.clock_ghz mirrors it (chip_config_from_json
  // copies it and rejects a conflicting core.clock_ghz).
  double clock_ghz;
  CoreConfig core;
  uint32_t l2_mib;
  L2Config l2;
  OnChipNetConfig noc;
  UbPortConfig ub_port;
  std::string memory;  // a memory preset name (memory/hbm_presets.hpp)
  // Per-chip interconnect (UB / HCCS / NVLink) bandwidth in GB/s (bytes),
  // in the direction given by ub_bandwidth_direction.
  double ub_bandwidth_gbps;
  BandwidthDirection ub_bandwidth_direction;

  static const Schema& schema();

  // Dense cube peak in TFLOPS (TOPS for int8):
  //   cube_cores x (cube_m*cube_k*cube_n MAC/cycle x multiplier(dtype)) x 2 x clock.
  // dtype: bf16, fp16 (multiplier 1), fp8, hif8, mxfp8, mxfp4, int8 (the
  // core's *_multiplier). A dtype the chip lacks has multiplier 0 -> 0 TFLOPS.
  // Unknown dtype name -> ConfigError listing the valid names.
  double peak_tflops(const std::string& dtype) const;
};

// The dtype names peak_tflops accepts.
const std::vector<std::string>& chip_dtype_names();

// Parses `j` over the ChipConfig defaults; `path` names `j` in errors.
// Sets core.clock_ghz from clock_ghz (ConfigError if `j` gives a different
// core.clock_ghz).
ChipConfig chip_config_from_json(const json& j, const std::string& path);

}  // namespace npusim::npu
