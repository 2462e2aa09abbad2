// Kernel lowering: every plan runs to completion on AiCore within the
// buffers; FLOPs, GM traffic and output coverage match closed forms; the
// double-buffered schedule overlaps loads with the cube.
#include <catch2/catch.hpp>

#include <chrono>
#include <set>

#include "models/sim/errors.hpp"
#include "npu/kernels/matmul_kernel.hpp"
#include "npu/kernels/vector_kernel.hpp"
#include "tests/cpp/kernel_harness.hpp"

using namespace npusim;
using namespace npusim::npu;
using npusim::test::chip;
using npusim::test::run_plan;

namespace {

std::string config_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("no ConfigError");
  return "";
}

double total_busy(const std::vector<test::CoreRun>& runs, Pipe p) {
  double s = 0;
  for (const auto& r : runs) s += r.busy[int(p)];
  return s;
}

}  // namespace

TEST_CASE("matmul plans run on AiCore and match the closed forms", "[kernels]") {
  struct Case {
    const char* chip;
    MatmulSpec s;
  };
  const std::vector<Case> cases = {
      {"ascend_910b", {1, 1024, 1024, 1024, DType::bf16}},
      {"ascend_910b", {1, 1000, 1000, 1000, DType::bf16}},  // edge tiles everywhere
      {"ascend_910b", {1, 16, 4096, 4096, DType::bf16}},     // skinny (decode-like GEMM)
      {"ascend_910b", {1, 4096, 2048, 64, DType::fp16}},     // small K
      {"ascend_910b", {4, 256, 512, 384, DType::bf16}},      // batched
      {"ascend_910b", {1, 768, 512, 640, DType::int8, true, true}},
      {"ascend_950pr", {1, 2048, 2048, 2048, DType::fp8}},
      {"ascend_950pr", {2, 1024, 1536, 3000, DType::mxfp4, false, true}},
      {"ascend_950pr", {1, 512, 4096, 1024, DType::mxfp8}},
      {"ascend_950pr", {1, 3, 5, 7, DType::bf16}},  // tiny, odd
  };
  for (const auto& c : cases) {
    const ChipConfig ch = chip(c.chip);
    const MatmulSpec& s = c.s;
    INFO(c.chip << " " << s.batch << "x" << s.m << "x" << s.n << "x" << s.k << " " << to_string(s.dtype));
    const KernelPlan plan = lower_matmul(ch, s);
    const MatmulTiling t = choose_matmul_tiling(ch, s);
    INFO(plan.tiling.dump());
    CHECK(plan.op == (s.batch > 1 ? "batched_matmul" : "matmul"));
    CHECK(plan.flops == 2.0 * s.batch * s.m * s.n * s.k);
    const uint64_t a = gm_bytes(s.dtype, s.m, s.k), b = gm_bytes(s.dtype, s.n, s.k);
    // A is re-read once per N tile column, B once per M tile row.
    CHECK(plan.gm_read_bytes == s.batch * (t.tiles_n * a + t.tiles_m * b));
    CHECK(plan.gm_read_bytes >= s.batch * (a + b));
    CHECK(plan.gm_write_bytes == s.batch * s.m * s.n * 2);
    CHECK(plan.footprint_bytes == s.batch * (a + b + s.m * s.n * 2));

    // Output tiles cover C exactly once: distinct fixpipe addresses, areas sum to m*n.
    std::set<uint64_t> addrs;
    uint64_t area = 0;
    for (const auto& cp : plan.programs) {
      for (const auto& in : cp.program) {
        if (in.op != Op::FixpipeL0cToGm) continue;
        addrs.insert(in.gm_addr);
        area += in.bytes / 2;
      }
    }
    CHECK(area == s.batch * s.m * s.n);
    CHECK(addrs.size() == s.batch * t.tiles_m * t.tiles_n);
    const uint64_t tiles = s.batch * t.tiles_m * t.tiles_n;
    CHECK(plan.programs.size() == std::min<uint64_t>(tiles, ch.cube_cores));

    const auto runs = run_plan(ch.core, plan);
    CHECK(test::max_cycles(runs) > 0);
  }
}

