// Kernel lowering: every plan runs to completion on AiCore within the
// buffers; FLOPs, GM traffic and output coverage match closed forms; the
// double-buffered schedule overlaps loads with the cube.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <sstream>
#include <set>

#include "sim/errors.hpp"
#include "npu/kernels/attention_kernel.hpp"
#include "npu/kernels/matmul_kernel.hpp"
#include "npu/kernels/tile_model.hpp"
#include "npu/kernels/vector_kernel.hpp"
#include "npu/core/core_trace.hpp"
#include "tests/cpp/kernel_harness.hpp"
#include "tests/cpp/temp_dir.hpp"

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
  CHECK(config_error([&] { lower_matmul(ch, {1, uint64_t(1) << 33, 64, 64}); }) ==
        "op.m: expected an integer <= 4294967296, got 8589934592");
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

namespace {

// GM bytes read / written by a plan inside [lo, hi).
std::pair<uint64_t, uint64_t> traffic_in(const KernelPlan& plan, uint64_t lo, uint64_t hi) {
  uint64_t rd = 0, wr = 0;
  for (const auto& cp : plan.programs) {
    for (const auto& in : cp.program) {
      if (in.gm_addr < lo || in.gm_addr >= hi) continue;
      if (in.src_buf == Buffer::GM) rd += in.bytes;
      if (in.dst_buf == Buffer::GM) wr += in.bytes;
    }
  }
  return {rd, wr};
}

}  // namespace

TEST_CASE("attention plans run on AiCore; K/V, Q and O traffic match the schedule", "[kernels]") {
  struct Case {
    const char* chip;
    AttentionSpec s;
  };
  const std::vector<Case> cases = {
      {"ascend_910b", {1, 8, 0, 128, 1024, 1024, DType::bf16, true}},
      {"ascend_910b", {1, 8, 0, 128, 1024, 1024, DType::bf16, false}},
      {"ascend_910b", {2, 16, 4, 128, 512, 512, DType::fp16, true}},     // GQA prefill
      {"ascend_910b", {1, 4, 0, 64, 256, 1000, DType::bf16, true}},      // chunked prefill, odd kv
      {"ascend_910b", {1, 2, 0, 256, 300, 300, DType::bf16, true}},      // big head_dim, edge tiles
      {"ascend_910b", {4, 32, 8, 128, 1, 4096, DType::bf16, true}},      // GQA decode
      {"ascend_910b", {1, 16, 0, 128, 1, 8192, DType::bf16, true}},      // MHA decode, splits
      {"ascend_910b", {64, 8, 1, 128, 1, 2048, DType::bf16, true}},      // many groups, no split
      {"ascend_950pr", {1, 16, 0, 128, 2048, 2048, DType::fp8, true}},
      {"ascend_950pr", {8, 64, 8, 128, 1, 4096, DType::mxfp8, true}},
      {"ascend_950pr", {2, 128, 1, 576, 1, 2048, DType::bf16, true}},   // MLA-like decode: group split
      {"ascend_910b", {1, 16, 1, 576, 64, 512, DType::bf16, true}},     // wide head prefill
  };
  for (const auto& c : cases) {
    const ChipConfig ch = chip(c.chip);
    const AttentionSpec& s = c.s;
    INFO(c.chip << " b" << s.batch << " h" << s.heads << " kvh" << s.kv_heads << " d" << s.head_dim << " sq" << s.seq_q
                << " skv" << s.seq_kv << " " << to_string(s.dtype) << (s.causal ? " causal" : ""));
    const KernelPlan plan = lower_attention(ch, s);
    INFO(plan.tiling.dump());
    const bool decode = s.seq_q == 1;
    CHECK(plan.op == (decode ? "attention_decode" : "attention_prefill"));
    const uint64_t kvh = s.kv_heads ? s.kv_heads : s.heads;
    double pairs = double(s.seq_q) * s.seq_kv;
    if (s.causal) pairs = double(s.seq_q) * (s.seq_kv - s.seq_q) + double(s.seq_q) * (s.seq_q + 1) / 2;
    CHECK(plan.flops == 4.0 * s.batch * s.heads * s.head_dim * pairs);

    const json& gm = plan.tiling["gm_layout"];
    const uint64_t rowb = gm_bytes(s.dtype, 1, s.head_dim);
    const uint64_t q_bytes = s.batch * s.heads * s.seq_q * rowb, kv_bytes = s.batch * kvh * s.seq_kv * rowb;
    const uint64_t o_bytes = s.batch * s.heads * s.seq_q * s.head_dim * 2;
    // Q is read once per task: each query row once, or once per kv split
    // (flash-decoding); O written once.
    CHECK(traffic_in(plan, gm["q"], gm["k"]).first == q_bytes * uint64_t(plan.tiling["kv_splits"]));
    CHECK(traffic_in(plan, gm["o"], gm["workspace"]).second == o_bytes);
    const uint64_t k_read = traffic_in(plan, gm["k"], gm["v"]).first;
    const uint64_t v_read = traffic_in(plan, gm["v"], gm["o"]).first;
    CHECK(k_read == v_read);
    if (decode || s.seq_q * kvh == s.heads) {
      // Each KV row once per query tile that sees it; decode: exactly once.
      if (decode) CHECK(k_read == kv_bytes * uint64_t(plan.tiling["head_chunks"]));
    } else {
      CHECK(k_read >= kv_bytes / (s.causal ? 2 : 1));
    }
    if (!s.causal && !decode) {
      const uint64_t q_tiles = (s.seq_q + uint64_t(plan.tiling["rows"]) - 1) / uint64_t(plan.tiling["rows"]);
      CHECK(k_read == kv_bytes * (s.heads / kvh) * q_tiles);
    }
    CHECK(plan.workspace_traffic_bytes > 0);
    CHECK(plan.gm_read_bytes >= q_bytes + k_read + v_read);
    CHECK(plan.footprint_bytes >= q_bytes + 2 * kv_bytes + o_bytes);
    const uint64_t tasks = plan.tiling["tasks"];
    CHECK(uint64_t(plan.tiling["cube_cores_used"]) == std::min<uint64_t>(tasks, ch.cube_cores));
    bool has_vector = false;
    for (const auto& cp : plan.programs) has_vector |= cp.kind == CoreKind::Vector;
    CHECK(has_vector);
    CHECK(plan.tiling["notes"].dump().find("synchronisation") != std::string::npos);
    run_plan(ch.core, plan);
  }
}

