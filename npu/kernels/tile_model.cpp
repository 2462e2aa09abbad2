#include "npu/kernels/tile_model.hpp"

#include <algorithm>
#include <cmath>

#include "sim/errors.hpp"
#include "npu/core/ai_core.hpp"

namespace npusim::npu {

namespace {

// Position in the producer -> consumer chain; S (issue) is outside it.
int stage_of(Pipe p) {
  switch (p) {
    case Pipe::MTE2: return 0;
    case Pipe::MTE1: return 1;
    case Pipe::M:
    case Pipe::V: return 2;
    case Pipe::FIX:
    case Pipe::MTE3: return 3;
    default: return -1;
  }
}

bool touches_gm(const Instruction& in) { return in.src_buf == Buffer::GM || in.dst_buf == Buffer::GM; }

}  // namespace

namespace {

// Work between flag operations on a pipe is one unit (a stage's loads, a
// step's L0 copies, one mmad, a tile's fixpipe): first[] / last[] hold the
// first and last unit, units[] their count.
struct PipeUnits {
  double busy[kNumPipes] = {}, first[kNumPipes] = {}, last[kNumPipes] = {}, cur[kNumPipes] = {};
  uint64_t units[kNumPipes] = {}, gm_ops[kNumPipes] = {};
  uint32_t fix_to_m_ids = 0;  // bit set of FIX->M flag ids
  void close_unit(int p) {
    if (cur[p] <= 0) return;
    if (units[p]++ == 0) first[p] = cur[p];
    last[p] = cur[p];
    cur[p] = 0;
  }
};

PipeUnits pipe_units(const CoreConfig& cfg, const std::vector<Instruction>& program, double gm_bytes_per_cycle) {
  PipeUnits u;
  for (const Instruction& in : program) {
    const int p = int(in.pipe);
    if (in.op == Op::SetFlag || in.op == Op::WaitFlag) {
      u.close_unit(p);
      if (in.flag_src == Pipe::FIX && in.flag_dst == Pipe::M && in.flag_id < 32) u.fix_to_m_ids |= 1u << in.flag_id;
      continue;
    }
    if (in.op == Op::PipeBarrier) continue;
    double d;
    if (touches_gm(in)) {
      const double own = in.op == Op::CopyUbToGm       ? cfg.mte3_bytes_per_cycle
                         : in.op == Op::FixpipeL0cToGm ? cfg.fix_bytes_per_cycle
                                                       : cfg.mte2_bytes_per_cycle;
      d = double(cfg.gm_latency_cycles) + std::ceil(double(in.bytes) / std::min(own, gm_bytes_per_cycle));
      ++u.gm_ops[p];
    } else {
      d = double(duration(cfg, in));
    }
    u.busy[p] += d;
    u.cur[p] += d;
  }
  for (int p = 0; p < kNumPipes; ++p) u.close_unit(p);
  return u;
}

// Fill: the first unit of every pipe upstream of the critical one must
// pass before it starts. Drain: after the critical pipe's last unit, the
// downstream pipes still do that unit's share of their work; the largest
// share is on the path, the others add only their last unit (they overlap
// it except at its ends).
struct FillDrain {
  double fill = 0, drain = 0;
};
FillDrain fill_and_drain(const PipeUnits& u, int crit, bool folded_fix) {
  const int rank = stage_of(Pipe(crit));
  double fill = 0, drain_sum = 0, drain_max = 0, drain_max_last = 0;
  for (int p = 0; p < kNumPipes; ++p) {
    const int r = stage_of(Pipe(p));
    if (r < 0 || u.units[p] == 0) continue;
    if (r < rank) fill += u.first[p];
    if (r > rank && !(folded_fix && Pipe(p) == Pipe::FIX)) {
      const double share = std::max(u.busy[p] / double(u.units[crit]), u.last[p]);
      drain_sum += u.last[p];
      if (share - u.last[p] > drain_max - drain_max_last) {
        drain_max = share;
        drain_max_last = u.last[p];
      }
    }
  }
  return {fill, drain_sum - drain_max_last + drain_max};
}

}  // namespace

CoreEstimate estimate_core(const CoreConfig& cfg, const std::vector<Instruction>& program, double gm_bytes_per_cycle) {
  const PipeUnits u = pipe_units(cfg, program, gm_bytes_per_cycle);
  CoreEstimate e;
  std::copy(u.busy, u.busy + kNumPipes, e.busy);
  const bool serial_mfix = u.units[int(Pipe::FIX)] > 0 && __builtin_popcount(u.fix_to_m_ids) == 1;
  int crit = -1;
  double crit_busy = 0;
  for (int p = 0; p < kNumPipes; ++p) {
    if (stage_of(Pipe(p)) < 0) continue;
    double b = u.busy[p];
    if (serial_mfix && Pipe(p) == Pipe::M) b += u.busy[int(Pipe::FIX)];
    if (b > crit_busy) {
      crit_busy = b;
      crit = p;
    }
  }
  const double issue = double(program.size());
  if (crit < 0 || issue > crit_busy) {
    // Issue-bound: a pipe of one instruction per cycle with no fill.
    e.cycles = std::max(issue, crit_busy);
    e.critical_pipe = "issue";
    return e;
  }
  const bool folded_fix = serial_mfix && Pipe(crit) == Pipe::M;
  const FillDrain fd = fill_and_drain(u, crit, folded_fix);
  e.fill_drain = fd.fill + fd.drain;
  e.latency = e.fill_drain + double(u.gm_ops[crit]) * cfg.gm_latency_cycles;
  e.cycles = crit_busy + fd.fill + fd.drain;
  e.critical_pipe = folded_fix ? "M+FIX" : to_string(Pipe(crit));
  return e;
}

TileEstimate estimate(const ChipConfig& chip, const KernelPlan& plan, const MemoryPath& mem) {
  if (!(mem.hbm_bytes_per_cycle > 0) || !(mem.l2_bytes_per_cycle > 0))
    throw ConfigError("memory path: hbm_bytes_per_cycle and l2_bytes_per_cycle must be > 0");
  TileEstimate t{};
  const double active = std::max<double>(1, double(plan.programs.size()));
  double share = mem.l2_bytes_per_cycle / active;
  CoreConfig core = chip.core;
  const bool pipelined = mem.latency_cycles >= 0;
  if (pipelined) {
    core.gm_latency_cycles = 0;
    if (mem.latency_cycles > 0 && mem.outstanding_bytes > 0)
      share = std::min(share, mem.outstanding_bytes / mem.latency_cycles);
  }
  double core_max = 0;
  CoreEstimate crit;
  for (const CoreProgram& cp : plan.programs) {
    CoreEstimate e = estimate_core(core, cp.program, share);
    if (pipelined) {  // the first transfer's round trip, once
      e.cycles += mem.latency_cycles;
      e.fill_drain += mem.latency_cycles;
      e.latency += mem.latency_cycles;
    }
    if (e.cycles >= core_max) {
      core_max = e.cycles;
      crit = e;
      t.critical_kind = cp.kind;
      t.critical_core = cp.core;
    }
  }
  const uint64_t issued = plan.gm_read_bytes + plan.gm_write_bytes;
  // Pipelined (chip) path: a write-back L2 keeps what the kernel writes
  // while the footprint fits, so only the inputs cross HBM (the cycle model
  // does not flush dirty lines at the end of a kernel).
  const uint64_t fits = pipelined ? plan.footprint_bytes - std::min(plan.footprint_bytes, plan.write_footprint_bytes)
                                  : plan.footprint_bytes;
  t.hbm_bytes = plan.footprint_bytes <= mem.l2_bytes ? fits
                                                     : issued - std::min(issued, plan.workspace_traffic_bytes);
  const double hbm = double(t.hbm_bytes) / mem.hbm_bytes_per_cycle;
  const double l2 = double(issued) / mem.l2_bytes_per_cycle;
  t.core_cycles = uint64_t(std::ceil(core_max));
  t.hbm_cycles = uint64_t(std::ceil(hbm));
  t.l2_cycles = uint64_t(std::ceil(l2));
  t.fill_drain_cycles = uint64_t(std::ceil(crit.fill_drain));
  t.latency_cycles = uint64_t(std::ceil(crit.latency));
  t.critical_pipe = crit.critical_pipe;
  const double total = std::max({core_max, hbm, l2, 1.0});
  t.cycles = uint64_t(std::ceil(total));
  if (total == hbm && hbm > core_max) t.bound = "hbm";
  else if (total == l2 && l2 > core_max) t.bound = "l2";
  else if (crit.latency > 0.5 * core_max) t.bound = "latency";
  else t.bound = "compute";
  for (int p = 0; p < kNumPipes; ++p) t.pipe_busy[p] = crit.busy[p] / total;
  return t;
}

}  // namespace npusim::npu
