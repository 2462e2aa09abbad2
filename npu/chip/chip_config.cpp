#include "npu/chip/chip_config.hpp"

#include <cmath>
#include <sstream>

namespace npusim::npu {

const Schema& L2Config::schema() {
  static const Schema s = [] {
    Schema s("l2", "Shared L2 cache organisation and timing (capacity: chip.l2_mib)");
    SchemaBuilder<L2Config>(s)
        .param(&L2Config::line_bytes, "line_bytes", "B", 512,
               "Line size; also the request size from cores to L2 and L2 to HBM. E: Ascend C "
               "guidance aligns GM accesses to 512 B",
               {32, 1 << 16})
        .param(&L2Config::ways, "ways", "", 16, "Associativity (E: not published)", {1, 1024})
        .param(&L2Config::slices, "slices", "", 24,
               "Address-interleaved slices, each serving one line at a time at slice_bytes_per_cycle. "
               "E: one slice per cube core (presets set it so)",
               {1, 4096})
        .param(&L2Config::slice_bytes_per_cycle, "slice_bytes_per_cycle", "B/cycle", 128,
               "Bandwidth of one slice. E: not published; equal to one core's MTE2 port so that, with "
               "one slice per cube core, L2 can feed every core's MTE2 at once (910B: ~5.9 TB/s)",
               {1, 1 << 16})
        .param(&L2Config::hit_latency_cycles, "hit_latency_cycles", "cycle", 60,
               "Tag + data access latency of a hit, on top of the network hops (E)", {0, 1 << 20});
    return s;
  }();
  return s;
}

const Schema& OnChipNetConfig::schema() {
  static const Schema s = [] {
    Schema s("noc", "On-chip interconnect between AI cores, L2 slices and the memory controllers");
    SchemaBuilder<OnChipNetConfig>(s)
        .param(&OnChipNetConfig::hop_latency_cycles, "hop_latency_cycles", "cycle", 20,
               "One-way latency between a core and an L2 slice (E: not published)", {0, 1 << 20})
        .param(&OnChipNetConfig::max_outstanding, "max_outstanding", "line", 64,
               "Lines one GM transfer keeps in flight (memory-level parallelism of an MTE, E)", {1, 1 << 20})
        .choice(&OnChipNetConfig::topology, "topology", OnChipTopology::Crossbar,
                "crossbar: every core-slice pair one hop_latency_cycles apart, slices queue; mesh: a 2-D mesh "
                "of tiles (a cube core, its vector cores, an L2 slice each) with routers, credits and links "
                "(cycle fidelity; slower to simulate)")
        .param(&OnChipNetConfig::mesh_link_bytes_per_cycle, "mesh_link_bytes_per_cycle", "B/cycle", 128,
               "Mesh link width = flit size, each direction (R: Ascend 910's NoC mesh is 1024 bits wide at 2 GHz "
               "per Huawei's product page as reported from Hot Chips 31; per core cycle here, E)", {1, 4096})
        .param(&OnChipNetConfig::mesh_router_cycles, "mesh_router_cycles", "cycle", 2,
               "Mesh router pipeline per hop (E: a typical 2-stage on-chip router)", {0, 64})
        .param(&OnChipNetConfig::mesh_link_cycles, "mesh_link_cycles", "cycle", 1,
               "Mesh link traversal per hop (E)", {0, 64});
    return s;
  }();
  return s;
}

const Schema& UbPortConfig::schema() {
  static const Schema s = [] {
    Schema s("ub_port", "The chip's UB port: the GM window of remote memory and its endpoint");
    SchemaBuilder<UbPortConfig>(s)
        .param(&UbPortConfig::window_base, "window_base", "B", uint64_t(1) << 48,
               "First GM address of remote (UB) memory; below it is the chip's own HBM",
               {uint64_t(1) << 30, uint64_t(1) << 62})
        .param(&UbPortConfig::window_gib, "window_gib", "GiB", 1024, "Size of the remote window", {1, 1 << 24})
        .param(&UbPortConfig::latency_ns, "latency_ns", "ns", 1000.0,
               "Round-trip latency of a remote access through the port. E: the CloudMatrix384 paper's "
               "'<1 us inter-server' (P/R, reference/hardware.md) taken as the upper bound",
               {0.0, 1e9})
        .choice(&UbPortConfig::mode, "mode", UbPortMode::Loopback,
                "Endpoint behind the port until the fabric is attached: loopback (answers after "
                "latency_ns, serialised at ub_bandwidth_gbps) or count (answers at once, counts bytes)");
    return s;
  }();
  return s;
}

const Schema& ChipConfig::schema() {
  static const Schema s = [] {
    Schema s("chip", "One NPU chip: core counts, clock, per-core config, L2, memory, interconnect");
    SchemaBuilder<ChipConfig>(s)
        .param(&ChipConfig::name, "name", "", "custom", "Chip name (a preset name for presets)")
        .param(&ChipConfig::source, "source", "", "",
               "Sources of every number, each labelled V (vendor), P (vendor paper), R (secondary "
               "report) or E (our estimate, with its derivation)")
        .param(&ChipConfig::cube_cores, "cube_cores", "", 24,
               "Cube cores (AIC). Default: Ascend 910B1/B2 24 AIC (R, reference/hardware.md). For "
               "GPUs: SMs, tensor cores modelled as the cube",
               {1, 1 << 20})
        .param(&ChipConfig::vector_cores, "vector_cores", "", 48,
               "Vector cores (AIV). Default: Ascend 910B 48 AIV (R, 1:2 with AIC). 0 = not "
               "modelled separately (GPUs)",
               {0, 1 << 20})
        .param(&ChipConfig::clock_ghz, "clock_ghz", "GHz", 1.8,
               "Chip (core) clock; core.clock_ghz mirrors it. Default 1.8 GHz: 910B clock not "
               "published (E, reference/hardware.md)",
               {0.01, 10.0})
        .group(&ChipConfig::core, "core", "Per-core config (CoreConfig), same for every cube core")
        .param(&ChipConfig::l2_mib, "l2_mib", "MiB", 192,
               "L2 cache capacity. Default: 910B3 192 MB (V: catlass, reference/hardware.md)",
               {0, 1 << 20})
        .group(&ChipConfig::l2, "l2", "L2 organisation and timing")
        .group(&ChipConfig::noc, "noc", "On-chip network between cores and L2")
        .group(&ChipConfig::ub_port, "ub_port", "The UB port: remote-memory window and endpoint")
        .param(&ChipConfig::memory, "memory", "", "ascend_910b",
               "Memory preset name (memory/hbm_presets.hpp) backing this chip")
        .param(&ChipConfig::ub_bandwidth_gbps, "ub_bandwidth_gbps", "GB/s", 392.0,
               "Per-chip interconnect (UB/HCCS/NVLink) bandwidth in GB/s, in the direction given "
               "by ub_bandwidth_direction. Default: 910B HCCS 392 GB/s (R)",
               {0.0, 1e9})
        .choice(&ChipConfig::ub_bandwidth_direction, "ub_bandwidth_direction", BandwidthDirection::Unstated,
                "Direction of ub_bandwidth_gbps: unidirectional, bidirectional, or unstated "
                "(the source does not say; stored as quoted)");
    return s;
  }();
  return s;
}

const std::vector<std::string>& chip_dtype_names() {
  static const std::vector<std::string> v = {"bf16", "fp16", "fp8", "hif8", "mxfp8", "mxfp4", "int8"};
  return v;
}

double ChipConfig::peak_tflops(const std::string& dtype) const {
  uint32_t mult = 0;
  if (dtype == "bf16" || dtype == "fp16") mult = 1;
  else if (dtype == "fp8") mult = core.fp8_multiplier;
  else if (dtype == "hif8") mult = core.hif8_multiplier;
  else if (dtype == "mxfp8") mult = core.mxfp8_multiplier;
  else if (dtype == "mxfp4") mult = core.mxfp4_multiplier;
  else if (dtype == "int8") mult = core.int8_multiplier;
  else {
    std::string valid;
    for (const auto& n : chip_dtype_names()) valid += (valid.empty() ? "" : ", ") + n;
    throw ConfigError("unknown dtype '" + dtype + "' for peak_tflops of chip '" + name +
                      "'; expected one of: " + valid);
  }
  const double macs_per_cycle = double(core.cube_m) * core.cube_k * core.cube_n * mult;
  return double(cube_cores) * macs_per_cycle * 2.0 * clock_ghz / 1e3;  // GHz*1e9 / 1e12
}

ChipConfig chip_config_from_json(const json& j, const std::string& path) {
  ChipConfig c = from_json<ChipConfig>(j, path);
  if (j.is_object() && j.contains("core") && j["core"].is_object() && j["core"].contains("clock_ghz") &&
      std::fabs(c.core.clock_ghz - c.clock_ghz) > 1e-9 * c.clock_ghz) {
    std::ostringstream m;
    m << join_path(join_path(path, "core"), "clock_ghz") << ": " << c.core.clock_ghz
      << " GHz conflicts with " << join_path(path, "clock_ghz") << " = " << c.clock_ghz
      << " GHz; the chip clock is authoritative -- set clock_ghz only (or both equal)";
    throw ConfigError(m.str());
  }
  c.core.clock_ghz = c.clock_ghz;
  return c;
}

}  // namespace npusim::npu
