// The tile model against the cycle-level AiCore on the same programs: each
// core program runs on an AiCore whose MTE/FIX bandwidth is the core's share
// of the chip's L2 bandwidth (what estimate() charges GM transfers), and the
// slowest core is compared with estimate()'s core-time term.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "npu/kernels/attention_kernel.hpp"
#include "npu/kernels/matmul_kernel.hpp"
#include "npu/kernels/tile_model.hpp"
#include "npu/kernels/vector_kernel.hpp"
#include "tests/cpp/kernel_harness.hpp"

using namespace npusim;
using namespace npusim::npu;
using npusim::test::chip;

namespace {

// Tolerance of the tile model against AiCore, per shape.
constexpr double kTolerance = 0.10;

struct Shape {
  std::string name;
  std::string chip;
  std::function<KernelPlan(const ChipConfig&)> lower;
  uint32_t share = 0;  // per-core GM bytes/cycle; 0 = the core's own MTE bandwidth
};

// Relative error of estimate() vs AiCore for one plan.
double compare(const Shape& sh) {
  ChipConfig ch = chip(sh.chip);
  const KernelPlan plan = sh.lower(ch);
  const double active = double(plan.programs.size());
  MemoryPath mem{1e12, 1e12, uint64_t(1) << 40};
  CoreConfig run_cfg = ch.core;
  if (sh.share) {
    mem.l2_bytes_per_cycle = sh.share * active;
    run_cfg.mte2_bytes_per_cycle = std::min(run_cfg.mte2_bytes_per_cycle, sh.share);
    run_cfg.mte3_bytes_per_cycle = std::min(run_cfg.mte3_bytes_per_cycle, sh.share);
    run_cfg.fix_bytes_per_cycle = std::min(run_cfg.fix_bytes_per_cycle, sh.share);
  }
  const TileEstimate est = estimate(ch, plan, mem);
  const uint64_t sim = test::max_cycles(test::run_plan(run_cfg, plan));
  const double err = std::abs(double(est.core_cycles) - double(sim)) / double(sim);
  std::printf("  %-34s sim %10llu  est %10llu  err %5.1f%%  %s/%s%s\n", sh.name.c_str(), (unsigned long long)sim,
              (unsigned long long)est.core_cycles, 100 * err, est.bound.c_str(), est.critical_pipe.c_str(),
              err > kTolerance ? "  <-- over tolerance" : "");
  CHECK(est.cycles >= est.core_cycles);
  return err;
}

MatmulSpec mm(uint64_t b, uint64_t m, uint64_t n, uint64_t k, DType d = DType::bf16) { return {b, m, n, k, d}; }

}  // namespace