TEST_CASE("GPU presets (no vector cores): matmul and attention still lower and run", "[kernels]") {
  const ChipConfig ch = chip("nvidia_b200");
  const KernelPlan mm = lower_matmul(ch, {1, 4096, 4096, 4096, DType::fp8});
  CHECK(mm.programs.size() == ch.cube_cores);
  run_plan(ch.core, mm);
  const KernelPlan at = lower_attention(ch, {1, 32, 8, 128, 1024, 1024, DType::bf16, true});
  for (const auto& cp : at.programs) CHECK(cp.kind == CoreKind::Cube);
  CHECK(at.tiling["notes"].dump().find("no vector cores") != std::string::npos);
  run_plan(ch.core, at);
  CHECK(config_error([&] { lower_elementwise(ch, {1024}); }).rfind("chip.vector_cores:", 0) == 0);
}

TEST_CASE("causal prefill does about half the work of full attention", "[kernels]") {
  const ChipConfig ch = chip("ascend_910b");
  const KernelPlan c = lower_attention(ch, {1, 8, 0, 128, 2048, 2048, DType::bf16, true});
  const KernelPlan f = lower_attention(ch, {1, 8, 0, 128, 2048, 2048, DType::bf16, false});
  CHECK(c.flops / f.flops == Approx(0.5).epsilon(0.01));
  uint64_t mc = 0, mf = 0;
  for (const auto& cp : c.programs)
    for (const auto& in : cp.program) mc += in.op == Op::Mmad ? uint64_t(in.m) * in.n * in.k : 0;
  for (const auto& cp : f.programs)
    for (const auto& in : cp.program) mf += in.op == Op::Mmad ? uint64_t(in.m) * in.n * in.k : 0;
  // Whole diagonal blocks are computed, so a little over half.
  CHECK(double(mc) / double(mf) > 0.5);
  CHECK(double(mc) / double(mf) < 0.56);
}

TEST_CASE("decode attention spreads over all cores and is HBM-bound on the KV cache", "[kernels]") {
  const ChipConfig ch = chip("ascend_910b");
  const KernelPlan plan = lower_attention(ch, {64, 32, 8, 128, 1, 4096, DType::bf16, true});
  CHECK(uint64_t(plan.tiling["cube_cores_used"]) == ch.cube_cores);
  CHECK(uint64_t(plan.tiling["vector_cores_used"]) == ch.vector_cores);
  // ~1.6 TB/s HBM and ~4x that of L2 at 1.9 GHz.
  const TileEstimate e = estimate(ch, plan, MemoryPath{840, 3400, uint64_t(192) << 20});
  CHECK(e.bound == "hbm");
  // A single (batch, kv head) still uses every cube core through kv splits.
  const KernelPlan one = lower_attention(ch, {1, 8, 1, 128, 1, 32768, DType::bf16, true});
  CHECK(uint64_t(one.tiling["cube_cores_used"]) == ch.cube_cores);
  CHECK(uint64_t(one.tiling["kv_splits"]) >= ch.cube_cores);
  run_plan(ch.core, one);
}

