// AI core pipe model: instruction timing, pipe concurrency, flags, barriers,
// deadlock detection and the strict core trace reader.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "sim/errors.hpp"
#include "sim/stats.hpp"
#include "npu/core/ai_core.hpp"
#include "npu/core/core_trace.hpp"
#include "tests/cpp/temp_dir.hpp"

#ifndef NPUSIM_SOURCE_DIR
#define NPUSIM_SOURCE_DIR "."
#endif

using namespace npusim;
using namespace npusim::npu;

namespace {

CoreConfig cfg_default() { return defaults_of<CoreConfig>(); }

std::vector<Instruction> parse(const std::string& body, const CoreConfig& cfg = cfg_default()) {
  test::TempDir dir("npusim_core");
  std::string p = dir.write("t.core", "npusim-coretrace v1\n" + body);
  return read_core_trace(p, cfg);
}

uint64_t run_body(const std::string& body, const CoreConfig& cfg = cfg_default()) {
  stats::Registry reg;
  stats::Group root(reg, "system");
  AiCore core(cfg, parse(body, cfg), root);
  return core.run();
}

// Message of the TraceError raised when reading `text` (whole file).
std::string trace_error(const std::string& text, std::string* path_out = nullptr) {
  test::TempDir dir("npusim_core");
  std::string p = dir.write("bad.core", text);
  if (path_out) *path_out = p;
  try {
    read_core_trace(p, cfg_default());
  } catch (const TraceError& e) {
    std::string m = e.what();
    // Replace the temp path so callers can match "bad.core:<line>:".
    if (m.rfind(p, 0) == 0) m = "bad.core" + m.substr(p.size());
    return m;
  }
  FAIL("no TraceError for:\n" << text);
  return "";
}

bool contains(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }

}  // namespace

TEST_CASE("core config defaults are 910B-class and parse strictly", "[core]") {
  CoreConfig c = cfg_default();
  CHECK(c.capacity_bytes(Buffer::L1) == 512 * 1024);
  CHECK(c.capacity_bytes(Buffer::L0A) == 64 * 1024);
  CHECK(c.capacity_bytes(Buffer::L0B) == 64 * 1024);
  CHECK(c.capacity_bytes(Buffer::L0C) == 128 * 1024);
  CHECK(c.capacity_bytes(Buffer::UB) == 192 * 1024);
  CHECK(c.cube_m * c.cube_k * c.cube_n == 4096);
  CHECK(c.vector_bytes_per_cycle == 256);
  CoreConfig d = from_json<CoreConfig>(json{{"l0c_kib", 256}}, "core");
  CHECK(d.capacity_bytes(Buffer::L0C) == 256 * 1024);
  CHECK(from_json<CoreConfig>(to_json(d), "core").l0c_kib == 256);
  CHECK_THROWS_AS(from_json<CoreConfig>(json{{"l0a_kib", 0}}, "core"), ConfigError);
  CHECK_THROWS_AS(from_json<CoreConfig>(json{{"no_such", 1}}, "core"), ConfigError);
}

TEST_CASE("one mmad takes the fractal formula cycles", "[core]") {
  // ceil(m/16)*ceil(k/16)*ceil(n/16) cycles at bf16.
  CHECK(run_body("mmad m=128 k=64 n=256 dtype=bf16 a=0 b=0 c=0\n") == 8 * 4 * 16);
  CHECK(run_body("mmad m=16 k=16 n=16 dtype=fp16 a=0 b=0 c=0\n") == 1);
  CHECK(run_body("mmad m=17 k=1 n=33 dtype=fp16 a=0 b=0 c=0\n") == 2 * 1 * 3);
}

TEST_CASE("mmad dtype multipliers: fp8 half of bf16, mxfp4 a quarter", "[core]") {
  const std::string shape = "mmad m=128 k=128 n=128 a=0 b=0 c=0 dtype=";
  uint64_t bf16 = run_body(shape + "bf16\n");
  CHECK(bf16 == 512);
  CHECK(run_body(shape + "fp8\n") == bf16 / 2);
  CHECK(run_body(shape + "hif8\n") == bf16 / 2);
  CHECK(run_body(shape + "mxfp4\n") == bf16 / 4);
  CHECK(run_body(shape + "int8\n") == bf16 / 2);
  // Partial multiplier groups round up: 3 fractals at 2x -> 2 cycles.
  CHECK(run_body("mmad m=48 k=16 n=16 dtype=fp8 a=0 b=0 c=0\n") == 2);
}

