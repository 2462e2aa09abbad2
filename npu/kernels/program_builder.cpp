#include "npu/kernels/program_builder.hpp"


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

void ProgramBuilder::cross_set(Pipe pipe, bool to_vector, uint32_t core, uint32_t id) {
  Instruction& in = push(Op::CrossSetFlag, pipe, Buffer::None, Buffer::None);
  in.cross_vector = to_vector;
  in.cross_core = core;
  in.flag_id = id;
}

void ProgramBuilder::cross_wait(Pipe pipe, uint32_t id) {
  Instruction& in = push(Op::CrossWaitFlag, pipe, Buffer::None, Buffer::None);
  in.flag_id = id;
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

}  // namespace npusim::npu
