// The chip model (ChipSim) against closed-form bounds, on hand-written core
// programs. Each case calls sc_start(), so each runs in its own process.
#include <catch2/catch.hpp>

#include "memory/hbm_system.hpp"
#include "sim/errors.hpp"
#include "models/chip_sim.hpp"
#include "memory/memory_spec.hpp"
#include "models/ub_endpoint.hpp"
#include "npu/chip/chip_config.hpp"
#include "npu/chip/chip_presets.hpp"

using namespace npusim;
using npu::Instruction;
using npu::Op;
using npu::Pipe;

namespace {

Instruction gm_to_l1(uint64_t gm, uint64_t dst, uint64_t bytes) {
  Instruction in;
  in.op = Op::CopyGmToL1;
  in.pipe = Pipe::MTE2;
  in.gm_addr = gm;
  in.dst_buf = npu::Buffer::L1;
  in.dst_off = dst;
  in.bytes = bytes;
  return in;
}

Instruction barrier_all() {
  Instruction in;
  in.op = Op::PipeBarrier;
  in.barrier = npu::kAllPipes;
  return in;
}

}  // namespace

TEST_CASE("chip: cold streaming reads from every core reach the HBM bound, re-reads the L2 bound",
          "[.][sc_chip]") {
  const npu::ChipConfig cfg = npu::chip_config_from_json(npu::chip_preset("ascend_950pr"), "chip");
  const memory::MemoryConfig mc = memory::load_memory_config(cfg.memory);
  stats::Registry reg;
  stats::Group root(reg, "system");
  memory::HbmSystem mem("mem", mc, root);

  // Every cube core reads its own 4 MiB twice (64 KiB per copy), with a
  // barrier between the passes: 128 MiB cold from HBM, then the same 128 MiB
  // again, which fits the 192 MiB L2.
  const uint64_t per_core = 4ull << 20, chunk = 64ull << 10;
  std::vector<CoreProgramSpec> progs;
  for (uint32_t c = 0; c < cfg.cube_cores; ++c) {
    CoreProgramSpec p;
    p.index = c;
    for (int pass = 0; pass < 2; ++pass) {
      for (uint64_t off = 0; off < per_core; off += chunk)
        p.program.push_back(gm_to_l1(c * per_core + off, (off / chunk % 2) * chunk, chunk));
      p.program.push_back(barrier_all());
    }
    progs.push_back(std::move(p));
  }
  ChipSim chip("chip", cfg, std::move(progs), mc.org.capacity_bytes(), root);
  chip.mem_socket.bind(mem.socket);
  UbEndpoint ub("ub", cfg.ub_bandwidth_gbps, cfg.ub_port.latency_ns, true, root);
  chip.ub_socket.bind(ub.socket);
  sim_start();
  REQUIRE(chip.done());

  const double total = double(per_core) * cfg.cube_cores;
  const double lines = total / cfg.l2.line_bytes;
  // Conservation: every line of the first pass misses once; the second pass
  // hits except for conflict misses (128 MiB in a 192 MiB 16-way L2 with
  // hashed sets loses a few percent); memory reads each miss once.
  CHECK(chip.l2_bytes() == 2 * total);
  CHECK(chip.hbm_read_bytes() >= total);
  CHECK(chip.hbm_read_bytes() <= 1.1 * total);
  CHECK(chip.hbm_write_bytes() == 0);
  CHECK(chip.l2_hit_rate() >= 0.45);
  CHECK(chip.l2_hit_rate() <= 0.5);
  CHECK(mem.accepted() == mem.responded());
  CHECK(double(mem.responded()) * cfg.l2.line_bytes == chip.hbm_read_bytes());

  // Bounds in core cycles: pass 1 at the memory's peak, pass 2 at the L2's.
  const double hbm_bpc = mc.peak_bandwidth_gbps() / cfg.clock_ghz;  // bytes per core cycle
  const double l2_bpc = chip.l2_bytes_per_cycle();
  const double bound = total / hbm_bpc + total / l2_bpc;
  const double cycles = double(chip.end_cycle());
  INFO("cycles " << cycles << ", bound " << bound << " (HBM " << total / hbm_bpc << " + L2 " << total / l2_bpc
                 << "), efficiency " << bound / cycles);
  CHECK(cycles >= bound);
  // Tolerance: 32 interleaved streams of 512 B lines, each spread over 16
  // channels, lose some of the HBM peak to row switches between streams and
  // refresh (measured: 82% of the two-pass bound). 75% is asserted so a
  // real loss fails.
  CHECK(cycles <= bound / 0.75);
  double mte2_busy = 0;
  for (size_t i = 0; i < chip.cores(); ++i) mte2_busy += chip.core(i).busy_cycles(Pipe::MTE2);
  // MTE2 is busy (waiting on its lines) for essentially the whole run.
  CHECK(mte2_busy / chip.cores() >= 0.95 * cycles);
}

