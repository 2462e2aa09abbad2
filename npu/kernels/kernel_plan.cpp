#include "npu/kernels/kernel_plan.hpp"

#include "sim/errors.hpp"

namespace npusim::npu {

const char* to_string(CoreKind k) { return k == CoreKind::Cube ? "cube" : "vector"; }

uint64_t dtype_bits(DType d) {
  switch (d) {
    case DType::fp16:
    case DType::bf16: return 16;
    case DType::mxfp4: return 4;
    default: return 8;
  }
}

bool is_mx(DType d) { return d == DType::mxfp8 || d == DType::mxfp4; }

uint64_t gm_bytes(DType d, uint64_t rows, uint64_t cols) {
  uint64_t row = (cols * dtype_bits(d) + 7) / 8;
  if (is_mx(d)) row += (cols + 31) / 32;
  return rows * row;
}

uint32_t cube_multiplier(const CoreConfig& core, DType d) {
  switch (d) {
    case DType::fp16:
    case DType::bf16: return 1;
    case DType::fp8: return core.fp8_multiplier;
    case DType::hif8: return core.hif8_multiplier;
    case DType::mxfp8: return core.mxfp8_multiplier;
    case DType::mxfp4: return core.mxfp4_multiplier;
    case DType::int8: return core.int8_multiplier;
  }
  return 0;
}

const std::vector<DType>& op_dtypes() {
  static const std::vector<DType> v = {DType::bf16, DType::fp16, DType::fp8,  DType::hif8,
                                       DType::mxfp8, DType::mxfp4, DType::int8};
  return v;
}

std::vector<std::string> op_dtype_names() {
  std::vector<std::string> v;
  for (DType d : op_dtypes()) v.push_back(to_string(d));
  return v;
}

DType dtype_from_string(const std::string& name, const std::string& key) {
  std::string valid;
  for (int i = 0; i < kNumDTypes; ++i) {
    if (name == to_string(DType(i))) return DType(i);
    valid += (valid.empty() ? "" : ", ") + std::string(to_string(DType(i)));
  }
  throw ConfigError(key + ": unknown dtype '" + name + "'; expected one of " + valid);
}

void require_dim(const std::string& key, uint64_t v, uint64_t max) {
  if (v == 0) throw ConfigError(key + ": expected an integer >= 1, got 0");
  if (v > max)
    throw ConfigError(key + ": expected an integer <= " + std::to_string(max) + ", got " + std::to_string(v));
}

void require_cube_dtype(const ChipConfig& chip, DType d, const std::string& key) {
  if (cube_multiplier(chip.core, d) != 0) return;
  std::string valid;
  for (DType c : op_dtypes()) {
    if (cube_multiplier(chip.core, c) != 0) valid += (valid.empty() ? "" : ", ") + std::string(to_string(c));
  }
  throw ConfigError(key + ": " + to_string(d) + " is not supported by " + chip.name + " (cube multiplier 0); expected one of " +
                    valid);
}

void tally_gm_traffic(KernelPlan& plan) {
  plan.gm_read_bytes = plan.gm_write_bytes = 0;
  for (const auto& cp : plan.programs) {
    for (const auto& in : cp.program) {
      if (in.src_buf == Buffer::GM) plan.gm_read_bytes += in.bytes;
      if (in.dst_buf == Buffer::GM) plan.gm_write_bytes += in.bytes;
    }
  }
}

}  // namespace npusim::npu