TEST_CASE("tile model matches AiCore within tolerance on a sweep of shapes", "[kernels][tile_model]") {
  auto gemm = [](MatmulSpec s) { return [s](const ChipConfig& c) { return lower_matmul(c, s); }; };
  auto ew = [](ElementwiseSpec s) { return [s](const ChipConfig& c) { return lower_elementwise(c, s); }; };
  auto attn = [](AttentionSpec s) { return [s](const ChipConfig& c) { return lower_attention(c, s); }; };
  const std::vector<Shape> shapes = {
      {"910b square 4096 bf16", "ascend_910b", gemm(mm(1, 4096, 4096, 4096))},
      {"910b square 4096 bf16 share 32", "ascend_910b", gemm(mm(1, 4096, 4096, 4096)), 32},
      {"910b square 1024 bf16", "ascend_910b", gemm(mm(1, 1024, 1024, 1024))},
      {"910b skinny 16x8192x4096", "ascend_910b", gemm(mm(1, 16, 8192, 4096))},
      {"910b skinny share 16", "ascend_910b", gemm(mm(1, 16, 8192, 4096)), 16},
      {"910b small-K 4096x4096x64", "ascend_910b", gemm(mm(1, 4096, 4096, 64))},
      {"910b tall 8192x1024x2048", "ascend_910b", gemm(mm(1, 8192, 1024, 2048))},
      {"910b batched 8x512x512x512", "ascend_910b", gemm(mm(8, 512, 512, 512))},
      {"910b odd 1000x3000x700", "ascend_910b", gemm(mm(1, 1000, 3000, 700))},
      {"950pr fp8 4096", "ascend_950pr", gemm(mm(1, 4096, 4096, 4096, DType::fp8))},
      {"950pr mxfp4 4096", "ascend_950pr", gemm(mm(1, 4096, 4096, 4096, DType::mxfp4))},
      {"950pr mxfp4 share 64", "ascend_950pr", gemm(mm(1, 4096, 4096, 4096, DType::mxfp4)), 64},
      {"950pr bf16 batched 4x2048x1024x1024", "ascend_950pr", gemm(mm(4, 2048, 1024, 1024))},
      {"910b prefill causal h8 1024", "ascend_910b", attn({1, 8, 0, 128, 1024, 1024, DType::bf16, true})},
      {"910b prefill full GQA 2x16/4 512", "ascend_910b", attn({2, 16, 4, 128, 512, 512, DType::bf16, false})},
      {"950pr prefill fp8 h16 2048", "ascend_950pr", attn({1, 16, 0, 128, 2048, 2048, DType::fp8, true})},
      {"910b decode GQA b4 32/8 4096", "ascend_910b", attn({4, 32, 8, 128, 1, 4096, DType::bf16, true})},
      {"910b decode MHA h16 8192 share 32", "ascend_910b", attn({1, 16, 0, 128, 1, 8192, DType::bf16, true}), 32},
      {"950pr decode b64 8/1 2048", "ascend_950pr", attn({64, 8, 1, 128, 1, 2048, DType::bf16, true})},
      {"950pr MLA-like decode 128/1 d576", "ascend_950pr", attn({2, 128, 1, 576, 1, 2048, DType::bf16, true})},
      {"910b add 16M", "ascend_910b", ew({uint64_t(1) << 24, DType::bf16, "add"})},
      {"910b reduce 16M share 32", "ascend_910b", ew({uint64_t(1) << 24, DType::bf16, "reduce_sum"}), 32},
  };
  std::printf("tile model vs AiCore (tolerance %.0f%%):\n", 100 * kTolerance);
  double worst = 0;
  for (const auto& sh : shapes) {
    INFO(sh.name);
    const double err = compare(sh);
    // Prefill attention is software-pipelined (S of block j+1 before P V of
    // block j): two blocks in flight, where the unit model counts one stage
    // of fill and drain. Measured 15-17% on one core alone; 20% allowed.
    const bool prefill = std::string(sh.name).find("prefill") != std::string::npos;
    CHECK(err <= (prefill ? 0.20 : kTolerance));
    worst = std::max(worst, err);
  }
  std::printf("  max relative error %.1f%% over %zu shapes\n", 100 * worst, shapes.size());
  WARN("tile model max relative error vs AiCore: " << 100 * worst << "% over " << shapes.size() << " shapes");
}

TEST_CASE("tile model chip terms: HBM-bound when the footprint streams, L2 rule", "[kernels][tile_model]") {
  const ChipConfig ch = chip("ascend_910b");
  const KernelPlan add = lower_elementwise(ch, {uint64_t(1) << 26, DType::bf16, "add"});
  // 1.6 TB/s at 1.9 GHz ~ 840 B/cycle of HBM; L2 much faster.
  MemoryPath mem{840, 4000, uint64_t(192) << 20};
  const TileEstimate e = estimate(ch, add, mem);
  CHECK(add.footprint_bytes > mem.l2_bytes);
  CHECK(e.hbm_bytes == add.gm_read_bytes + add.gm_write_bytes);
  CHECK(e.bound == "hbm");
  CHECK(e.cycles == uint64_t(std::ceil(double(e.hbm_bytes) / 840)));
  // Fits L2: HBM sees the footprint once, however often tiles are re-read.
  const KernelPlan g = lower_matmul(ch, {1, 2048, 2048, 2048});
  const TileEstimate eg = estimate(ch, g, mem);
  CHECK(eg.hbm_bytes == g.footprint_bytes);
  CHECK(eg.bound == "compute");
  CHECK(eg.pipe_busy[int(Pipe::M)] > 0.5);
  CHECK(eg.pipe_busy[int(Pipe::M)] <= 1.0);
}

TEST_CASE("tile model: a one-tile kernel is latency-bound; big plans estimate fast", "[kernels][tile_model]") {
  const ChipConfig ch = chip("ascend_950pr");
  MemoryPath mem{840, 3400, uint64_t(192) << 20};
  const TileEstimate tiny = estimate(ch, lower_matmul(ch, {1, 64, 64, 64}), mem);
  CHECK(tiny.bound == "latency");
  CHECK(tiny.latency_cycles * 2 > tiny.core_cycles);
  const KernelPlan big = lower_matmul(ch, {1, 8192, 8192, 8192});
  const auto t0 = std::chrono::steady_clock::now();
  const TileEstimate e = estimate(ch, big, mem);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(s < 0.5);
  CHECK(e.cycles > 0);
}