TEST_CASE("attention rejects bad shapes naming the key", "[kernels]") {
  const ChipConfig ch = chip("ascend_910b");
  CHECK(config_error([&] { lower_attention(ch, {1, 32, 5, 128, 1, 1024}); }).rfind("op.kv_heads: expected a divisor of op.heads (32)", 0) == 0);
  CHECK(config_error([&] { lower_attention(ch, {1, 32, 0, 0, 1, 1024}); }) == "op.head_dim: expected an integer >= 1, got 0");
  CHECK(config_error([&] { lower_attention(ch, {1, 32, 0, 128, 0, 1024}); }) == "op.seq_q: expected an integer >= 1, got 0");
  CHECK(config_error([&] { lower_attention(ch, {1, 32, 0, 128, 2048, 1024}); }).rfind("op.seq_q: expected <= op.seq_kv", 0) == 0);
  CHECK(config_error([&] { lower_attention(ch, {1, 32, 0, 128, 16, 1024, DType::mxfp4}); })
            .rfind("op.dtype: mxfp4 is not supported by ascend_910b", 0) == 0);
}

TEST_CASE("matmul GM tiles address the real rows of A, B and C", "[kernels]") {
  // Every byte of A is read once per N tile column, of B once per M tile
  // row, and of C written once, through the tiles' row geometry; a
  // transposed operand is walked along its stored rows.
  const ChipConfig ch = chip("ascend_910b");
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const MatmulSpec s{2, 300, 200, 520, DType::bf16, ta, tb};
      INFO("trans_a " << ta << " trans_b " << tb);
      const KernelPlan plan = lower_matmul(ch, s);
      const MatmulTiling t = choose_matmul_tiling(ch, s);
      const json& gm = plan.tiling["gm_layout"];
      const uint64_t a0 = gm["a"], b0 = gm["b"], c0 = gm["c"];
      const uint64_t a_bytes = s.batch * s.m * s.k * 2, b_bytes = s.batch * s.k * s.n * 2, c_bytes = s.batch * s.m * s.n * 2;
      std::vector<int> a(a_bytes + 1), b(b_bytes + 1), c(c_bytes + 1);
      auto mark = [](std::vector<int>& v, uint64_t base, const Instruction& in) {
        const uint64_t rows = in.gm_rows ? in.gm_rows : 1, row = in.bytes / rows;
        for (uint64_t r = 0; r < rows; ++r) {
          const uint64_t lo = in.gm_addr + r * in.gm_stride - base;
          REQUIRE(lo + row <= v.size() - 1);
          ++v[lo];
          --v[lo + row];
        }
      };
      for (const auto& cp : plan.programs) {
        for (const auto& in : cp.program) {
          if (in.op == Op::CopyGmToL1) {
            REQUIRE(in.gm_rows > 0);
            mark(in.gm_addr >= b0 ? b : a, in.gm_addr >= b0 ? b0 : a0, in);
          } else if (in.op == Op::FixpipeL0cToGm) {
            mark(c, c0, in);
          }
        }
      }
      auto every_byte = [](std::vector<int>& v, int want) {
        int run = 0;
        for (size_t i = 0; i + 1 < v.size(); ++i) {
          run += v[i];
          if (run != want) return false;
        }
        return true;
      };
      CHECK(every_byte(a, int(t.tiles_n)));
      CHECK(every_byte(b, int(t.tiles_m)));
      CHECK(every_byte(c, 1));
    }
  }
}

TEST_CASE("core traces read the kernel ops: mxfp8 mmad and the softmax vector ops", "[kernels]") {
  test::TempDir dir("npusim_kernels");
  const std::string p = dir.write("k.core",
                                  "npusim-coretrace v1\n"
                                  "mmad m=128 k=128 n=128 dtype=mxfp8 a=0 b=0 c=0\n"
                                  "vsub dst=0 src0=0 src1=4096 bytes=4096\n"
                                  "vmax dst=0 src0=0 src1=4096 bytes=512\n"
                                  "vexp dst=0 src=0 bytes=4096\n"
                                  "vreduce dst=65536 src=0 bytes=8192 out=64\n"
                                  "vcast dst=8192 src=0 bytes=8192 out=4096\n");
  ChipConfig ch = chip("ascend_950pr");
  const auto prog = read_core_trace(p, ch.core);
  REQUIRE(prog.size() == 6);
  CHECK(prog[0].dtype == DType::mxfp8);
  CHECK(prog[4].op == Op::Vreduce);
  CHECK(prog[4].out_bytes == 64);
  CHECK(prog[5].out_bytes == 4096);
  CHECK(duration(ch.core, prog[0]) == 512 / ch.core.mxfp8_multiplier);
  CHECK(duration(ch.core, prog[4]) == 8192 / ch.core.vector_bytes_per_cycle);
  ch.core.mxfp8_multiplier = 4;
  ch.core.hif8_multiplier = 1;
  CHECK(duration(ch.core, prog[0]) == 128);
  Instruction h = prog[0];
  h.dtype = DType::hif8;
  CHECK(duration(ch.core, h) == 512);
  // vcast's destination is its out= size, checked against UB (192 KiB).
  const std::string bad = dir.write("bad.core", "npusim-coretrace v1\nvcast dst=194000 src=0 bytes=1024 out=4096\n");
  CHECK_THROWS_AS(read_core_trace(bad, ch.core), TraceError);
  const std::string ok = dir.write("ok.core", "npusim-coretrace v1\nvcast dst=194000 src=0 bytes=8192 out=256\n");
  CHECK(read_core_trace(ok, ch.core).size() == 1);
}