TEST_CASE("chip: cross-core flags hand over between cores; a wait nobody sets is reported, not a hang",
          "[.][sc_cross]") {
  const npu::ChipConfig cfg = npu::chip_config_from_json(npu::chip_preset("ascend_950pr"), "chip");
  const memory::MemoryConfig mc = memory::load_memory_config(cfg.memory);
  stats::Registry reg;
  stats::Group root(reg, "system");
  memory::HbmSystem mem("mem", mc, root);
  auto cross = [](Op op, Pipe p, uint32_t id, bool to_vec = false, uint32_t to = 0) {
    Instruction in;
    in.op = op;
    in.pipe = p;
    in.flag_id = id;
    in.cross_vector = to_vec;
    in.cross_core = to;
    in.line = 1;
    return in;
  };
  std::vector<CoreProgramSpec> progs(3);
  // aic0 loads 64 KiB, then tells aiv0 (flag 1) once the data has landed.
  progs[0].index = 0;
  progs[0].program = {gm_to_l1(0, 0, 64 << 10), cross(Op::CrossSetFlag, Pipe::MTE2, 1, true, 0)};
  // aiv0 waits for it, then reads the same bytes (L2 hits).
  progs[1].vector_core = true;
  progs[1].index = 0;
  Instruction rd = gm_to_l1(0, 0, 64 << 10);
  rd.op = Op::CopyGmToUb;
  rd.dst_buf = npu::Buffer::UB;
  progs[1].program = {cross(Op::CrossWaitFlag, Pipe::MTE2, 1), rd};
  // aiv1 waits on flag 3, which nobody sets.
  progs[2].vector_core = true;
  progs[2].index = 1;
  progs[2].program = {cross(Op::CrossWaitFlag, Pipe::V, 3)};
  ChipSim chip("chip", cfg, std::move(progs), mc.org.capacity_bytes(), root);
  chip.mem_socket.bind(mem.socket);
  UbEndpoint ub("ub", cfg.ub_bandwidth_gbps, cfg.ub_port.latency_ns, true, root);
  chip.ub_socket.bind(ub.socket);
  sim_start();
  CHECK_FALSE(chip.done());
  CHECK(chip.core(0).done());
  CHECK(chip.core(1).done());
  // The reader started only after the writer's data landed: its reads hit.
  CHECK(chip.core(1).total_cycles() > chip.core(0).total_cycles() - 1);
  CHECK(chip.hbm_read_bytes() == double(64 << 10));
  INFO(chip.holdings());
  CHECK(chip.holdings().find("cross_wait_flag id 3") != std::string::npos);
  CHECK(chip.holdings().find("aiv1 waits on V: cross_wait_flag id 3") != std::string::npos);
}

TEST_CASE("chip: reads from the UB window go out of the UB port at its bandwidth plus latency", "[.][sc_ub]") {
  const npu::ChipConfig cfg = npu::chip_config_from_json(npu::chip_preset("ascend_950pr"), "chip");
  const memory::MemoryConfig mc = memory::load_memory_config(cfg.memory);
  stats::Registry reg;
  stats::Group root(reg, "system");
  memory::HbmSystem mem("mem", mc, root);
  UbEndpoint ub("ub", cfg.ub_bandwidth_gbps, cfg.ub_port.latency_ns, true, root);
  // One core reads 4 MiB of remote memory in 256 KiB copies.
  const uint64_t total = 4ull << 20, chunk = 256ull << 10;
  std::vector<CoreProgramSpec> progs(1);
  for (uint64_t off = 0; off < total; off += chunk)
    progs[0].program.push_back(gm_to_l1(cfg.ub_port.window_base + off, (off / chunk % 2) * chunk, chunk));
  ChipSim chip("chip", cfg, std::move(progs), mc.org.capacity_bytes(), root);
  chip.mem_socket.bind(mem.socket);
  chip.ub_socket.bind(ub.socket);
  sim_start();
  REQUIRE(chip.done());
  // Nothing touched L2 or HBM; the endpoint saw every byte once.
  CHECK(chip.l2_bytes() == 0);
  CHECK(mem.accepted() == 0);
  CHECK(ub.bytes() == double(total));
  CHECK(ub.responded() == ub.requests());
  // Closed form: the port serialises at ub_bandwidth_gbps (bytes/ns), the
  // core's MTE2 (128 B/cycle = 244 GB/s here) is slower still, and the
  // engine's 64 outstanding lines cover 32 KiB per 1 us round trip: the
  // Little's-law rate of 32.8 GB/s bounds it. Tolerance 10%.
  const double t_ns = double(chip.end_cycle()) / cfg.clock_ghz;
  const double mlp_gbps = double(cfg.noc.max_outstanding) * cfg.l2.line_bytes / cfg.ub_port.latency_ns;
  const double rate = std::min({cfg.ub_bandwidth_gbps, cfg.core.mte2_bytes_per_cycle * cfg.clock_ghz, mlp_gbps});
  const double expect = cfg.ub_port.latency_ns + double(total) / rate;
  INFO("took " << t_ns << " ns, expected " << expect << " ns at " << rate << " GB/s");
  CHECK(t_ns == Approx(expect).epsilon(0.10));
}