TEST_CASE("MTE and vector durations: latency + bytes / bandwidth", "[core]") {
  CoreConfig c = cfg_default();
  CHECK(run_body("copy_gm_to_l1 gm=0 dst=0 bytes=1000\n") == c.gm_latency_cycles + (1000 + 127) / 128);
  CHECK(run_body("copy_l1_to_l0a src=0 dst=0 bytes=4096\n") == 4096 / c.mte1_bytes_per_cycle);
  // Sources half a bank-group sweep apart (256 B): no conflict.
  CHECK(run_body("vadd dst=0 src0=4096 src1=8448 bytes=4096\n") == 4096 / 256);
  CHECK(run_body("copy_ub_to_gm src=0 gm=0x100 bytes=256\n") == c.gm_latency_cycles + 2);
}

TEST_CASE("UB bank conflicts: two sources in the same bank groups take two cycles a repeat", "[core]") {
  // UB layout (Ascend C best practices, V): 32 B rows dealt over 16 bank
  // groups, so groups repeat every 512 B; a 256 B repeat reads 8 groups per
  // source. The documented examples: 0x10020 vs 0x10000 -> different
  // groups; 0x10020 vs 0x10E20 -> same bank group (conflict).
  const uint64_t clean = 8192 / 256;
  CHECK(run_body("vadd dst=0 src0=0x10000 src1=0x10100 bytes=8192\n") == clean);      // groups 0-7 vs 8-15
  CHECK(run_body("vmul dst=0 src0=0x10020 src1=0x10E20 bytes=8192\n") == 2 * clean);  // same start group
  CHECK(run_body("vsub dst=0 src0=0x10000 src1=0x10020 bytes=8192\n") == 2 * clean);  // 7 groups shared
  CHECK(run_body("vmax dst=0 src0=0x10000 src1=0x100E0 bytes=8192\n") == 2 * clean);  // group 7 shared
  CHECK(run_body("vmax dst=0 src0=0x10000 src1=0x10000 bytes=8192\n") == clean);      // one read serves both
  CHECK(run_body("vexp dst=0 src=0x10000 bytes=8192\n") == clean);                     // one source
}

TEST_CASE("independent pipes overlap: total is max, not sum", "[core]") {
  const uint64_t d_copy = 200 + 32768 / 128;  // 456, issued at cycle 0
  const uint64_t d_mmad = 512;                 // issued at cycle 1
  stats::Registry reg;
  stats::Group root(reg, "system");
  AiCore core(cfg_default(),
              parse("copy_gm_to_l1 gm=0 dst=0 bytes=32768\n"
                    "mmad m=128 k=128 n=128 dtype=bf16 a=0 b=0 c=0\n"),
              root);
  uint64_t total = core.run();
  CHECK(total == std::max(d_copy, 1 + d_mmad));
  CHECK(total < d_copy + d_mmad);
  CHECK(core.busy_cycles(Pipe::MTE2) == d_copy);
  CHECK(core.busy_cycles(Pipe::M) == d_mmad);
  CHECK(core.bytes(Pipe::MTE2) == 32768);
  CHECK(core.instructions(Pipe::M) == 1);
  auto flat = reg.flatten();
  auto has = [&](const std::string& n, double v) {
    for (auto& kv : flat) {
      if (kv.first == n) return kv.second == v;
    }
    return false;
  };
  CHECK(has("system.core.total_cycles", double(total)));
  CHECK(has("system.core.mte2.busy_cycles", double(d_copy)));
}

TEST_CASE("set_flag/wait_flag orders pipes: total is the sum", "[core]") {
  const uint64_t d_copy = 456, d_mmad = 512;
  stats::Registry reg;
  stats::Group root(reg, "system");
  AiCore core(cfg_default(),
              parse("copy_gm_to_l1 gm=0 dst=0 bytes=32768\n"
                    "set_flag src=MTE2 dst=M id=0\n"
                    "wait_flag src=MTE2 dst=M id=0\n"
                    "mmad m=128 k=128 n=128 dtype=bf16 a=0 b=0 c=0\n"),
              root);
  CHECK(core.run() == d_copy + d_mmad);
  // The wait_flag was issued at cycle 2 and released at d_copy.
  CHECK(core.flag_stall_cycles(Pipe::M) == d_copy - 2);
  CHECK(core.flag_stall_cycles(Pipe::MTE2) == 0);
  CHECK(core.instructions(Pipe::MTE2) == 2);  // copy + set_flag
  CHECK(core.instructions(Pipe::M) == 2);     // wait_flag + mmad

  // A flag set by the scalar unit and a scalar wait on a pipe's flag.
  CHECK(run_body("scalar cycles=10\nset_flag src=S dst=M id=1\nwait_flag src=S dst=M id=1\n"
                 "mmad m=16 k=16 n=16 dtype=bf16 a=0 b=0 c=0\n") == 10 + 2 + 1);
  CHECK(run_body("copy_gm_to_l1 gm=0 dst=0 bytes=32768\nset_flag src=MTE2 dst=S id=0\n"
                 "wait_flag src=MTE2 dst=S id=0\nmmad m=16 k=16 n=16 dtype=bf16 a=0 b=0 c=0\n") ==
        d_copy + 1 + 1);  // wait issues at d_copy, mmad one cycle later
}

