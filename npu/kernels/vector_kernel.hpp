// Elementwise and reduction lowering for the vector cores: the element range
// is split into contiguous per-core chunks; each core streams its chunk
// through UB in ping-ponged tiles (MTE2 in, one vector op, MTE3 out).
#pragma once
#include <cstdint>
#include <string>

#include "npu/kernels/kernel_plan.hpp"

namespace npusim::npu {

struct ElementwiseSpec {
  uint64_t elements = 0;
  DType dtype = DType::bf16;
  std::string kind = "add";  // add | mul | reduce_sum
};

// add / mul -> op "elementwise" (z = x op y); reduce_sum -> op "reduction":
// each core reduces its chunk to one 32-byte partial in GM (the tiny pass
// that combines the per-core partials is not lowered).
KernelPlan lower_elementwise(const ChipConfig& chip, const ElementwiseSpec& s);

}  // namespace npusim::npu
