// GEMM lowering for the cube cores, Ascend C / catlass style: C = A x B is
// cut into baseM x baseN output tiles dealt round-robin over the cube cores;
// each tile walks K in L1 stages of stepK (A and B tiles ping-ponged in L1
// by MTE2), each stage in baseK steps (ping-ponged in L0A/L0B by MTE1, one
// mmad per step accumulating in L0C), and FIX writes the tile once K is done.
#pragma once
#include <cstdint>

#include "npu/kernels/kernel_plan.hpp"

namespace npusim::npu {

struct MatmulSpec {
  uint64_t batch = 1, m = 0, n = 0, k = 0;
  DType dtype = DType::bf16;
  bool trans_a = false, trans_b = false;
};

struct MatmulTiling {
  uint32_t base_m = 0, base_n = 0, base_k = 0, step_k = 0;
  uint32_t l0c_buffers = 1;  // 2 when two C tiles fit L0C (FIX overlaps the next tile's mmads)
  uint64_t tiles_m = 0, tiles_n = 0, k_stages = 0;
  uint32_t cores_used = 0;
};

// The tiling lower_matmul uses (validates the spec like lower_matmul).
MatmulTiling choose_matmul_tiling(const ChipConfig& chip, const MatmulSpec& s);

// batch > 1 -> op "batched_matmul". Output is written as bf16 (2 B) for
// every dtype: the fixpipe converts the fp32/int32 accumulators.
KernelPlan lower_matmul(const ChipConfig& chip, const MatmulSpec& s);

}  // namespace npusim::npu