TEST_CASE("pipe_barrier holds later issue until the pipe drains", "[core]") {
  const uint64_t d_copy = 456, d_mmad = 512;
  const std::string copy = "copy_gm_to_l1 gm=0 dst=0 bytes=32768\n";
  const std::string mmad = "mmad m=128 k=128 n=128 dtype=bf16 a=0 b=0 c=0\n";
  // Without a barrier the mmad issues at cycle 2 and overlaps both copies.
  CHECK(run_body(copy + copy + mmad) == std::max(2 * d_copy, 2 + d_mmad));
  // barrier(MTE2): the second copy issues at d_copy, the mmad right after.
  CHECK(run_body(copy + "pipe_barrier pipe=MTE2\n" + copy + mmad) ==
        std::max(2 * d_copy, d_copy + 1 + d_mmad));
  // A barrier on another pipe does not hold MTE2 or M.
  CHECK(run_body(copy + "pipe_barrier pipe=V\n" + copy + mmad) == std::max(2 * d_copy, 3 + d_mmad));
  // barrier(all) issues once every pipe is idle (cycle d_copy).
  CHECK(run_body(copy + "pipe_barrier pipe=all\n" + mmad) == d_copy + 1 + d_mmad);
}

TEST_CASE("double-buffered GEMM tile from the sample overlaps MTE2 and cube", "[core]") {
  CoreConfig cfg = cfg_default();
  auto prog = read_core_trace(std::string(NPUSIM_SOURCE_DIR) + "/traces/samples/gemm_tile.core", cfg);
  uint64_t sum[kNumPipes] = {};
  uint64_t iters = 0;
  for (const auto& in : prog) {
    sum[int(in.pipe)] += duration(cfg, in);
    if (in.op == Op::Mmad) ++iters;
  }
  REQUIRE(iters == 4);
  const uint64_t mte2 = sum[int(Pipe::MTE2)], mte1 = sum[int(Pipe::MTE1)], cube = sum[int(Pipe::M)];
  const uint64_t fix = sum[int(Pipe::FIX)];
  const uint64_t mte2_it = mte2 / iters, mte1_it = mte1 / iters, cube_it = cube / iters;
  stats::Registry reg;
  stats::Group root(reg, "system");
  AiCore core(cfg, prog, root);
  const uint64_t total = core.run();
  // With two buffers per stage the loop runs at the rate of its slowest
  // stage. Fill: the first MTE2 step, one MTE1 step and one mmad step must
  // precede/follow the bottleneck stream; the fixpipe drains at the end; and
  // at most one issue slot per instruction delays the start.
  const uint64_t fill = mte2_it + mte1_it + cube_it + fix + prog.size();
  const uint64_t upper = std::max(mte2, cube) + fill;
  // Lower bound: the last load still has to go through MTE1, M and FIX; the
  // first mmad needs one load and one MTE1 step before it.
  const uint64_t lower = std::max(mte2 + mte1_it + cube_it, mte2_it + mte1_it + cube) + fix;
  INFO("total " << total << " lower " << lower << " upper " << upper << " serial "
                << mte2 + mte1 + cube + fix);
  CHECK(total >= lower);
  CHECK(total <= upper);
  CHECK(total < mte2 + mte1 + cube + fix);  // pipes overlapped
  CHECK(core.busy_cycles(Pipe::MTE2) == mte2);
  CHECK(core.busy_cycles(Pipe::M) == cube);
  CHECK(core.bytes(Pipe::MTE2) == 4 * 65536);
}

TEST_CASE("a wait_flag without set_flag is a StallError naming pipe and flag", "[core]") {
  auto msg_of = [](const std::string& body) -> std::string {
    try {
      run_body(body);
    } catch (const StallError& e) {
      return e.what();
    }
    return "no StallError";
  };
  std::string m = msg_of(
      "copy_gm_to_l1 gm=0 dst=0 bytes=256\n"
      "wait_flag src=MTE2 dst=M id=3\n"
      "mmad m=16 k=16 n=16 dtype=bf16 a=0 b=0 c=0\n");
  INFO(m);
  CHECK(contains(m, "deadlock"));
  CHECK(contains(m, "pipe M"));
  CHECK(contains(m, "MTE2->M id 3"));
  CHECK(contains(m, "line 3"));  // header is line 1
  // Deadlock in the scalar unit.
  m = msg_of("wait_flag src=V dst=S id=1\n");
  CHECK(contains(m, "pipe S"));
  CHECK(contains(m, "V->S id 1"));
  // Cyclic waits between two pipes.
  m = msg_of("wait_flag src=M dst=MTE1 id=0\nset_flag src=MTE1 dst=M id=0\n"
             "wait_flag src=MTE1 dst=M id=0\nset_flag src=M dst=MTE1 id=0\n");
  CHECK(contains(m, "pipe MTE1"));
  CHECK(contains(m, "pipe M "));
  // A wrong id is not satisfied by another id.
  m = msg_of("set_flag src=MTE2 dst=M id=1\nwait_flag src=MTE2 dst=M id=2\n");
  CHECK(contains(m, "MTE2->M id 2"));
}

