#include "npu/kernels/program_builder.hpp"

#include <map>
#include <string>
#include <tuple>

#include "npu/core/core_config.hpp"
#include "npu/core/core_trace.hpp"

namespace npusim::npu {

Instruction& ProgramBuilder::push(Op op, Pipe pipe, Buffer src, Buffer dst) {
  Instruction& in = out_.emplace_back();
  in.op = op;
  in.pipe = pipe;
  in.src_buf = src;
  in.dst_buf = dst;
  in.line = out_.size();
  return in;
}

void ProgramBuilder::copy_gm_to_l1(uint64_t gm, uint64_t l1, uint64_t bytes, uint32_t rows, uint64_t stride) {
  Instruction& in = push(Op::CopyGmToL1, Pipe::MTE2, Buffer::GM, Buffer::L1);
  in.gm_addr = gm;
  in.gm_rows = rows;
  in.gm_stride = stride;
  in.dst_off = l1;
  in.bytes = bytes;
  in.gm_rows = rows;
  in.gm_stride = stride;
}

void ProgramBuilder::copy_gm_to_ub(uint64_t gm, uint64_t ub, uint64_t bytes, uint32_t rows, uint64_t stride) {
  Instruction& in = push(Op::CopyGmToUb, Pipe::MTE2, Buffer::GM, Buffer::UB);
  in.gm_addr = gm;
  in.gm_rows = rows;
  in.gm_stride = stride;
  in.dst_off = ub;
  in.bytes = bytes;
}

void ProgramBuilder::copy_l1_to_l0a(uint64_t l1, uint64_t l0a, uint64_t bytes) {
  Instruction& in = push(Op::CopyL1ToL0A, Pipe::MTE1, Buffer::L1, Buffer::L0A);
  in.src_off = l1;
  in.dst_off = l0a;
  in.bytes = bytes;
}

void ProgramBuilder::copy_l1_to_l0b(uint64_t l1, uint64_t l0b, uint64_t bytes) {
  Instruction& in = push(Op::CopyL1ToL0B, Pipe::MTE1, Buffer::L1, Buffer::L0B);
  in.src_off = l1;
  in.dst_off = l0b;
  in.bytes = bytes;
}

void ProgramBuilder::mmad(uint32_t m, uint32_t k, uint32_t n, DType d, uint64_t a, uint64_t b, uint64_t c) {
  Instruction& in = push(Op::Mmad, Pipe::M, Buffer::None, Buffer::None);
  in.m = m;
  in.k = k;
  in.n = n;
  in.dtype = d;
  in.src_off = a;
  in.src1_off = b;
  in.dst_off = c;
}

void ProgramBuilder::fixpipe(uint64_t l0c, uint64_t gm, uint64_t bytes, uint32_t rows, uint64_t stride) {
  Instruction& in = push(Op::FixpipeL0cToGm, Pipe::FIX, Buffer::L0C, Buffer::GM);
  in.src_off = l0c;
  in.gm_addr = gm;
  in.gm_rows = rows;
  in.gm_stride = stride;
  in.bytes = bytes;
  in.gm_rows = rows;
  in.gm_stride = stride;
}

void ProgramBuilder::copy_ub_to_gm(uint64_t ub, uint64_t gm, uint64_t bytes, uint32_t rows, uint64_t stride) {
  Instruction& in = push(Op::CopyUbToGm, Pipe::MTE3, Buffer::UB, Buffer::GM);
  in.src_off = ub;
  in.gm_addr = gm;
  in.gm_rows = rows;
  in.gm_stride = stride;
  in.bytes = bytes;
}

void ProgramBuilder::vec(Op op, uint64_t dst, uint64_t src0, uint64_t src1, uint64_t bytes, uint64_t out_bytes) {
  Instruction& in = push(op, Pipe::V, Buffer::UB, Buffer::UB);
  in.dst_off = dst;
  in.src_off = src0;
  in.src1_off = src1;
  in.bytes = bytes;
  in.out_bytes = out_bytes;
}

void ProgramBuilder::set_flag(Pipe src, Pipe dst, uint32_t id) {
  Instruction& in = push(Op::SetFlag, src, Buffer::None, Buffer::None);
  in.flag_src = src;
  in.flag_dst = dst;
  in.flag_id = id;
}

void ProgramBuilder::wait_flag(Pipe src, Pipe dst, uint32_t id) {
  Instruction& in = push(Op::WaitFlag, dst, Buffer::None, Buffer::None);
  in.flag_src = src;
  in.flag_dst = dst;
  in.flag_id = id;
}

std::string check_program(const CoreConfig& cfg, const std::vector<Instruction>& prog) {
  std::string err;
  auto range = [&](const Instruction& in, Buffer b, uint64_t off, uint64_t size) {
    const uint64_t cap = cfg.capacity_bytes(b);
    if (err.empty() && (off >= cap || size > cap - off)) {
      err = "instruction " + std::to_string(in.line) + " (" + to_string(in.op) + "): " + to_string(b) + " offset " +
            std::to_string(off) + " + size " + std::to_string(size) + " exceeds capacity " + std::to_string(cap);
    }
  };
  std::map<std::tuple<int, int, uint32_t>, int64_t> balance;
  for (const auto& in : prog) {
    switch (in.op) {
      case Op::Mmad:
        range(in, Buffer::L0A, in.src_off, mmad_a_bytes(in));
        range(in, Buffer::L0B, in.src1_off, mmad_b_bytes(in));
        range(in, Buffer::L0C, in.dst_off, mmad_c_bytes(in));
        break;
      case Op::SetFlag:
      case Op::WaitFlag:
        if (in.flag_id >= cfg.flag_ids && err.empty())
          err = "instruction " + std::to_string(in.line) + ": flag id " + std::to_string(in.flag_id) + " >= flag_ids";
        balance[{int(in.flag_src), int(in.flag_dst), in.flag_id}] += in.op == Op::SetFlag ? 1 : -1;
        break;
      case Op::PipeBarrier:
      case Op::Scalar: break;
      default:
        if (in.bytes == 0 && err.empty()) err = "instruction " + std::to_string(in.line) + ": zero bytes";
        if (in.gm_rows > 0 && err.empty() &&
            (in.bytes % in.gm_rows != 0 || (in.gm_rows > 1 && in.gm_stride < in.bytes / in.gm_rows))) {
          err = "instruction " + std::to_string(in.line) + ": " + std::to_string(in.gm_rows) + " GM rows of " +
                std::to_string(in.bytes) + " bytes do not fit stride " + std::to_string(in.gm_stride);
        }
        if (in.src_buf != Buffer::GM) range(in, in.src_buf, in.src_off, in.bytes);
        if (in.op == Op::Vadd || in.op == Op::Vmul || in.op == Op::Vsub || in.op == Op::Vmax)
          range(in, in.src_buf, in.src1_off, in.bytes);
        if (in.dst_buf != Buffer::GM) range(in, in.dst_buf, in.dst_off, in.op == Op::Vreduce || in.op == Op::Vcast ? in.out_bytes : in.bytes);
    }
  }
  for (const auto& [key, n] : balance) {
    if (n != 0 && err.empty()) {
      err = std::string("flag ") + to_string(Pipe(std::get<0>(key))) + "->" + to_string(Pipe(std::get<1>(key))) +
            " id " + std::to_string(std::get<2>(key)) + " has " + std::to_string(n) + " more sets than waits";
    }
  }
  return err;
}

}  // namespace npusim::npu