TEST_CASE("random small shapes on every preset lower, fit and run to completion", "[kernels]") {
  // Fixed seed: edge tiles, odd sizes, transposes, GQA ratios and dtypes
  // across all chips, each program checked and run on AiCore.
  std::mt19937_64 rng(12345);
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  const std::vector<DType> dtypes = {DType::bf16, DType::fp16, DType::fp8,  DType::hif8,
                                     DType::mxfp8, DType::mxfp4, DType::int8};
  int lowered = 0;
  for (const std::string& name : chip_preset_names()) {
    const ChipConfig ch = chip(name);
    for (int i = 0; i < 6; ++i) {
      const DType d = dtypes[pick(0, dtypes.size() - 1)];
      if (cube_multiplier(ch.core, d) == 0) continue;
      const MatmulSpec s{pick(1, 3), pick(1, 700), pick(1, 700), pick(1, 900), d, pick(0, 1) == 1, pick(0, 1) == 1};
      INFO(name << " matmul " << s.batch << "x" << s.m << "x" << s.n << "x" << s.k << " " << to_string(d));
      const KernelPlan plan = lower_matmul(ch, s);
      CHECK(plan.gm_write_bytes == s.batch * s.m * s.n * 2);
      run_plan(ch.core, plan);
      ++lowered;
    }
    for (int i = 0; i < 4; ++i) {
      const DType d = i % 2 ? DType::bf16 : DType::fp16;
      const uint64_t kvh = pick(1, 4), group = pick(1, 8), sq = i == 0 ? 1 : pick(1, 300);
      const AttentionSpec s{pick(1, 2), kvh * group, kvh, 16 * pick(1, 12), sq, sq + pick(0, 700), d, pick(0, 1) == 1};
      INFO(name << " attention b" << s.batch << " h" << s.heads << " kvh" << s.kv_heads << " d" << s.head_dim << " sq"
                << s.seq_q << " skv" << s.seq_kv << (s.causal ? " causal" : ""));
      const KernelPlan plan = lower_attention(ch, s);
      CHECK(traffic_in(plan, plan.tiling["gm_layout"]["o"], plan.tiling["gm_layout"]["workspace"]).second ==
            (ch.vector_cores ? s.batch * s.heads * s.seq_q * s.head_dim * 2 : 0));
      run_plan(ch.core, plan);
      ++lowered;
    }
    if (ch.vector_cores) {
      const ElementwiseSpec e{pick(1, 1 << 20), DType::bf16, pick(0, 1) ? "add" : "reduce_sum"};
      run_plan(ch.core, lower_elementwise(ch, e));
    }
  }
  CHECK(lowered > 40);
}

TEST_CASE("a lowered program written as a core trace reads back identically", "[kernels]") {
  const ChipConfig ch = chip("ascend_910b");
  const KernelPlan plan = lower_attention(ch, {1, 8, 2, 128, 1, 1024, DType::bf16, true});
  test::TempDir dir("npusim_kernels");
  for (const auto& cp : plan.programs) {
    std::ostringstream os;
    write_core_trace(os, cp.program);
    const auto back = read_core_trace(dir.write("p.core", os.str()), ch.core);
    REQUIRE(back.size() == cp.program.size());
    for (size_t i = 0; i < back.size(); ++i) {
      const Instruction &a = cp.program[i], &b = back[i];
      INFO("instruction " << i);
      CHECK((a.op == b.op && a.pipe == b.pipe && a.bytes == b.bytes && a.gm_addr == b.gm_addr &&
             a.src_off == b.src_off && a.src1_off == b.src1_off && a.dst_off == b.dst_off && a.m == b.m &&
             a.k == b.k && a.n == b.n && (a.op != Op::Mmad || a.dtype == b.dtype) && a.flag_src == b.flag_src &&
             a.flag_dst == b.flag_dst && a.flag_id == b.flag_id && a.out_bytes == b.out_bytes));
    }
  }
}