TEST_CASE("malformed core traces are TraceErrors with file:line", "[core]") {
  const std::string h = "npusim-coretrace v1\n";
  std::string m;
  m = trace_error("npusim-coretrace v2\nscalar cycles=1\n");
  CHECK(contains(m, "bad.core:1:"));
  CHECK(contains(m, "npusim-coretrace v1"));
  m = trace_error("");
  CHECK(contains(m, "missing header"));
  m = trace_error(h + "# only a comment\n");
  CHECK(contains(m, "no instructions"));
  m = trace_error(h + "scalar cycles=1\nmatmul m=1\n");
  CHECK(contains(m, "bad.core:3: unknown op"));
  CHECK(contains(m, "mmad"));
  m = trace_error(h + "mmad m=16 k=16 n=16 dtype=bf16 a=0 b=0\n");
  CHECK(contains(m, "bad.core:2: missing operand 'c'"));
  CHECK(contains(m, "c=<L0C offset>"));
  m = trace_error(h + "copy_gm_to_l1 gm=0 dst=0 bytes=0\n");
  CHECK(contains(m, "bad.core:2: size must be positive"));
  m = trace_error(h + "\n\ncopy_l1_to_l0a src=0 dst=61440 bytes=8192\n");
  CHECK(contains(m, "bad.core:4: L0A overflow"));
  CHECK(contains(m, "capacity 65536"));
  // A = 256*128*2 = 64 KiB fits L0A exactly at offset 0, not at 2.
  m = trace_error(h + "mmad m=256 k=128 n=128 dtype=bf16 a=2 b=0 c=0\n");
  CHECK(contains(m, "L0A overflow"));
  m = trace_error(h + "mmad m=128 k=128 n=512 dtype=bf16 a=0 b=0 c=0\n");
  CHECK(contains(m, "L0B overflow"));
  m = trace_error(h + "vadd dst=0 src0=0 src1=196000 bytes=1024\n");
  CHECK(contains(m, "UB overflow"));
  m = trace_error(h + "copy_gm_to_l1 gm=0 dst=0 bytes=64 size=3\n");
  CHECK(contains(m, "unknown operand 'size'"));
  m = trace_error(h + "copy_gm_to_l1 gm=0 gm=1 dst=0 bytes=64\n");
  CHECK(contains(m, "duplicate operand"));
  m = trace_error(h + "copy_gm_to_l1 gm=0 dst=0x bytes=64\n");
  CHECK(contains(m, "bad.core:2:"));
  m = trace_error(h + "set_flag src=MTE2 dst=MTE2 id=0\n");
  CHECK(contains(m, "same"));
  m = trace_error(h + "set_flag src=MTE2 dst=M id=8\n");
  CHECK(contains(m, "flag id"));
  m = trace_error(h + "wait_flag src=MTE4 dst=M id=0\n");
  CHECK(contains(m, "unknown pipe"));
  m = trace_error(h + "pipe_barrier pipe=S\n");
  CHECK(contains(m, "unknown barrier pipe"));
  m = trace_error(h + "mmad m=16 k=16 n=16 dtype=fp32 a=0 b=0 c=0\n");
  CHECK(contains(m, "unknown dtype"));
  m = trace_error(h + "scalar 5\n");
  CHECK(contains(m, "key=value"));
}

TEST_CASE("an mmad in a dtype the cube lacks is a ConfigError, not a division by zero", "[core]") {
  npusim::npu::CoreConfig cfg = npusim::defaults_of<npusim::npu::CoreConfig>();
  cfg.fp8_multiplier = 0;  // e.g. a 910B: no FP8 cube
  npusim::npu::Instruction in{};
  in.pipe = npusim::npu::Pipe::M;
  in.op = npusim::npu::Op::Mmad;
  in.m = in.k = in.n = 16;
  in.dtype = npusim::npu::DType::fp8;
  CHECK_THROWS_AS(npusim::npu::duration(cfg, in), npusim::ConfigError);
}
