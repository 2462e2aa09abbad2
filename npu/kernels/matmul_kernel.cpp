#include "npu/kernels/matmul_kernel.hpp"

#include <algorithm>
#include <numeric>

#include "sim/errors.hpp"
#include "sim/int_math.hpp"
#include "npu/kernels/program_builder.hpp"

namespace npusim::npu {

namespace {

constexpr uint64_t kGiB = uint64_t(1) << 30;
constexpr uint64_t kOutBytes = 2;  // C in GM is bf16

void validate(const ChipConfig& chip, const MatmulSpec& s) {
  require_dim("op.batch", s.batch);
  require_dim("op.m", s.m);
  require_dim("op.n", s.n);
  require_dim("op.k", s.k);
  require_cube_dtype(chip, s.dtype, "op.dtype");
  if (chip.cube_cores == 0) throw ConfigError("chip.cube_cores: matmul needs at least 1 cube core, got 0");
}

// K granularity of a base step: whole cube fractals, and whole 32-element
// scale blocks for MX so tile boundaries never split a block.
uint64_t k_align(const CoreConfig& c, DType d) {
  uint64_t a = std::lcm(uint64_t(c.cube_k), uint64_t(16));
  return is_mx(d) ? std::lcm(a, uint64_t(32)) : a;
}

// Elements' bytes in L0 (no MX scales; they live in their own scale buffer).
uint64_t l0_bytes(DType d, uint64_t rows, uint64_t cols) { return (rows * cols * dtype_bits(d) + 7) / 8; }

struct Candidate {
  MatmulTiling t;
  double cost = 0;
};

}  // namespace

MatmulTiling choose_matmul_tiling(const ChipConfig& chip, const MatmulSpec& s) {
  validate(chip, s);
  const CoreConfig& c = chip.core;
  const uint64_t l0a = c.capacity_bytes(Buffer::L0A), l0b = c.capacity_bytes(Buffer::L0B);
  const uint64_t l0c = c.capacity_bytes(Buffer::L0C), l1 = c.capacity_bytes(Buffer::L1);
  const uint64_t kal = k_align(c, s.dtype);
  const uint64_t kpad = round_up(s.k, kal);
  const double mult = cube_multiplier(c, s.dtype);
  const double lat = c.gm_latency_cycles;

  // Score every (baseM, baseN) by an estimate of the busiest core's time so
  // that a small shape trades tile reuse for more cores, and a single L0C
  // buffer (FIX cannot overlap the next tile) is charged its FIX time.
  std::vector<uint64_t> sizes_m, sizes_n;
  for (uint64_t v : {16, 32, 64, 128, 256}) {
    uint64_t bm = std::min(v, round_up(s.m, 16)), bn = std::min(v, round_up(s.n, 16));
    if (std::find(sizes_m.begin(), sizes_m.end(), bm) == sizes_m.end()) sizes_m.push_back(bm);
    if (std::find(sizes_n.begin(), sizes_n.end(), bn) == sizes_n.end()) sizes_n.push_back(bn);
  }
  bool found = false;
  Candidate best;
  for (uint64_t bm : sizes_m) {
    for (uint64_t bn : sizes_n) {
      const uint64_t cbytes = bm * bn * 4;
      if (cbytes > l0c) continue;
      MatmulTiling t;
      t.base_m = uint32_t(bm);
      t.base_n = uint32_t(bn);
      t.l0c_buffers = 2 * cbytes <= l0c ? 2 : 1;
      uint64_t bk = 0;
      for (uint64_t k = kal; k <= kpad; k += kal) {
        if (2 * l0_bytes(s.dtype, bm, k) > l0a || 2 * l0_bytes(s.dtype, k, bn) > l0b) break;
        bk = k;
      }
      if (bk == 0) continue;
      uint64_t step = 0;
      for (uint64_t k = bk; k <= round_up(kpad, bk); k += bk) {
        if (2 * (gm_bytes(s.dtype, bm, k) + gm_bytes(s.dtype, bn, k)) > l1) break;
        step = k;
      }
      if (step == 0) continue;
      // Even stages: the same count of stages with the least padding.
      const uint64_t stages = ceil_div(s.k, step);
      step = std::min(step, round_up(ceil_div(s.k, stages), bk));
      t.base_k = uint32_t(bk);
      t.step_k = uint32_t(step);
      t.k_stages = stages;
      t.tiles_m = ceil_div(s.m, bm);
      t.tiles_n = ceil_div(s.n, bn);
      const uint64_t tiles = s.batch * t.tiles_m * t.tiles_n;
      t.cores_used = uint32_t(std::min<uint64_t>(tiles, chip.cube_cores));
      const double waves = double(ceil_div(tiles, chip.cube_cores));
      const uint64_t mc = std::min(bm, s.m), nc = std::min(bn, s.n);
      const double cube = double(ceil_div(mc, c.cube_m) * ceil_div(nc, c.cube_n) * ceil_div(kpad, c.cube_k)) / mult;
      const double mte2 = double(stages) * 2 * lat +
                          double(gm_bytes(s.dtype, mc, s.k) + gm_bytes(s.dtype, nc, s.k)) / c.mte2_bytes_per_cycle;
      const double mte1 = double(l0_bytes(s.dtype, mc + nc, kpad)) / c.mte1_bytes_per_cycle;
      const double fix = lat + double(mc * nc * kOutBytes) / c.fix_bytes_per_cycle;
      const double per_tile = std::max({cube, mte2, mte1}) + (t.l0c_buffers == 1 ? fix : 0.0);
      Candidate cand{t, waves * per_tile + mte2 / double(stages) + fix};
      const uint64_t area = bm * bn, best_area = uint64_t(best.t.base_m) * best.t.base_n;
      if (!found || cand.cost < best.cost * 0.99 || (cand.cost <= best.cost * 1.01 && area > best_area)) {
        best = cand;
        found = true;
      }
    }
  }
  if (!found) {
    throw ConfigError("op: matmul " + std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) +
                      " " + to_string(s.dtype) + " cannot be tiled for " + chip.name +
                      "'s buffers (L0A/L0B/L0C/L1 too small for one 16x16 tile)");
  }
  return best.t;
}