TEST_CASE("matmul uses every cube core once there are enough tiles", "[kernels]") {
  const ChipConfig ch = chip("ascend_910b");
  const KernelPlan plan = lower_matmul(ch, {1, 4096, 4096, 4096, DType::bf16});
  REQUIRE(plan.programs.size() == ch.cube_cores);
  for (uint32_t i = 0; i < ch.cube_cores; ++i) CHECK(plan.programs[i].core == i);
  CHECK(plan.tiling["cores_used"] == ch.cube_cores);
}

TEST_CASE("matmul double buffering overlaps MTE2 with the cube", "[kernels]") {
  ChipConfig ch = chip("ascend_910b");
  ch.cube_cores = 1;
  ch.core.mte2_bytes_per_cycle = 1024;  // ample
  const KernelPlan plan = lower_matmul(ch, {1, 1024, 1024, 4096, DType::bf16});
  const auto runs = run_plan(ch.core, plan);
  REQUIRE(runs.size() == 1);
  const double m_frac = runs[0].busy[int(Pipe::M)] / double(runs[0].cycles);
  INFO(plan.tiling.dump() << " M busy " << runs[0].busy[int(Pipe::M)] << " of " << runs[0].cycles);
  CHECK(m_frac > 0.9);
  // MTE2 is busy a good part of the time too, i.e. it ran under the cube.
  CHECK(runs[0].busy[int(Pipe::MTE2)] + runs[0].busy[int(Pipe::M)] > 1.2 * double(runs[0].cycles));
}

TEST_CASE("small-K matmul is MTE2-bound", "[kernels]") {
  const ChipConfig ch = chip("ascend_910b");
  const KernelPlan plan = lower_matmul(ch, {1, 4096, 4096, 32, DType::bf16});
  const auto runs = run_plan(ch.core, plan);
  CHECK(total_busy(runs, Pipe::MTE2) > 2 * total_busy(runs, Pipe::M));
}

TEST_CASE("fp8 mmad cycles are half of bf16 and mxfp4 a quarter on 950PR", "[kernels]") {
  const ChipConfig ch = chip_config_from_json(chip_preset("ascend_950pr"), "chip");
  auto m_cycles = [&](DType d) {
    const KernelPlan plan = lower_matmul(ch, {1, 2048, 2048, 2048, d});
    return total_busy(run_plan(ch.core, plan), Pipe::M);
  };
  const double bf16 = m_cycles(DType::bf16);
  CHECK(bf16 == 2048.0 * 2048 * 2048 / 4096);
  CHECK(m_cycles(DType::fp8) == bf16 / 2);
  CHECK(m_cycles(DType::mxfp8) == bf16 / 2);
  CHECK(m_cycles(DType::hif8) == bf16 / 2);
  CHECK(m_cycles(DType::mxfp4) == bf16 / 4);
}

TEST_CASE("matmul tiling prefers large tiles and deeper K for narrow dtypes", "[kernels]") {
  const ChipConfig b910 = chip("ascend_910b"), b950 = chip("ascend_950pr");
  const MatmulTiling t = choose_matmul_tiling(b910, {1, 8192, 8192, 8192, DType::bf16});
  CHECK(uint64_t(t.base_m) * t.base_n >= 128 * 128);
  const MatmulTiling f = choose_matmul_tiling(b950, {1, 8192, 8192, 8192, DType::fp8});
  const MatmulTiling g = choose_matmul_tiling(b950, {1, 8192, 8192, 8192, DType::bf16});
  INFO("fp8 " << f.base_m << "x" << f.base_n << "x" << f.base_k << " bf16 " << g.base_m << "x" << g.base_n << "x"
               << g.base_k);
  CHECK(f.base_k > g.base_k);
  if (f.base_m == g.base_m && f.base_n == g.base_n) CHECK(f.base_k == 2 * g.base_k);
  const MatmulTiling q = choose_matmul_tiling(b950, {1, 8192, 8192, 8192, DType::mxfp4});
  CHECK(q.step_k > g.step_k);
}

