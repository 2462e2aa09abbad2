#include "npu/core/core_config.hpp"

#include "npu/core/instruction.hpp"

namespace npusim::npu {

const Schema& CoreConfig::schema() {
  static const Schema s = [] {
    Schema s("core", "One Da Vinci-like AI core (defaults: Atlas A2 / 910B class)");
    SchemaBuilder<CoreConfig>(s)
        .param(&CoreConfig::clock_ghz, "clock_ghz", "GHz", 1.8,
               "Core clock. 910B clock is not published; ~1.8 GHz is an estimate (E, "
               "reference/hardware.md, Da Vinci AI core)",
               {0.01, 10.0})
        .param(&CoreConfig::l1_kib, "l1_kib", "KiB", 512,
               "L1 buffer capacity. 910B/Atlas A2: 512 KB (V: hicann/catlass arch.hpp AtlasA2, "
               "reference/hardware.md)",
               {1, 1 << 20})
        .param(&CoreConfig::l0a_kib, "l0a_kib", "KiB", 64,
               "L0A (cube left operand) capacity. Atlas A2: 64 KB (V: catlass arch.hpp, "
               "reference/hardware.md)",
               {1, 1 << 20})
        .param(&CoreConfig::l0b_kib, "l0b_kib", "KiB", 64,
               "L0B (cube right operand) capacity. Atlas A2: 64 KB (V: catlass arch.hpp, "
               "reference/hardware.md)",
               {1, 1 << 20})
        .param(&CoreConfig::l0c_kib, "l0c_kib", "KiB", 128,
               "L0C (cube accumulator) capacity. Atlas A2: 128 KB; Ascend 950: 256 KB (V: "
               "catlass arch.hpp, reference/hardware.md)",
               {1, 1 << 20})
        .param(&CoreConfig::ub_kib, "ub_kib", "KiB", 192,
               "Unified Buffer (vector core) capacity. Atlas A2: 192 KB (V: catlass arch.hpp, "
               "reference/hardware.md)",
               {1, 1 << 20})
        .param(&CoreConfig::cube_m, "cube_m", "", 16,
               "Cube fractal M per cycle at fp16/bf16: 16x16x16 = 4096 MAC/cycle "
               "(reference/hardware.md)",
               {1, 1024})
        .param(&CoreConfig::cube_k, "cube_k", "", 16, "Cube fractal K per cycle at fp16/bf16", {1, 1024})
        .param(&CoreConfig::cube_n, "cube_n", "", 16, "Cube fractal N per cycle at fp16/bf16", {1, 1024})
        .param(&CoreConfig::fp8_multiplier, "fp8_multiplier", "", 2,
               "Cube throughput of fp8 relative to bf16 (E: Ascend 950 public FP8 peak vs BF16). "
               "0 = the core lacks fp8",
               {0, 64})
        .param(&CoreConfig::mxfp4_multiplier, "mxfp4_multiplier", "", 4,
               "Cube throughput of mxfp4 relative to bf16 (E: Atlas 950 FP4 = 2x FP8 peak). "
               "0 = the core lacks mxfp4",
               {0, 64})
        .param(&CoreConfig::int8_multiplier, "int8_multiplier", "", 2,
               "Cube throughput of int8 relative to fp16 (910B: INT8 2x, reference/hardware.md). "
               "0 = the core lacks int8",
               {0, 64})
        .param(&CoreConfig::mxfp8_multiplier, "mxfp8_multiplier", "", 2,
               "Cube throughput of mxfp8 relative to bf16 (V: Ascend 950 FP8 = MXFP8 = HiF8 peak). "
               "0 = the core lacks mxfp8",
               {0, 64})
        .param(&CoreConfig::hif8_multiplier, "hif8_multiplier", "", 2,
               "Cube throughput of hif8 relative to bf16 (V: Ascend 950 HiF8 = FP8 peak). "
               "0 = the core lacks hif8",
               {0, 64})
        .param(&CoreConfig::vector_bytes_per_cycle, "vector_bytes_per_cycle", "B/cycle", 256,
               "Vector unit width: 256 B/cycle = 128 fp16 lanes (reference/hardware.md)", {1, 1 << 16})
        .param(&CoreConfig::mte1_bytes_per_cycle, "mte1_bytes_per_cycle", "B/cycle", 256,
               "MTE1 (L1 -> L0A/L0B) bandwidth (E: not published)", {1, 1 << 16})
        .param(&CoreConfig::mte2_bytes_per_cycle, "mte2_bytes_per_cycle", "B/cycle", 128,
               "MTE2 (GM -> L1/UB) bandwidth seen by one core (E: not published)", {1, 1 << 16})
        .param(&CoreConfig::mte3_bytes_per_cycle, "mte3_bytes_per_cycle", "B/cycle", 128,
               "MTE3 (UB -> GM) bandwidth seen by one core (E: not published)", {1, 1 << 16})
        .param(&CoreConfig::fix_bytes_per_cycle, "fix_bytes_per_cycle", "B/cycle", 128,
               "FIX pipe (L0C -> GM through the fixpipe) bandwidth (E: not published)", {1, 1 << 16})
        .param(&CoreConfig::gm_latency_cycles, "gm_latency_cycles", "cycle", 200,
               "Fixed global-memory latency added to every transfer that reads or writes GM "
               "(MTE2, MTE3, FIX). A documented latency+bandwidth model of the GM path "
               "(~110 ns at 1.8 GHz, E); a later step replaces it with TLM transactions "
               "through the NoC and HBM models",
               {0, 1 << 24})
        .param(&CoreConfig::ub_bank_groups, "ub_bank_groups", "", 16,
               "UB bank groups: 192 KB = 48 banks of 128 x 32 B rows in 16 groups of 3; the vector "
               "unit reads one 32 B row per group per cycle (V: Ascend C best practices, 'Avoiding Bank "
               "Conflicts in the Unified Buffer', Atlas A2/A3). 0 = no bank-conflict model",
               {0, 1024})
        .param(&CoreConfig::ub_block_bytes, "ub_block_bytes", "B", 32,
               "UB row (datablock) size that maps to one bank group (V: same source, C0 = 32 B)", {1, 1 << 16})
        .param(&CoreConfig::flag_ids, "flag_ids", "", 8,
               "Flag (event) ids per (src pipe, dst pipe) pair: Ascend C EVENT_ID0..7 (E)", {1, 64})
        .param(&CoreConfig::pipe_queue_depth, "pipe_queue_depth", "instr", 16,
               "Instruction queue depth of each pipe; in-order issue stalls on a full queue (E)",
               {1, 1 << 16});
    return s;
  }();
  return s;
}

uint64_t CoreConfig::capacity_bytes(Buffer b) const {
  switch (b) {
    case Buffer::L1: return uint64_t(l1_kib) * 1024;
    case Buffer::L0A: return uint64_t(l0a_kib) * 1024;
    case Buffer::L0B: return uint64_t(l0b_kib) * 1024;
    case Buffer::L0C: return uint64_t(l0c_kib) * 1024;
    case Buffer::UB: return uint64_t(ub_kib) * 1024;
    default: return 0;
  }
}

}  // namespace npusim::npu