namespace {

// GM layout: A, B and C each start on their own 1 GiB boundary, row-major
// as stored (transposes respected), batches back to back.
struct Layout {
  uint64_t a_base = 0, b_base = 0, c_base = 0;
  uint64_t a_batch = 0, b_batch = 0, c_batch = 0;
};

Layout layout_of(const MatmulSpec& s) {
  Layout l;
  l.a_batch = gm_bytes(s.dtype, s.m, s.k);
  l.b_batch = gm_bytes(s.dtype, s.n, s.k);
  l.c_batch = s.m * s.n * kOutBytes;
  l.a_base = 0;
  l.b_base = round_up(std::max<uint64_t>(s.batch * l.a_batch, 1), kGiB);
  l.c_base = l.b_base + round_up(std::max<uint64_t>(s.batch * l.b_batch, 1), kGiB);
  return l;
}

// GM view of an (r0, k0, rc x kc) tile of an operand whose contraction
// dimension is K; `rows` is the operand's non-K extent. Stored K-contiguous
// (A, or B transposed) a stored row is a K row; stored K-strided (A
// transposed, or B) it runs along the non-K dimension. The row geometry is
// left out (contiguous) where MX scale bytes make rows uneven.
struct TileView {
  uint64_t addr;
  uint32_t rows;
  uint64_t stride;
};

// MX operands are always stored K-contiguous: OCP MX shares one scale per 32
// elements along the contraction dimension, so an MX matrix is laid out
// K-major whatever the transpose flags say (callers pass k_contiguous=true).
TileView operand_tile(DType d, bool k_contiguous, uint64_t rows, uint64_t k, uint64_t r0, uint64_t k0, uint64_t rc,
                      uint64_t kc) {
  const uint64_t bytes = gm_bytes(d, rc, kc);
  if (k_contiguous) return {r0 * gm_bytes(d, 1, k) + gm_bytes(d, 1, k0), uint32_t(rc), gm_bytes(d, 1, k)};
  const uint64_t row = (rc * dtype_bits(d)) / 8;
  const bool even = !is_mx(d) && row * kc == bytes;
  return {k0 * gm_bytes(d, 1, rows) + (r0 * dtype_bits(d)) / 8, even ? uint32_t(kc) : 0,
          even ? gm_bytes(d, 1, rows) : 0};
}

constexpr uint32_t kL1Slots = 2, kL0Slots = 2;

class MatmulEmitter {
 public:
  MatmulEmitter(const CoreConfig& c, const MatmulSpec& s, const MatmulTiling& t, const Layout& l,
                std::vector<Instruction>& out)
      : c_(c), s_(s), t_(t), l_(l), b_(out) {
    a_slot_ = gm_bytes(s.dtype, t.base_m, t.step_k);
    b_slot_ = gm_bytes(s.dtype, t.base_n, t.step_k);
    l0a_half_ = c.capacity_bytes(Buffer::L0A) / 2;
    l0b_half_ = c.capacity_bytes(Buffer::L0B) / 2;
    c_tile_ = uint64_t(t.base_m) * t.base_n * 4;
  }