TEST_CASE("matmul rejects zero dims and dtypes the chip lacks, naming the key", "[kernels]") {
  const ChipConfig ch = chip("ascend_910b");
  CHECK(config_error([&] { lower_matmul(ch, {1, 64, 64, 0}); }) == "op.k: expected an integer >= 1, got 0");
  CHECK(config_error([&] { lower_matmul(ch, {0, 64, 64, 64}); }) == "op.batch: expected an integer >= 1, got 0");
  CHECK(config_error([&] { lower_matmul(ch, {1, 0, 64, 64}); }) == "op.m: expected an integer >= 1, got 0");
  CHECK(config_error([&] { lower_matmul(ch, {1, 64, 64, 64, DType::mxfp4}); }) ==
        "op.dtype: mxfp4 is not supported by ascend_910b (cube multiplier 0); expected one of bf16, fp16, int8");
  CHECK(config_error([&] { lower_matmul(ch, {1, 64, 64, 64, DType::fp8}); }).rfind("op.dtype: fp8", 0) == 0);
  CHECK(config_error([&] { dtype_from_string("fp7", "op.dtype"); }).rfind("op.dtype: unknown dtype 'fp7'", 0) == 0);
  CHECK(dtype_from_string("mxfp8", "op.dtype") == DType::mxfp8);
}

TEST_CASE("lowering an 8192^3 GEMM on 32 cores is fast and compact", "[kernels]") {
  const ChipConfig ch = chip("ascend_950pr");
  const auto t0 = std::chrono::steady_clock::now();
  const KernelPlan plan = lower_matmul(ch, {1, 8192, 8192, 8192, DType::bf16});
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t instrs = 0, mmads = 0;
  for (const auto& cp : plan.programs) {
    instrs += cp.program.size();
    for (const auto& in : cp.program) mmads += in.op == Op::Mmad;
  }
  const MatmulTiling t = choose_matmul_tiling(ch, {1, 8192, 8192, 8192, DType::bf16});
  WARN("8192^3 bf16 on ascend_950pr: " << s << " s, " << instrs << " instructions, " << plan.tiling.dump());
  CHECK(plan.programs.size() == 32);
  CHECK(s < 1.0);
  // One mmad per baseK step, ~7 instructions per step.
  CHECK(mmads == t.tiles_m * t.tiles_n * (8192 / t.base_k));
  CHECK(instrs < 8 * mmads + 16 * t.tiles_m * t.tiles_n * t.k_stages);
}

TEST_CASE("elementwise and reduction plans stream through UB on the vector cores", "[kernels]") {
  const ChipConfig ch = chip("ascend_910b");
  for (std::string kind : {"add", "mul", "reduce_sum"}) {
    for (uint64_t n : {uint64_t(1), uint64_t(1000), uint64_t(1) << 22, uint64_t(3) << 20}) {
      INFO(kind << " " << n);
      const KernelPlan plan = lower_elementwise(ch, {n, DType::bf16, kind});
      const bool reduce = kind == "reduce_sum";
      CHECK(plan.op == (reduce ? "reduction" : "elementwise"));
      CHECK(plan.gm_read_bytes == (reduce ? 2 * n : 4 * n));
      CHECK(plan.gm_write_bytes == (reduce ? 32 * plan.programs.size() : 2 * n));
      CHECK(plan.programs.size() <= ch.vector_cores);
      for (const auto& cp : plan.programs) CHECK(cp.kind == CoreKind::Vector);
      if (n >= (uint64_t(1) << 22)) CHECK(plan.programs.size() == ch.vector_cores);
      run_plan(ch.core, plan);
    }
  }
  CHECK(config_error([&] { lower_elementwise(ch, {0}); }) == "op.elements: expected an integer >= 1, got 0");
  CHECK(config_error([&] { lower_elementwise(ch, {8, DType::bf16, "div"}); }).rfind("op.kind:", 0) == 0);
}
