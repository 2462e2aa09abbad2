// Chip presets: every preset parses, round-trips, reproduces the dense peak
// FLOPS of reference/hardware.md, and names an existing memory preset.
#include <catch2/catch.hpp>

#include <cmath>

#include "memory/hbm_presets.hpp"
#include "npu/chip/chip_config.hpp"
#include "npu/chip/chip_presets.hpp"

using namespace npusim;
using namespace npusim::npu;
using Catch::Matchers::Contains;

TEST_CASE("every chip preset parses and round-trips JSON", "[chips]") {
  REQUIRE(chip_preset_names().size() == 9);
  for (const auto& name : chip_preset_names()) {
    INFO(name);
    json j = chip_preset(name);
    ChipConfig c = chip_config_from_json(j, name);
    CHECK(c.name == name);
    CHECK(!c.source.empty());
    CHECK(c.core.clock_ghz == c.clock_ghz);
    json back = to_json(c);
    CHECK(back == j);
    CHECK(to_json(chip_config_from_json(back, name)) == j);
  }
}

TEST_CASE("chip preset peaks match reference/hardware.md within 2%", "[chips]") {
  struct Want {
    const char* chip;
    const char* dtype;
    double tflops;  // dense
  };
  const Want wants[] = {
      // Ascend roadmap table: 910B ~313-376 TFLOPS FP16/BF16 by SKU (R); the
      // preset takes 376 (= per-die 376 of the CloudMatrix384 paper, P).
      // INT8 2x FP16 (Da Vinci AI core, V).
      {"ascend_910b", "fp16", 376}, {"ascend_910b", "bf16", 376}, {"ascend_910b", "int8", 752},
      // 910C: 752 in the CloudMatrix384 paper, 2 dies x 376 (P); keynote 800 (V) not used.
      {"ascend_910c", "bf16", 752}, {"ascend_910c", "fp16", 752}, {"ascend_910c", "int8", 1504},
      // 950PR / 950DT: "FP8 / MXFP8 / HiF8 1 PFLOPS, MXFP4 2 PFLOPS" (keynote, V/R);
      // BF16 not stated -> FP8 / 2 (E).
      {"ascend_950pr", "fp8", 1000}, {"ascend_950pr", "mxfp8", 1000}, {"ascend_950pr", "hif8", 1000},
      {"ascend_950pr", "mxfp4", 2000}, {"ascend_950pr", "bf16", 500},
      {"ascend_950dt", "fp8", 1000}, {"ascend_950dt", "mxfp8", 1000}, {"ascend_950dt", "hif8", 1000},
      {"ascend_950dt", "mxfp4", 2000}, {"ascend_950dt", "bf16", 500},
      // 960: "2 PFLOPS FP8, 4 PFLOPS MXFP4/HiF4" (keynote, V/R); BF16 = FP8 / 2 (E).
      {"ascend_960", "fp8", 2000}, {"ascend_960", "mxfp4", 4000}, {"ascend_960", "bf16", 1000},
      // 970: "4 PFLOPS FP8, 8 PFLOPS FP4" (keynote, V/R); BF16 = FP8 / 2 (E).
      {"ascend_970", "fp8", 4000}, {"ascend_970", "mxfp4", 8000}, {"ascend_970", "bf16", 2000},
      // NVIDIA comparison points (V, dense): B200 2.25 / 4.5 / 9 PFLOPS.
      {"nvidia_b200", "bf16", 2250}, {"nvidia_b200", "fp8", 4500}, {"nvidia_b200", "mxfp4", 9000},
      // H100 SXM (V, dense): 989 TFLOPS BF16, 1979 FP8; no MX formats.
      {"nvidia_h100", "bf16", 989}, {"nvidia_h100", "fp8", 1979}, {"nvidia_h100", "mxfp4", 0},
      // GB300 (Blackwell Ultra): 2.5 / 5 / 15 PFLOPS.
      {"nvidia_gb300", "bf16", 2500}, {"nvidia_gb300", "fp8", 5000}, {"nvidia_gb300", "mxfp4", 15000},
  };
  for (const auto& w : wants) {
    INFO(w.chip << " " << w.dtype);
    ChipConfig c = chip_config_from_json(chip_preset(w.chip), w.chip);
    double got = c.peak_tflops(w.dtype);
    CHECK(std::fabs(got - w.tflops) <= 0.02 * w.tflops);
  }
  // Dtypes the chip lacks (multiplier 0) have peak 0: 910B/910C have no FP8
  // class formats ("-" in the roadmap table); GPUs have no HiF8.
  for (const char* chip : {"ascend_910b", "ascend_910c"})
    for (const char* d : {"fp8", "hif8", "mxfp8", "mxfp4"}) {
      INFO(chip << " " << d);
      CHECK(chip_config_from_json(chip_preset(chip), chip).peak_tflops(d) == 0.0);
    }
  for (const char* chip : {"nvidia_b200", "nvidia_gb300"})
    CHECK(chip_config_from_json(chip_preset(chip), chip).peak_tflops("hif8") == 0.0);
}

TEST_CASE("950DT MXFP4 peak is twice its FP8 peak", "[chips]") {
  ChipConfig c = chip_config_from_json(chip_preset("ascend_950dt"), "950dt");
  CHECK(c.peak_tflops("mxfp4") == Approx(2.0 * c.peak_tflops("fp8")));
  CHECK(c.core.l0c_kib == 256);  // 950 generation (V: vendor operator code)
}

TEST_CASE("every chip preset names an existing memory preset", "[chips]") {
  for (const auto& name : chip_preset_names()) {
    INFO(name);
    ChipConfig c = chip_config_from_json(chip_preset(name), name);
    CHECK_NOTHROW(memory::memory_preset(c.memory));
  }
}

TEST_CASE("unknown dtype, unknown preset and clock conflicts are ConfigErrors", "[chips]") {
  ChipConfig c = chip_config_from_json(chip_preset("ascend_910b"), "910b");
  CHECK_THROWS_AS(c.peak_tflops("fp64"), ConfigError);
  CHECK_THROWS_WITH(c.peak_tflops("fp64"), Contains("mxfp4"));
  CHECK_THROWS_AS(chip_preset("ascend_999"), ConfigError);
  CHECK_THROWS_WITH(chip_preset("ascend_999"), Contains("ascend_950dt") && Contains("nvidia_gb300"));
  CHECK(chip_preset("950DT")["name"] == "ascend_950dt");
  json j = chip_preset("ascend_910b");
  j["clock_ghz"] = 1.5;  // core.clock_ghz still says 1.9124
  CHECK_THROWS_AS(chip_config_from_json(j, "x"), ConfigError);
  CHECK_THROWS_AS(chip_config_from_json(json{{"cube_cores", 0}}, "x"), ConfigError);
  CHECK_THROWS_AS(chip_config_from_json(json{{"ub_bandwidth_direction", "sideways"}}, "x"), ConfigError);
  ChipConfig d = chip_config_from_json(json{{"clock_ghz", 1.0}}, "x");
  CHECK(d.core.clock_ghz == 1.0);
}
