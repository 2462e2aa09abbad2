#include "npu/kernels/program_check.hpp"

#include <map>
#include <tuple>

#include "npu/core/core_trace.hpp"

namespace npusim::npu {

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
      case Op::CrossSetFlag:
      case Op::CrossWaitFlag:
        if (in.flag_id >= kCrossFlagIds && err.empty())
          err = "instruction " + std::to_string(in.line) + ": cross-core flag id " + std::to_string(in.flag_id) +
                " >= " + std::to_string(kCrossFlagIds);
        break;
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
