#include "npu/kernels/vector_kernel.hpp"

#include <algorithm>

#include "sim/errors.hpp"
#include "sim/int_math.hpp"
#include "npu/kernels/program_builder.hpp"

namespace npusim::npu {

namespace {

constexpr uint64_t kGiB = uint64_t(1) << 30;
constexpr uint64_t kBlock = 32;     // UB block / smallest GM write
constexpr uint64_t kAccBytes = 1024;  // UB kept for reduction accumulators
constexpr uint32_t kSlots = 2;

}  // namespace

KernelPlan lower_elementwise(const ChipConfig& chip, const ElementwiseSpec& s) {
  require_dim("op.elements", s.elements, uint64_t(1) << 40);
  const bool reduce = s.kind == "reduce_sum";
  if (!reduce && s.kind != "add" && s.kind != "mul")
    throw ConfigError("op.kind: expected one of add, mul, reduce_sum, got '" + s.kind + "'");
  if (is_mx(s.dtype))
    throw ConfigError(std::string("op.dtype: ") + to_string(s.dtype) +
                      " is not supported by elementwise kernels; expected one of fp16, bf16, fp8, hif8, int8");
  if (chip.vector_cores == 0)
    throw ConfigError("chip.vector_cores: " + s.kind + " runs on vector cores and " + chip.name + " has 0");

  const CoreConfig& c = chip.core;
  const uint64_t eb = dtype_bits(s.dtype) / 8;
  const uint64_t inputs = reduce ? 1 : 2;
  const uint64_t ub = c.capacity_bytes(Buffer::UB);
  // The second input sits half a bank-group sweep (16 groups x 32 B / 2)
  // past the first, so the two sources of a repeat read disjoint bank groups
  // (no read/read bank conflict, CoreConfig::ub_bank_groups).
  const uint64_t stagger = reduce ? 0 : uint64_t(c.ub_bank_groups) * c.ub_block_bytes / 2;
  // Largest 512 B-aligned tile with every input ping-ponged.
  uint64_t tile_bytes =
      ((ub - (reduce ? kAccBytes : 0) - std::min<uint64_t>(ub, kSlots * stagger)) / (kSlots * inputs)) / 512 * 512;
  if (tile_bytes == 0) throw ConfigError("chip.core.ub_kib: too small to double-buffer a 512-byte tile");
  const uint64_t tile_elems = tile_bytes / eb;
  // Chunks aligned to 512 B so every core's range starts on a block.
  const uint64_t chunk = round_up(ceil_div(s.elements, chip.vector_cores), 512 / eb);
  const uint32_t cores = uint32_t(ceil_div(s.elements, chunk));

  const uint64_t bytes = s.elements * eb;
  const uint64_t x_base = 0, y_base = round_up(bytes, kGiB);
  const uint64_t z_base = reduce ? y_base : y_base + round_up(bytes, kGiB);

  KernelPlan plan;
  plan.op = reduce ? "reduction" : "elementwise";
  plan.dtype = s.dtype;
  plan.flops = double(s.elements);
  plan.footprint_bytes = reduce ? bytes + cores * kBlock : 3 * bytes;
  plan.write_footprint_bytes = reduce ? cores * kBlock : bytes;
  // After a tile's op the slot is free again once (add/mul) MTE3 has
  // written it out, or (reduce) V has folded it into the accumulator.
  const Pipe freer = reduce ? Pipe::V : Pipe::MTE3;
  const uint64_t acc = ub - kAccBytes, tmp = acc + kBlock;
  for (uint32_t core = 0; core < cores; ++core) {
    CoreProgram cp{CoreKind::Vector, core, {}};
    ProgramBuilder b(cp.program);
    const uint64_t e0 = uint64_t(core) * chunk, e1 = std::min(s.elements, e0 + chunk);
    const uint64_t tiles = ceil_div(e1 - e0, tile_elems);
    cp.program.reserve(tiles * 12 + 16);
    for (uint32_t i = 0; i < kSlots; ++i) b.set_flag(freer, Pipe::MTE2, i);
    auto slot_x = [&](uint64_t t) { return (t % kSlots) * (inputs * tile_bytes + stagger); };
    auto load = [&](uint64_t t) {
      const uint32_t slot = uint32_t(t % kSlots);
      const uint64_t off = (e0 + t * tile_elems) * eb, n = std::min(tile_elems, e1 - e0 - t * tile_elems) * eb;
      b.wait_flag(freer, Pipe::MTE2, slot);
      b.copy_gm_to_ub(x_base + off, slot_x(t), n);
      if (!reduce) b.copy_gm_to_ub(y_base + off, slot_x(t) + tile_bytes + stagger, n);
      b.set_flag(Pipe::MTE2, Pipe::V, slot);
    };
    if (tiles > 0) load(0);
    for (uint64_t t = 0; t < tiles; ++t) {
      if (t + 1 < tiles) load(t + 1);
      const uint32_t slot = uint32_t(t % kSlots);
      const uint64_t off = (e0 + t * tile_elems) * eb, n = std::min(tile_elems, e1 - e0 - t * tile_elems) * eb;
      b.wait_flag(Pipe::MTE2, Pipe::V, slot);
      if (reduce) {
        b.vec(Op::Vreduce, tmp, slot_x(t), 0, n, kBlock);
        b.vec(Op::Vadd, acc, acc, tmp, kBlock);
        b.set_flag(Pipe::V, Pipe::MTE2, slot);
      } else {
        b.vec(s.kind == "add" ? Op::Vadd : Op::Vmul, slot_x(t), slot_x(t), slot_x(t) + tile_bytes + stagger, n);
        b.set_flag(Pipe::V, Pipe::MTE3, slot);
        b.wait_flag(Pipe::V, Pipe::MTE3, slot);
        b.copy_ub_to_gm(slot_x(t), z_base + off, n);
        b.set_flag(Pipe::MTE3, Pipe::MTE2, slot);
      }
    }
    if (reduce) {
      b.set_flag(Pipe::V, Pipe::MTE3, 0);
      b.wait_flag(Pipe::V, Pipe::MTE3, 0);
      b.copy_ub_to_gm(acc, z_base + core * kBlock, kBlock);
    }
    for (uint32_t i = 0; i < kSlots; ++i) b.wait_flag(freer, Pipe::MTE2, i);
    plan.programs.push_back(std::move(cp));
  }
  tally_gm_traffic(plan);
  plan.tiling = json{{"tile_bytes", tile_bytes},    {"tile_elements", tile_elems}, {"chunk_elements", chunk},
                     {"cores_used", cores},         {"ub_double_buffer", true},    {"inputs", inputs},
                     {"kind", s.kind},              {"distribution", "contiguous"}};
  if (reduce) plan.tiling["notes"] = "per-core partial sums are written to GM; combining them is not lowered";
  return plan;
}

}  // namespace npusim::npu