  struct Stage {
    uint64_t batch, m0, n0, mc, nc, k0, kc;
    bool first, last;  // first / last K stage of its tile
  };

  void run(const std::vector<uint64_t>& tiles) {
    // Every buffer starts free: pre-set the "free" flags the first uses wait
    // for; the epilogue consumes what is left so no flag leaks.
    for (uint32_t i = 0; i < kL1Slots; ++i) b_.set_flag(Pipe::MTE1, Pipe::MTE2, i);
    for (uint32_t i = 0; i < kL0Slots; ++i) b_.set_flag(Pipe::M, Pipe::MTE1, i);
    for (uint32_t i = 0; i < t_.l0c_buffers; ++i) b_.set_flag(Pipe::FIX, Pipe::M, i);

    std::vector<Stage> stages;
    stages.reserve(tiles.size() * t_.k_stages);
    for (uint64_t tile : tiles) {
      const uint64_t per_batch = t_.tiles_m * t_.tiles_n;
      const uint64_t batch = tile / per_batch, im = (tile % per_batch) / t_.tiles_n, in = tile % t_.tiles_n;
      const uint64_t m0 = im * t_.base_m, n0 = in * t_.base_n;
      const uint64_t mc = std::min<uint64_t>(t_.base_m, s_.m - m0), nc = std::min<uint64_t>(t_.base_n, s_.n - n0);
      for (uint64_t k0 = 0; k0 < s_.k; k0 += t_.step_k) {
        const uint64_t kc = std::min<uint64_t>(t_.step_k, s_.k - k0);
        stages.push_back({batch, m0, n0, mc, nc, k0, kc, k0 == 0, k0 + kc >= s_.k});
      }
    }
    // Software pipelining: stage i+1's GM loads are issued ahead of stage
    // i's compute, so in-order issue never holds a prefetch behind a full
    // M queue.
    if (!stages.empty()) load(stages[0], 0);
    for (size_t i = 0; i < stages.size(); ++i) {
      if (i + 1 < stages.size()) load(stages[i + 1], uint32_t((i + 1) % kL1Slots));
      compute(stages[i], uint32_t(i % kL1Slots));
    }

    for (uint32_t i = 0; i < kL1Slots; ++i) b_.wait_flag(Pipe::MTE1, Pipe::MTE2, i);
    for (uint32_t i = 0; i < kL0Slots; ++i) b_.wait_flag(Pipe::M, Pipe::MTE1, i);
    for (uint32_t i = 0; i < t_.l0c_buffers; ++i) b_.wait_flag(Pipe::FIX, Pipe::M, i);
  }

 private:
  uint64_t l1_a(uint32_t slot) const { return slot * (a_slot_ + b_slot_); }
  uint64_t l1_b(uint32_t slot) const { return l1_a(slot) + a_slot_; }

  void load(const Stage& st, uint32_t slot) {
    const DType d = s_.dtype;
    b_.wait_flag(Pipe::MTE1, Pipe::MTE2, slot);
    const TileView a = operand_tile(d, !s_.trans_a || is_mx(d), s_.m, s_.k, st.m0, st.k0, st.mc, st.kc);
    const TileView bb = operand_tile(d, s_.trans_b || is_mx(d), s_.n, s_.k, st.n0, st.k0, st.nc, st.kc);
    b_.copy_gm_to_l1(l_.a_base + st.batch * l_.a_batch + a.addr, l1_a(slot), gm_bytes(d, st.mc, st.kc), a.rows,
                     a.stride);
    b_.copy_gm_to_l1(l_.b_base + st.batch * l_.b_batch + bb.addr, l1_b(slot), gm_bytes(d, st.nc, st.kc), bb.rows,
                     bb.stride);
    b_.set_flag(Pipe::MTE2, Pipe::MTE1, slot);
  }

