// One AI-core instruction as read from a core trace: a small POD. The op
// fixes the pipe and the buffers; the operands give sizes, offsets, cube
// shape/dtype, or the flag / barrier target.
#pragma once
#include <cstdint>

namespace npusim::npu {

enum class Pipe : uint8_t { S, MTE1, MTE2, MTE3, M, V, FIX };
constexpr int kNumPipes = 7;
// pipe_barrier(all)
constexpr uint8_t kAllPipes = 0xff;

enum class Op : uint8_t {
  CopyGmToL1,      // MTE2
  CopyGmToUb,      // MTE2
  CopyL1ToL0A,     // MTE1
  CopyL1ToL0B,     // MTE1
  Mmad,            // M
  Vadd,            // V
  Vmul,            // V
  FixpipeL0cToGm,  // FIX
  CopyUbToGm,      // MTE3
  SetFlag,         // on the flag's src pipe
  WaitFlag,        // on the flag's dst pipe
  PipeBarrier,     // scalar unit (issue)
  Scalar,          // S: scalar work of `cycles` cycles
  // Appended so the earlier values keep their numbering.
  Vsub,            // V: dst = src0 - src1
  Vmax,            // V: dst = max(src0, src1)
  Vexp,            // V: dst = exp(src0)
  Vcast,           // V: src0 converted into out_bytes at dst (e.g. fp32 -> bf16)
  Vreduce,         // V: row reductions of src0 into out_bytes at dst
  // Cross-core flags (Ascend C CrossCoreSetFlag / CrossCoreWaitFlag): a cube
  // core and its vector cores hand over workspace tiles. The set runs on its
  // pipe once that pipe's earlier transfers have landed and increments flag
  // `flag_id` of the target core; the wait blocks its pipe until this core's
  // flag `flag_id` is non-zero, then decrements it.
  CrossSetFlag,
  CrossWaitFlag,
};
// Cross-core flag ids per core.
constexpr uint32_t kCrossFlagIds = 16;

enum class Buffer : uint8_t { None, GM, L1, L0A, L0B, L0C, UB };
// mxfp8 is appended so the earlier values keep their numbering.
enum class DType : uint8_t { fp16, bf16, fp8, hif8, mxfp4, int8, mxfp8 };
constexpr int kNumDTypes = 7;

struct Instruction {
  Op op = Op::Scalar;
  Pipe pipe = Pipe::S;       // pipe that executes it
  uint64_t line = 0;         // trace line (for errors)
  uint64_t bytes = 0;        // transfer / vector size
  uint64_t gm_addr = 0;      // GM side of a GM transfer
  Buffer src_buf = Buffer::None, dst_buf = Buffer::None;
  uint64_t src_off = 0, src1_off = 0, dst_off = 0;
  uint32_t m = 0, k = 0, n = 0;  // mmad
  DType dtype = DType::fp16;
  Pipe flag_src = Pipe::S, flag_dst = Pipe::S;  // set_flag / wait_flag
  uint32_t flag_id = 0;
  uint8_t barrier = 0;       // pipe_barrier: a Pipe value or kAllPipes
  uint64_t cycles = 0;       // scalar
  uint64_t out_bytes = 0;    // vreduce / vcast: bytes written at dst
  // GM side of a 2-D tile transfer: gm_rows rows of bytes / gm_rows each,
  // gm_stride bytes apart (Ascend DataCopy's blockCount / stride); 0 or 1
  // rows = one contiguous range. AiCore's fixed-latency model ignores it;
  // the chip model (ChipSim) requests the rows' lines.
  uint32_t gm_rows = 0;
  uint64_t gm_stride = 0;
  // CrossSetFlag target: a vector (true) or cube core, by index.
  bool cross_vector = false;
  uint32_t cross_core = 0;
};

const char* to_string(Pipe p);
const char* to_string(Op op);
const char* to_string(Buffer b);
const char* to_string(DType d);

}  // namespace npusim::npu
