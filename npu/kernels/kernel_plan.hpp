// A lowered operator: per-core pipe instruction streams plus the numbers a
// report needs (useful FLOPs, GM traffic, footprint, the chosen tiling).
// Both fidelities read the same plan: AiCore runs its programs cycle by
// cycle, tile_model.hpp estimates them in one pass.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sim/params.hpp"
#include "npu/chip/chip_config.hpp"
#include "npu/core/instruction.hpp"

namespace npusim::npu {

enum class CoreKind : uint8_t { Cube, Vector };
const char* to_string(CoreKind k);

struct CoreProgram {
  CoreKind kind;
  uint32_t core;
  std::vector<Instruction> program;
};

struct KernelPlan {
  std::string op;  // "matmul", "batched_matmul", "attention_decode", "attention_prefill", "elementwise", "reduction"
  DType dtype;
  std::vector<CoreProgram> programs;  // only cores with work
  double flops = 0;                   // useful math only
  uint64_t gm_read_bytes = 0, gm_write_bytes = 0;  // sum of GM traffic the programs issue
  uint64_t footprint_bytes = 0;                     // distinct GM bytes touched (inputs + outputs once)
  // Part of the footprint first touched by a write (outputs, workspaces,
  // partials): in a write-back L2 it needs no HBM read and, while it fits,
  // stays in L2 when the kernel ends.
  uint64_t write_footprint_bytes = 0;
  // Part of the issued traffic that goes to a small per-core workspace
  // (attention's S/P exchange between cube and vector cores). It stays in L2
  // however large the operator is, so the tile model never charges it to HBM.
  uint64_t workspace_traffic_bytes = 0;
  json tiling;  // chosen tile sizes, counts, cores used, double-buffer flags
};

// Bits per element of the payload (MX scales not included).
uint64_t dtype_bits(DType d);
bool is_mx(DType d);
// GM bytes of `rows` rows of `cols` elements, cols along the contraction
// (scale-block) dimension: payload rounded up per row, plus one scale byte
// per 32 elements for MX formats. Additive over column blocks that start at
// multiples of 32, so tile sums reproduce the whole-matrix size.
uint64_t gm_bytes(DType d, uint64_t rows, uint64_t cols);
// Cube throughput multiplier of `d` on `core` (1 for fp16/bf16; 0 = absent).
uint32_t cube_multiplier(const CoreConfig& core, DType d);

// The number formats an operator can run in, in the order users see them
// (the op job's dtype choices and the error listing a chip's cube formats).
const std::vector<DType>& op_dtypes();
std::vector<std::string> op_dtype_names();

// Parses a dtype name; ConfigError naming `key` otherwise.
DType dtype_from_string(const std::string& name, const std::string& key);

// Validation shared by the lowerings; all throw ConfigError naming the key.
// Dimensions are capped (default 2^32) so products of them stay in 64 bits.
void require_dim(const std::string& key, uint64_t v, uint64_t max = uint64_t(1) << 32);
void require_cube_dtype(const ChipConfig& chip, DType d, const std::string& key);

// Sums the GM bytes the programs read / write into the plan.
void tally_gm_traffic(KernelPlan& plan);

}  // namespace npusim::npu
