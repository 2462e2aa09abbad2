// Appends pipe instructions to a core program with the op's pipe and
// buffers filled in, so the lowerings read like the Ascend C they mimic.
// `line` is set to the 1-based instruction index, which is what AiCore's
// deadlock messages then name.
#pragma once
#include <cstdint>
#include <vector>

#include "npu/core/instruction.hpp"

namespace npusim::npu {

class ProgramBuilder {
 public:
  explicit ProgramBuilder(std::vector<Instruction>& out) : out_(out) {}

  // A strided tile (rows > 0) reads `rows` rows of bytes / rows each,
  // `stride` bytes apart; see Instruction::gm_rows.
  void copy_gm_to_l1(uint64_t gm, uint64_t l1, uint64_t bytes, uint32_t rows = 0, uint64_t stride = 0);
  void copy_gm_to_ub(uint64_t gm, uint64_t ub, uint64_t bytes, uint32_t rows = 0, uint64_t stride = 0);
  void copy_l1_to_l0a(uint64_t l1, uint64_t l0a, uint64_t bytes);
  void copy_l1_to_l0b(uint64_t l1, uint64_t l0b, uint64_t bytes);
  void mmad(uint32_t m, uint32_t k, uint32_t n, DType d, uint64_t a, uint64_t b, uint64_t c);
  void fixpipe(uint64_t l0c, uint64_t gm, uint64_t bytes, uint32_t rows = 0, uint64_t stride = 0);
  void copy_ub_to_gm(uint64_t ub, uint64_t gm, uint64_t bytes, uint32_t rows = 0, uint64_t stride = 0);
  // Vector op on UB; src1 is ignored by unary ops, out_bytes used by vreduce.
  void vec(Op op, uint64_t dst, uint64_t src0, uint64_t src1, uint64_t bytes, uint64_t out_bytes = 0);
  void set_flag(Pipe src, Pipe dst, uint32_t id);
  // Cross-core flags: `pipe` sets flag `id` of a vector / cube core, or
  // waits for this core's flag `id` (see Op::CrossSetFlag).
  void cross_set(Pipe pipe, bool to_vector, uint32_t core, uint32_t id);
  void cross_wait(Pipe pipe, uint32_t id);
  void wait_flag(Pipe src, Pipe dst, uint32_t id);

  std::vector<Instruction>& program() { return out_; }

 private:
  Instruction& push(Op op, Pipe pipe, Buffer src, Buffer dst);
  std::vector<Instruction>& out_;
};

}  // namespace npusim::npu
