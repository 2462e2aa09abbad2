// Fast (tile-level) timing of a KernelPlan: walks each core's program once,
// sums every pipe's busy time with the same duration() AiCore uses, except
// that GM transfers run at the core's share of the chip's L2 bandwidth, then
// takes the busiest pipe plus the pipeline's fill and drain. No simulation.
//
//   core time  = max over pipes of busy + fill (the first unit of work of
//                the pipes upstream of the busiest one) + drain (the last
//                unit of the pipes downstream of it). Cube pipes run
//                MTE2 -> MTE1 -> M -> FIX, vector pipes MTE2 -> V -> MTE3;
//                when L0C has one buffer (a single FIX->M flag id), M waits
//                for FIX every tile, so M and FIX count as one serial pipe.
//                In-order issue (one instruction per cycle) is a pipe too.
//   chip time  = max(max core time, hbm_bytes / hbm_bytes_per_cycle,
//                    (gm reads + writes) / l2_bytes_per_cycle)
//   bound      = "hbm" / "l2" when that term sets chip time, else "latency"
//                when fixed latency (fill, drain, and the per-transfer GM
//                latency of a critical MTE/FIX pipe) is over half the
//                critical core's time, else "compute" (the core's pipes).
//   hbm_bytes  = footprint when it fits L2 (each byte crosses HBM once),
//                else the issued GM traffic minus the L2-resident workspace
//                traffic (re-reads are assumed to miss: an upper bound).
#pragma once
#include <cstdint>
#include <string>

#include "npu/kernels/kernel_plan.hpp"

namespace npusim::npu {

// Chip-wide memory path, in core clock cycles.
struct MemoryPath {
  double hbm_bytes_per_cycle;
  double l2_bytes_per_cycle;
  uint64_t l2_bytes;
  // Pipelined transfer engines (the chip model): when latency_cycles >= 0,
  // a GM transfer costs no fixed latency of its own; instead each engine
  // streams at most outstanding_bytes per latency_cycles (Little's law) and
  // one latency is paid at the start. When < 0, each transfer pays the
  // core's gm_latency_cycles (AiCore's fixed-latency model).
  double latency_cycles = -1;
  double outstanding_bytes = 0;
};

struct TileEstimate {
  uint64_t cycles;
  std::string bound;            // "compute" | "hbm" | "l2" | "latency"
  double pipe_busy[kNumPipes];  // busy fraction of the critical core per pipe
  uint64_t hbm_bytes;
  // Breakdown (added): the terms of chip time and where the critical core is.
  uint64_t core_cycles = 0, hbm_cycles = 0, l2_cycles = 0, fill_drain_cycles = 0;
  // Fixed latency on the critical core's path: fill + drain + the GM
  // latency of every transfer on the critical pipe (if it is an MTE/FIX).
  uint64_t latency_cycles = 0;
  CoreKind critical_kind = CoreKind::Cube;
  uint32_t critical_core = 0;
  std::string critical_pipe;  // pipe name, "M+FIX" when serialised, "issue"
};

// Per-core estimate (the core-time term above) of one program, with GM
// transfers at `gm_bytes_per_cycle` (capped by each MTE's own bandwidth).
struct CoreEstimate {
  double cycles = 0, fill_drain = 0, latency = 0;
  double busy[kNumPipes] = {};
  std::string critical_pipe;
};
CoreEstimate estimate_core(const CoreConfig& cfg, const std::vector<Instruction>& program, double gm_bytes_per_cycle);

TileEstimate estimate(const ChipConfig& chip, const KernelPlan& plan, const MemoryPath& mem);

}  // namespace npusim::npu
