#include "npu/chip/chip_presets.hpp"

#include <cctype>

#include "npu/chip/chip_config.hpp"

namespace npusim::npu {

namespace {

// Peak arithmetic used throughout (dense):
//   peak = cube_cores x (cube_m*cube_k*cube_n MAC/cycle x multiplier) x 2 x clock.
// With the 16x16x16 fractal (4096 MAC) a core does 8192 FLOP/cycle at bf16.
// Where core count and clock are not public, the clock is derived so the
// product reproduces the stated peak: clock = peak / (cores x 8192 x mult).
// A multiplier of 0 means the chip lacks the dtype (peak 0).
struct ChipRow {
  const char* name;
  const char* memory;  // memory preset (memory/hbm_presets.cpp), same name
  unsigned cube_cores, vector_cores;
  double clock_ghz;
  unsigned cube_k;  // cube fractal K (M = N = 16)
  unsigned l1_kib, l0c_kib;
  unsigned fp8, hif8, mxfp8, mxfp4, int8;  // multipliers vs bf16
  unsigned l2_mib;
  double ub_gbps;
  BandwidthDirection ub_direction;
  // Sources, one per group of numbers.
  const char* src_cores;
  const char* src_clock;
  const char* src_peaks;
  const char* src_core;
  const char* src_l2;
  const char* src_ub;
};

constexpr ChipRow kChips[] = {
    {"ascend_910b", "ascend_910b", 24, 48, 1.9124, 16, 512, 128, 0, 0, 0, 0, 2, 192, 392.0,
     BandwidthDirection::Unstated,
     "cores: 24 AIC / 48 AIV commonly cited for 910B1/B2 (R, reference/hardware.md; 910B3 is 20/40, V)",
     "clock: not published. E: 1.9124 GHz = 376 TFLOPS / (24 x 8192 FLOP/cycle), chosen to give the "
     "376 TFLOPS top of the 313-376 range, which the CloudMatrix384 paper's 2 x 376 per 910C (P) "
     "corroborates; the reference's ~1.8 GHz guess gives 354 TFLOPS",
     "peaks: FP16/BF16 ~313-376 TFLOPS by SKU (R) -> 376; INT8 = 2x FP16 (V: Da Vinci cube, "
     "reference/hardware.md) -> 752 TOPS; no FP8/HiF8/MXFP8/MXFP4 (roadmap table '-': multipliers 0)",
     "core: 16x16x16 cube, L1 512 KB, L0A/L0B 64 KB, L0C 128 KB, UB 192 KB (V: catlass arch.hpp AtlasA2)",
     "L2: 192 MB (V for 910B3, catlass; E for 910B1/B2)",
     "interconnect: HCCS 392 GB/s (R), direction not stated"},
    {"ascend_910c", "ascend_910c", 48, 96, 1.9124, 16, 512, 128, 0, 0, 0, 0, 2, 384, 392.0,
     BandwidthDirection::Unidirectional,
     "cores: 2 dies x (24 AIC + 48 AIV) (P: CloudMatrix384 paper, arXiv 2506.12708)",
     "clock: E: 1.9124 GHz = 752 TFLOPS / (48 x 8192), same die clock as the 910B preset",
     "peaks: BF16/FP16 752 TFLOPS = 2 dies x 376 (P: CloudMatrix384 paper); the keynote's 800 TFLOPS "
     "(V) is 6% higher and not used -- the paper's per-die figure fits 2 x 24 AIC; INT8 = 2x (V: Da "
     "Vinci cube) -> 1504 TOPS; no FP8/HiF8/MXFP8/MXFP4 (multipliers 0)",
     "core: as 910B (Atlas A2 generation, V: catlass arch.hpp)",
     "L2: E: 2 dies x 192 MB (910B-class die)",
     "interconnect: UB 392 GB/s unidirectional per NPU (P: CloudMatrix384 paper); the keynote's "
     "784 GB/s is read as the bidirectional figure"},
    {"ascend_950pr", "ascend_950pr", 32, 64, 1.9073, 16, 512, 256, 2, 2, 2, 4, 2, 192, 2000.0,
     BandwidthDirection::Unstated,
     "cores: not public. E: 32 AIC / 64 AIV (1:2 as 910B), picked so the cube rate per core stays a "
     "16x16x16 bf16 fractal with FP8 at 2x at a 910-class clock",
     "clock: E: 1.9073 GHz = 1 PFLOPS FP8 / (32 cores x 4096 MAC x 2 (fp8 mult) x 2 FLOP/MAC)",
     "peaks: FP8 / MXFP8 / HiF8 1 PFLOPS, MXFP4 2 PFLOPS (V: Huawei Connect 2025 keynote); BF16 not "
     "stated, E: BF16 = FP8 / 2 = 500 TFLOPS; INT8 not stated, E: 2x BF16 as Da Vinci",
     "core: L0C 256 KB, L0A/L0B 64 KB, L1 512 KB (V: vendor operator code, __NPU_ARCH__ 3101); "
     "other core numbers as 910B (E)",
     "L2: not public. E: 192 MB carried from 910B",
     "interconnect: 2 TB/s (V/R, keynote), direction not stated"},
    {"ascend_950dt", "ascend_950dt", 32, 64, 1.9073, 16, 512, 256, 2, 2, 2, 4, 2, 192, 2000.0,
     BandwidthDirection::Unstated,
     "cores: not public. E: 32 AIC / 64 AIV, same compute die as 950PR (the two differ in memory)",
     "clock: E: 1.9073 GHz = 1 PFLOPS FP8 / (32 x 4096 x 2 x 2)",
     "peaks: FP8 / MXFP8 / HiF8 1 PFLOPS, MXFP4 2 PFLOPS (V: keynote; Atlas 950 SuperPoD 8192 x 950DT "
     "= 8 EFLOPS FP8 / 16 EFLOPS FP4, V); BF16 E = FP8 / 2; INT8 E = 2x BF16",
     "core: L0C 256 KB (V: vendor operator code, 950 generation); other core numbers as 910B (E)",
     "L2: not public. E: 192 MB carried from 910B",
     "interconnect: 2 TB/s (V/R, keynote), direction not stated"},
    {"ascend_960", "ascend_960", 64, 128, 1.9073, 16, 512, 256, 2, 2, 2, 4, 2, 384, 2200.0,
     BandwidthDirection::Unstated,
     "cores: not public. E: 64 AIC / 128 AIV = 2x the 950 preset (the roadmap doubles compute)",
     "clock: E: 1.9073 GHz = 2 PFLOPS FP8 / (64 x 4096 x 2 x 2)",
     "peaks: FP8 2 PFLOPS, FP4 4 PFLOPS (V/R: keynote; one report says 4 / 8, not used); HiF4 is added "
     "but not a modelled dtype (taken at the MXFP4 rate); MXFP8/HiF8 E = FP8 rate; BF16 E = FP8 / 2; "
     "INT8 E = 2x BF16",
     "core: E: as 950 (L0C 256 KB)",
     "L2: not public. E: 2x the 950 preset",
     "interconnect: 2.2 TB/s (V/R, keynote), direction not stated"},
    {"ascend_970", "ascend_970", 64, 128, 1.9073, 32, 512, 256, 2, 2, 2, 4, 2, 384, 4000.0,
     BandwidthDirection::Unstated,
     "cores: not public. E: 64 AIC / 128 AIV as 960, each with a 2x cube (16x32x16 fractal)",
     "clock: E: 1.9073 GHz = 4 PFLOPS FP8 / (64 x 8192 MAC x 2 x 2)",
     "peaks: FP8 4 PFLOPS, FP4 8 PFLOPS (V/R: keynote); MXFP8/HiF8 E = FP8 rate; BF16 E = FP8 / 2; "
     "INT8 E = 2x BF16",
     "core: E: cube fractal 16x32x16 (2x the 950 cube, derived from the 2x FP8 peak at the same core "
     "count); L0C 256 KB as 950 (E)",
     "L2: not public. E: as 960",
     "interconnect: 4 TB/s (V/R, keynote), direction not stated"},
    {"nvidia_h100", "nvidia_h100", 132, 0, 1.83, 8, 256, 128, 2, 0, 0, 0, 2, 50, 450.0,
     BandwidthDirection::Unidirectional,
     "cores: 132 SMs (V, H100 SXM5); tensor cores modelled as one 16x8x16 cube per SM (2048 dense "
     "FP16 MAC/cycle per SM, V: 4 tensor cores x 512); vector_cores 0 (not modelled)",
     "clock: 1.83 GHz boost at which NVIDIA quotes the peaks (R)",
     "peaks: BF16 989.4 TFLOPS dense = 132 x 2048 x 2 x 1.83 GHz, FP8 1979 dense, INT8 1979 TOPS dense (V, "
     "NVIDIA H100 datasheet; sparsity doubles them, not used); no MXFP8/MXFP4/HiF8 (Hopper has no MX "
     "formats: multipliers 0)",
     "core: l1_kib 256 = L1/shared memory per SM (V); other buffer fields kept for the abstraction",
     "L2: 50 MB (V)",
     "interconnect: NVLink 4 900 GB/s per GPU bidirectional (V, reference/hardware.md) = 450 GB/s unidirectional"},
    {"nvidia_b200", "nvidia_b200", 148, 0, 1.8558, 16, 256, 128, 2, 0, 2, 4, 2, 126, 900.0,
     BandwidthDirection::Unidirectional,
     "cores: 148 SMs (R); tensor cores modelled as the same cube abstraction, one 16x16x16 cube per "
     "SM; vector_cores 0 (not modelled)",
     "clock: E: 1.8558 GHz = 2.25 PFLOPS BF16 / (148 x 8192), chosen so the peaks match (not the "
     "real boost clock)",
     "peaks: BF16 2.25, FP8 4.5, FP4 9 PFLOPS dense (V, NVIDIA); MXFP8 at the FP8 rate, FP4 (NVFP4/"
     "MXFP4) mapped to mxfp4 (V); no HiF8 (multiplier 0); INT8 4.5 POPS dense (R, not in hardware.md)",
     "core: Da Vinci buffer fields kept for the abstraction; l1_kib 256 = L1/shared memory per SM (R)",
     "L2: 126 MB (R, secondary reports; not in hardware.md)",
     "interconnect: NVLink 5 1.8 TB/s per GPU bidirectional (V) = 900 GB/s unidirectional"},
    {"nvidia_gb300", "nvidia_gb300", 160, 0, 1.9073, 16, 256, 128, 2, 0, 2, 6, 0, 126, 900.0,
     BandwidthDirection::Unidirectional,
     "cores: 160 SMs (R) (Blackwell Ultra GPU of GB300); tensor cores modelled as one 16x16x16 cube "
     "per SM; vector_cores 0 (not modelled)",
     "clock: E: 1.9073 GHz = 2.5 PFLOPS BF16 / (160 x 8192), chosen so the peaks match",
     "peaks: BF16 2.5, FP8 5, FP4 15 PFLOPS dense (V, NVIDIA) -> fp8 mult 2, FP4 mult 6; MXFP8 at "
     "the FP8 rate; no HiF8 (0); INT8 0: Blackwell Ultra reportedly cuts INT8 tensor throughput, "
     "rate unknown, not modelled (R/E)",
     "core: as nvidia_b200 (l1_kib 256 per SM, R)",
     "L2: 126 MB (R/E: as B200, not in hardware.md)",
     "interconnect: NVLink 5 1.8 TB/s per GPU bidirectional (V) = 900 GB/s unidirectional"},
};

json build(const ChipRow& r) {
  ChipConfig c = defaults_of<ChipConfig>();
  c.name = r.name;
  c.memory = r.memory;
  c.cube_cores = r.cube_cores;
  c.vector_cores = r.vector_cores;
  c.clock_ghz = r.clock_ghz;
  c.core.clock_ghz = r.clock_ghz;
  c.core.cube_k = r.cube_k;
  c.core.l1_kib = r.l1_kib;
  c.core.l0c_kib = r.l0c_kib;
  c.core.fp8_multiplier = r.fp8;
  c.core.hif8_multiplier = r.hif8;
  c.core.mxfp8_multiplier = r.mxfp8;
  c.core.mxfp4_multiplier = r.mxfp4;
  c.core.int8_multiplier = r.int8;
  c.l2_mib = r.l2_mib;
  c.l2.slices = r.cube_cores;  // E: one slice per cube core (see L2Config)
  // E: a cube with a wider fractal (970: K 32) gets a data path widened by
  // the same factor (MTE ports and L2 slices), or it could never be fed.
  const unsigned widen = r.cube_k / 16 ? r.cube_k / 16 : 1;
  c.core.mte1_bytes_per_cycle *= widen;
  c.core.mte2_bytes_per_cycle *= widen;
  c.core.mte3_bytes_per_cycle *= widen;
  c.core.fix_bytes_per_cycle *= widen;
  c.l2.slice_bytes_per_cycle *= widen;
  c.ub_bandwidth_gbps = r.ub_gbps;
  c.ub_bandwidth_direction = r.ub_direction;
  c.source = std::string(r.src_cores) + "; " + r.src_clock + "; " + r.src_peaks + "; " + r.src_core + "; " +
             r.src_l2 + " (L2 slices/bandwidth/latency and on-chip network: E, see chip.l2 / chip.noc; MTE ports and L2 "
             "slices widened with the cube fractal's K, E)" + "; " + r.src_ub + "; memory: preset '" + r.memory + "' (memory/hbm_presets.cpp)";
  // Round-trip through the schema: validates every range.
  return to_json(chip_config_from_json(to_json(c), std::string("chip preset ") + r.name));
}

std::string lower(std::string s) {
  for (char& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace

std::vector<std::string> chip_preset_names() {
  std::vector<std::string> v;
  for (const auto& r : kChips) v.push_back(r.name);
  return v;
}

json chip_preset(const std::string& name) {
  const std::string want = lower(name);
  for (const auto& r : kChips)
    if (want == r.name) return build(r);
  const ChipRow* only = nullptr;
  int matches = 0;
  for (const auto& r : kChips) {
    const std::string n = r.name;
    if (!want.empty() && n.size() > want.size() &&
        n.compare(n.size() - want.size(), want.size(), want) == 0 && n[n.size() - want.size() - 1] == '_') {
      only = &r;
      ++matches;
    }
  }
  if (matches == 1) return build(*only);
  std::string valid;
  for (const auto& r : kChips) valid += (valid.empty() ? "" : ", ") + std::string(r.name);
  throw ConfigError("unknown chip preset '" + name + "'; expected one of: " + valid);
}

}  // namespace npusim::npu