  void compute(const Stage& st, uint32_t slot) {
    const DType d = s_.dtype;
    const uint32_t cbuf = uint32_t(tile_count_ % t_.l0c_buffers);
    b_.wait_flag(Pipe::MTE2, Pipe::MTE1, slot);
    if (st.first) b_.wait_flag(Pipe::FIX, Pipe::M, cbuf);
    for (uint64_t k1 = 0; k1 < st.kc; k1 += t_.base_k) {
      const uint64_t kc = std::min<uint64_t>(t_.base_k, st.kc - k1);
      const uint32_t p = uint32_t(l0_count_++ % kL0Slots);
      b_.wait_flag(Pipe::M, Pipe::MTE1, p);
      b_.copy_l1_to_l0a(l1_a(slot) + gm_bytes(d, st.mc, k1), p * l0a_half_, l0_bytes(d, st.mc, kc));
      b_.copy_l1_to_l0b(l1_b(slot) + gm_bytes(d, st.nc, k1), p * l0b_half_, l0_bytes(d, kc, st.nc));
      b_.set_flag(Pipe::MTE1, Pipe::M, p);
      b_.wait_flag(Pipe::MTE1, Pipe::M, p);
      b_.mmad(uint32_t(st.mc), uint32_t(kc), uint32_t(st.nc), d, p * l0a_half_, p * l0b_half_, cbuf * c_tile_);
      b_.set_flag(Pipe::M, Pipe::MTE1, p);
    }
    b_.set_flag(Pipe::MTE1, Pipe::MTE2, slot);
    if (st.last) {
      b_.set_flag(Pipe::M, Pipe::FIX, cbuf);
      b_.wait_flag(Pipe::M, Pipe::FIX, cbuf);
      const uint64_t gm = l_.c_base + st.batch * l_.c_batch + (st.m0 * s_.n + st.n0) * kOutBytes;
      b_.fixpipe(cbuf * c_tile_, gm, st.mc * st.nc * kOutBytes, uint32_t(st.mc), s_.n * kOutBytes);
      b_.set_flag(Pipe::FIX, Pipe::M, cbuf);
      ++tile_count_;
    }
  }

  const CoreConfig& c_;
  const MatmulSpec& s_;
  const MatmulTiling& t_;
  const Layout& l_;
  ProgramBuilder b_;
  uint64_t a_slot_ = 0, b_slot_ = 0, l0a_half_ = 0, l0b_half_ = 0, c_tile_ = 0;
  uint64_t tile_count_ = 0, l0_count_ = 0;
};

}  // namespace

KernelPlan lower_matmul(const ChipConfig& chip, const MatmulSpec& s) {
  const MatmulTiling t = choose_matmul_tiling(chip, s);
  const Layout l = layout_of(s);
  KernelPlan plan;
  plan.op = s.batch > 1 ? "batched_matmul" : "matmul";
  plan.dtype = s.dtype;
  plan.flops = 2.0 * double(s.batch) * double(s.m) * double(s.n) * double(s.k);
  plan.footprint_bytes = s.batch * (l.a_batch + l.b_batch + l.c_batch);
  plan.write_footprint_bytes = s.batch * l.c_batch;

  const uint64_t tiles = s.batch * t.tiles_m * t.tiles_n;
  std::vector<std::vector<uint64_t>> per_core(t.cores_used);
  for (uint64_t i = 0; i < tiles; ++i) per_core[i % t.cores_used].push_back(i);
  const uint64_t steps_per_stage = ceil_div(t.step_k, t.base_k);
  for (uint32_t core = 0; core < t.cores_used; ++core) {
    CoreProgram cp{CoreKind::Cube, core, {}};
    cp.program.reserve(16 + per_core[core].size() * t.k_stages * (8 + 7 * steps_per_stage) + 4);
    MatmulEmitter(chip.core, s, t, l, cp.program).run(per_core[core]);
    plan.programs.push_back(std::move(cp));
  }
  tally_gm_traffic(plan);
  plan.tiling = json{{"base_m", t.base_m},
                     {"base_n", t.base_n},
                     {"base_k", t.base_k},
                     {"step_k", t.step_k},
                     {"tiles_m", t.tiles_m},
                     {"tiles_n", t.tiles_n},
                     {"tiles", tiles},
                     {"k_stages", t.k_stages},
                     {"cores_used", t.cores_used},
                     {"distribution", "round_robin"},
                     {"l1_double_buffer", true},
                     {"l0_double_buffer", true},
                     {"l0c_buffers", t.l0c_buffers},
                     {"output_dtype", "bf16"},
                     {"gm_layout", {{"a", l.a_base}, {"b", l.b_base}, {"c", l.c_base}}}};
  if (t.cores_used < chip.cube_cores) {
    plan.tiling["notes"] = json::array({"fewer output tiles than cube cores: " + std::to_string(chip.cube_cores - t.cores_used) +
                                        " cores idle (split-K is not implemented)"});
  }
  return plan;
}

}  // namespace npusim::npu
