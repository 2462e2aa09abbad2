// Parameters of one Da Vinci-like AI core (Atlas A2 / 910B generation by
// default): clock, on-chip buffer capacities, cube and vector rates, and the
// bandwidth/latency of the memory transfer engines (MTE1/MTE2/MTE3/FIX).
// Declared once here with the param system; see CoreConfig::schema().
#pragma once
#include <cstdint>

#include "sim/params.hpp"

namespace npusim::npu {

enum class Buffer : uint8_t;

struct CoreConfig {
  double clock_ghz;
  // On-chip buffer capacities (KiB).
  uint32_t l1_kib, l0a_kib, l0b_kib, l0c_kib, ub_kib;
  // Cube fractal processed per cycle at fp16/bf16 (M x K x N).
  uint32_t cube_m, cube_k, cube_n;
  // Throughput multipliers relative to fp16/bf16. 0 means the core lacks the
  // dtype (a chip's peak for it is 0; see ChipConfig::peak_tflops).
  uint32_t fp8_multiplier, mxfp4_multiplier, int8_multiplier;
  // mxfp8 (OCP MX, E4M3/E5M2 elements) and hif8 (Huawei HiFloat8) rates,
  // separate from fp8 so a chip can lack one but not the other. The AI core
  // timing model (ai_core.cpp) times each with its own multiplier.
  uint32_t mxfp8_multiplier, hif8_multiplier;
  uint32_t vector_bytes_per_cycle;
  // Transfer engines: bytes per cycle each, plus one fixed latency for a
  // transfer that touches global memory.
  uint32_t mte1_bytes_per_cycle, mte2_bytes_per_cycle, mte3_bytes_per_cycle, fix_bytes_per_cycle;
  uint32_t gm_latency_cycles;
  // Number of flag (event) ids per (src pipe, dst pipe) pair.
  uint32_t flag_ids;
  // Unified Buffer banking: 32-byte blocks dealt round-robin over the bank
  // groups; the vector unit reads one block per group per cycle, so two
  // source operands whose blocks share groups take two cycles per repeat.
  uint32_t ub_bank_groups, ub_block_bytes;
  // Depth of each pipe's instruction queue; the scalar unit stops issuing
  // (in order) when the target queue is full.
  uint32_t pipe_queue_depth;

  static const Schema& schema();

  // Capacity of an on-chip buffer in bytes; 0 for GM (unbounded here).
  uint64_t capacity_bytes(Buffer b) const;
};

}  // namespace npusim::npu
