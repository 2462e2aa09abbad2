// The per-core instruction emitters of the attention lowering
// (attention_kernel.cpp): the tile geometry a plan fixes, the flag ids the
// cube and vector programs share, and the emitters that write a cube
// core's Q K^T / P V pipeline and a vector core's online softmax, update
// and decode combine. Internal to the lowering; not a public interface.
#pragma once
#include <cstdint>
#include <vector>

#include "sim/int_math.hpp"
#include "npu/core/core_config.hpp"
#include "npu/core/instruction.hpp"
#include "npu/kernels/program_builder.hpp"

namespace npusim::npu::attention_detail {

inline uint64_t l0_bytes(DType d, uint64_t rows, uint64_t cols) { return (rows * cols * dtype_bits(d) + 7) / 8; }
constexpr uint64_t kF32 = 4, kOutBytes = 2;
constexpr uint64_t kStatVectors = 8;  // row max / new max / sum / alpha / l ... of the online softmax

// L0 chunking of an (m x k) x (k x n) product whose operands sit in L1:
// A chunks m x kc and B chunks kc x nc, each ping-ponged in L0A / L0B.
struct Chunks {
  uint64_t kc = 0, nc = 0;
};

struct Geometry {
  uint64_t rows = 0, bk = 0, parts = 1, vrows = 0;  // vrows: rows of a vector core's share
  Chunks s_chunks, pv_chunks;
  // L1
  uint64_t l1_q = 0, l1_k[2] = {}, l1_v[2] = {}, l1_p[2] = {};
  // L0C
  uint64_t c_s = 0, c_o = 0;
  // UB
  uint64_t ub_s[2] = {}, ub_p[2] = {}, ub_pv = 0, ub_acc = 0, ub_out = 0, ub_stat[kStatVectors] = {};
  uint64_t ub_used = 0;
  // Workspace per cube core: two slots each of S, P and the P V partial.
  uint64_t ws_s[2] = {}, ws_p[2] = {}, ws_o[2] = {}, ws_core = 0;
};

struct Task {
  uint64_t q_addr, o_addr, k_addr, v_addr;  // k/v: first row of the task's kv range
  uint64_t rows, kv_len;
  bool partial;          // decode split: writes fp32 O + stats to part_addr
  uint64_t part_addr;
  uint32_t cube = 0;     // assigned cube core
  uint64_t block_base = 0;  // that core's block counter at the task's start (workspace slot parity)
  uint64_t comb = UINT64_MAX;  // decode split: the combine (group, head chunk) its partial feeds
};

// Flag ids. MTE2<->MTE1 (cube L1): Q 0, K 1-2, P 3-4, V 5-6. M<->FIX: S 0, O 1.
// V<->MTE2 (vector UB): S 0-1, PV 2. MTE3<->V: P 0-1, O 2. Combine region:
// MTE2->V / V->MTE3 / MTE3->MTE2 id 3.
constexpr uint32_t kQ = 0, kK = 1, kP = 3, kV = 5, kL1Ids = 7;
constexpr uint32_t kFixS = 0, kFixO = 1;
constexpr uint32_t kUbPv = 2, kUbComb = 3, kUbOut = 2;
// Cross-core flag ids (Ascend C CrossCoreSetFlag), per receiving core.
// Cube core: P of workspace slot s ready 0+s, S of slot s read 2+s, P V
// partial of slot s read 4+s. Vector core: S of slot s ready 0+s, P V
// partial of slot s ready 2+s, a decode partial for one of its combines 4.
constexpr uint32_t kXP = 0, kXFreeS = 2, kXFreeO = 4, kXS = 0, kXPv = 2, kXPart = 4;

class CubeEmitter {
 public:
  CubeEmitter(const CoreConfig& c, const Geometry& g, DType d, uint64_t hd, uint64_t ws,
              std::vector<Instruction>& out)
      : g_(g), d_(d), hd_(hd), ws_(ws), b_(out) {
    l0a_half_ = c.capacity_bytes(Buffer::L0A) / 2;
    l0b_half_ = c.capacity_bytes(Buffer::L0B) / 2;
    for (uint32_t i = 0; i < kL1Ids; ++i) b_.set_flag(Pipe::MTE1, Pipe::MTE2, i);
    for (uint32_t i = 0; i < 2; ++i) b_.set_flag(Pipe::M, Pipe::MTE1, i);
    for (uint32_t i : {kFixS, kFixO}) b_.set_flag(Pipe::FIX, Pipe::M, i);
  }
  void finish() {
    for (uint32_t i = 0; i < kL1Ids; ++i) b_.wait_flag(Pipe::MTE1, Pipe::MTE2, i);
    for (uint32_t i = 0; i < 2; ++i) b_.wait_flag(Pipe::M, Pipe::MTE1, i);
    for (uint32_t i : {kFixS, kFixO}) b_.wait_flag(Pipe::FIX, Pipe::M, i);
  }

  // `vcores`: the vector cores taking rows of this task (empty: no vector
  // cores, no cross-core hand-over).
  void task(const Task& t, const std::vector<uint32_t>& vcores) {
    load(kQ, t.q_addr, g_.l1_q, gm_bytes(d_, t.rows, hd_));
    b_.wait_flag(Pipe::MTE2, Pipe::MTE1, kQ);
    // Software pipelined as Ascend's flash-attention kernels are: S of
    // block j+1 is computed before P V of block j, so the cube works while
    // the vector cores run the softmax of block j.
    const uint64_t base = blocks_, n = ceil_div(t.kv_len, g_.bk);
    blocks_ += n;
    for (uint64_t j = 0; j < n; ++j) {
      qk(t, j, uint32_t((base + j) % 2), vcores);
      if (j > 0) pv(t, j - 1, uint32_t((base + j - 1) % 2), vcores);
    }
    if (n > 0) pv(t, n - 1, uint32_t((base + n - 1) % 2), vcores);
    b_.set_flag(Pipe::MTE1, Pipe::MTE2, kQ);
  }

  // S = Q K^T of block j, written to workspace slot `slot` for the vector cores.
  void qk(const Task& t, uint64_t j, uint32_t slot, const std::vector<uint32_t>& vcores) {
    const uint64_t rowb = gm_bytes(d_, 1, hd_), kv = std::min(g_.bk, t.kv_len - j * g_.bk);
    const uint32_t ks = uint32_t(kslot_++ % 2);
    load(kK + ks, t.k_addr + j * g_.bk * rowb, g_.l1_k[ks], gm_bytes(d_, kv, hd_));
    b_.wait_flag(Pipe::MTE2, Pipe::MTE1, kK + ks);
    b_.wait_flag(Pipe::FIX, Pipe::M, kFixS);
    mm(g_.l1_q, g_.l1_k[ks], t.rows, hd_, kv, g_.s_chunks, g_.c_s);
    b_.set_flag(Pipe::MTE1, Pipe::MTE2, kK + ks);
    // The slot's previous readers must be done with its S.
    for (uint32_t i = 0; i < s_users_[slot]; ++i) b_.cross_wait(Pipe::FIX, kXFreeS + slot);
    s_users_[slot] = uint32_t(vcores.size());
    fix(kFixS, g_.c_s, ws_ + g_.ws_s[slot], t.rows * kv * kF32);
    for (uint32_t v : vcores) b_.cross_set(Pipe::FIX, true, v, kXS + slot);
  }

  // O_j = P V of block j, P read back from the workspace once every vector
  // core has written its rows of it.
  void pv(const Task& t, uint64_t j, uint32_t slot, const std::vector<uint32_t>& vcores) {
    const uint64_t rowb = gm_bytes(d_, 1, hd_), kv = std::min(g_.bk, t.kv_len - j * g_.bk);
    const uint32_t ps = uint32_t(pslot_++ % 2), vs = uint32_t(vslot_++ % 2);
    for (size_t i = 0; i < vcores.size(); ++i) b_.cross_wait(Pipe::MTE2, kXP + slot);
    load(kP + ps, ws_ + g_.ws_p[slot], g_.l1_p[ps], gm_bytes(d_, t.rows, kv));
    load(kV + vs, t.v_addr + j * g_.bk * rowb, g_.l1_v[vs], gm_bytes(d_, kv, hd_));
    b_.wait_flag(Pipe::MTE2, Pipe::MTE1, kP + ps);
    b_.wait_flag(Pipe::MTE2, Pipe::MTE1, kV + vs);
    b_.wait_flag(Pipe::FIX, Pipe::M, kFixO);
    mm(g_.l1_p[ps], g_.l1_v[vs], t.rows, kv, hd_, g_.pv_chunks, g_.c_o);
    b_.set_flag(Pipe::MTE1, Pipe::MTE2, kP + ps);
    b_.set_flag(Pipe::MTE1, Pipe::MTE2, kV + vs);
    for (uint32_t i = 0; i < o_users_[slot]; ++i) b_.cross_wait(Pipe::FIX, kXFreeO + slot);
    o_users_[slot] = uint32_t(vcores.size());
    fix(kFixO, g_.c_o, ws_ + g_.ws_o[slot], t.rows * hd_ * kF32);
    for (uint32_t v : vcores) b_.cross_set(Pipe::FIX, true, v, kXPv + slot);
  }

  uint64_t blocks() const { return blocks_; }

 private:
  void load(uint32_t id, uint64_t gm, uint64_t l1, uint64_t bytes) {
    b_.wait_flag(Pipe::MTE1, Pipe::MTE2, id);
    b_.copy_gm_to_l1(gm, l1, bytes);
    b_.set_flag(Pipe::MTE2, Pipe::MTE1, id);
  }
  // (m x k) x (k x n) from L1 into L0C at c: n chunks outer, k chunks
  // accumulating inner, one mmad per chunk pair.
  void mm(uint64_t a_l1, uint64_t b_l1, uint64_t m, uint64_t k, uint64_t n, const Chunks& ch, uint64_t c) {
    for (uint64_t n0 = 0; n0 < n; n0 += ch.nc) {
      const uint64_t nc = std::min(ch.nc, n - n0);
      for (uint64_t k0 = 0; k0 < k; k0 += ch.kc) {
        const uint64_t kc = std::min(ch.kc, k - k0);
        const uint32_t p = uint32_t(l0_++ % 2);
        b_.wait_flag(Pipe::M, Pipe::MTE1, p);
        b_.copy_l1_to_l0a(a_l1 + l0_bytes(d_, m, k0), p * l0a_half_, l0_bytes(d_, m, kc));
        b_.copy_l1_to_l0b(b_l1 + l0_bytes(d_, n0, k) + l0_bytes(d_, nc, k0), p * l0b_half_, l0_bytes(d_, kc, nc));
        b_.set_flag(Pipe::MTE1, Pipe::M, p);
        b_.wait_flag(Pipe::MTE1, Pipe::M, p);
        b_.mmad(uint32_t(m), uint32_t(kc), uint32_t(nc), d_, p * l0a_half_, p * l0b_half_, c + m * n0 * kF32);
        b_.set_flag(Pipe::M, Pipe::MTE1, p);
      }
    }
  }
  void fix(uint32_t id, uint64_t l0c, uint64_t gm, uint64_t bytes) {
    b_.set_flag(Pipe::M, Pipe::FIX, id);
    b_.wait_flag(Pipe::M, Pipe::FIX, id);
    b_.fixpipe(l0c, gm, bytes);
    b_.set_flag(Pipe::FIX, Pipe::M, id);
  }

  const Geometry& g_;
  DType d_;
  uint64_t hd_, ws_;
  uint64_t l0a_half_ = 0, l0b_half_ = 0;
  ProgramBuilder b_;
  uint64_t blocks_ = 0, kslot_ = 0, pslot_ = 0, vslot_ = 0, l0_ = 0;
  // Vector cores that read each workspace slot's S / P V partial last.
  uint32_t s_users_[2] = {0, 0}, o_users_[2] = {0, 0};
};

class VectorEmitter {
 public:
  // `sync`: hand tiles over with cross-core flags (false when there are no
  // vector cores to pair with); combiner_of: combine index -> vector core.
  VectorEmitter(const Geometry& g, DType d, uint64_t hd, std::vector<Instruction>& out, bool sync,
                std::function<uint32_t(uint64_t)> combiner_of)
      : g_(g), d_(d), hd_(hd), b_(out), sync_(sync), combiner_of_(std::move(combiner_of)) {
    for (uint32_t i : {0u, 1u, kUbPv}) b_.set_flag(Pipe::V, Pipe::MTE2, i);
    for (uint32_t i : {0u, 1u, kUbOut}) b_.set_flag(Pipe::MTE3, Pipe::V, i);
    b_.set_flag(Pipe::MTE3, Pipe::MTE2, kUbComb);
  }
  void finish() {
    for (uint32_t i : {0u, 1u, kUbPv}) b_.wait_flag(Pipe::V, Pipe::MTE2, i);
    for (uint32_t i : {0u, 1u, kUbOut}) b_.wait_flag(Pipe::MTE3, Pipe::V, i);
    b_.wait_flag(Pipe::MTE3, Pipe::MTE2, kUbComb);
  }

  // Rows [r0, r0 + r) of a cube task whose workspace is at ws.
  void part(const Task& t, uint64_t ws, uint64_t r0, uint64_t r) {
    // Pipelined like the cube side: the softmax of block j+1 runs before
    // the O update of block j, whose P V partial the cube produces
    // meanwhile.
    const uint64_t n = ceil_div(t.kv_len, g_.bk);
    for (uint64_t j = 0; j < n; ++j) {
      softmax(t, ws, r0, r, j);
      if (j > 0) update(t, ws, r0, r, j - 1);
    }
    if (n > 0) update(t, ws, r0, r, n - 1);
    // O / l, then out: bf16 rows of O, or an fp32 partial + (max, sum) per
    // row for a decode split.
    const uint64_t ob = r * hd_ * kF32;
    b_.vec(Op::Vmul, g_.ub_acc, g_.ub_acc, g_.ub_acc, ob);
    const uint64_t out = t.partial ? r * (hd_ * kF32 + 2 * kF32) : r * hd_ * kOutBytes;
    const uint64_t gm = t.partial ? t.part_addr + r0 * (hd_ * kF32 + 2 * kF32) : t.o_addr + r0 * hd_ * kOutBytes;
    emit_out(ob, out, gm);
    // A decode partial announces itself to the vector core that combines it.
    if (sync_ && t.partial) b_.cross_set(Pipe::MTE3, true, combiner_of_(t.comb), kXPart);
  }

  // Merges the `splits` decode partials of `rows` rows (split-major at gm,
  // `rows` rows per split) into bf16 O at o, `chunk` rows at a time so the
  // splits of a chunk fit UB at ub_comb.
  // `writers`: how many partial writes (split x vector-core part) feed it.
  void combine(uint64_t gm, uint64_t splits, uint64_t rows, uint64_t chunk, uint64_t o, uint64_t ub_comb,
               uint64_t writers) {
    const uint64_t part_row = hd_ * kF32 + 2 * kF32;
    if (sync_)
      for (uint64_t i = 0; i < writers; ++i) b_.cross_wait(Pipe::MTE2, kXPart);
    for (uint64_t r0 = 0; r0 < rows; r0 += chunk) {
      const uint64_t rc = std::min(chunk, rows - r0);
      b_.wait_flag(Pipe::MTE3, Pipe::MTE2, kUbComb);
      b_.copy_gm_to_ub(gm + r0 * part_row, ub_comb, splits * rc * part_row, uint32_t(splits), rows * part_row);
      b_.set_flag(Pipe::MTE2, Pipe::V, kUbComb);
      b_.wait_flag(Pipe::MTE2, Pipe::V, kUbComb);
      const uint64_t stats = splits * rc * kF32, vals = splits * rc * hd_ * kF32, out = rc * hd_ * kOutBytes;
      b_.vec(Op::Vreduce, ub_comb, ub_comb, 0, stats, rc * kF32);        // global max
      b_.vec(Op::Vsub, ub_comb, ub_comb, ub_comb, stats);                // split max - global max
      b_.vec(Op::Vexp, ub_comb, ub_comb, 0, stats);                      // split weights
      b_.vec(Op::Vmul, ub_comb, ub_comb, ub_comb, vals);                 // weight the partials
      b_.vec(Op::Vreduce, ub_comb, ub_comb, 0, vals, rc * hd_ * kF32);   // sum over splits
      b_.vec(Op::Vcast, ub_comb, ub_comb, 0, rc * hd_ * kF32, out);
      b_.set_flag(Pipe::V, Pipe::MTE3, kUbComb);
      b_.wait_flag(Pipe::V, Pipe::MTE3, kUbComb);
      b_.copy_ub_to_gm(ub_comb, o + r0 * hd_ * kOutBytes, out);
      b_.set_flag(Pipe::MTE3, Pipe::MTE2, kUbComb);
    }
  }

 private:
  // Online softmax of block j: S in, P out.
  void softmax(const Task& t, uint64_t ws, uint64_t r0, uint64_t r, uint64_t j) {
    const uint64_t* st = g_.ub_stat;  // 0 row max, 1 new max, 2 old max, 3 row sum, 4 alpha, 5 l
    const uint64_t sv = r * kF32;
    const uint64_t kv = std::min(g_.bk, t.kv_len - j * g_.bk);
    const uint32_t slot = uint32_t((t.block_base + j) % 2);
    const uint32_t us = uint32_t(ub_++ % 2);
    const uint64_t sb = r * kv * kF32;
    b_.wait_flag(Pipe::V, Pipe::MTE2, us);
    if (sync_) b_.cross_wait(Pipe::MTE2, kXS + slot);
    b_.copy_gm_to_ub(ws + g_.ws_s[slot] + r0 * kv * kF32, g_.ub_s[us], sb);
    if (sync_) b_.cross_set(Pipe::MTE2, false, t.cube, kXFreeS + slot);
    b_.set_flag(Pipe::MTE2, Pipe::V, us);
    b_.wait_flag(Pipe::MTE2, Pipe::V, us);
    // Online softmax. Row-broadcast operands (the new max, alpha) are
    // passed as the tile itself: the core model has no broadcast form and
    // costs a vector op by the bytes it streams either way.
    b_.vec(Op::Vreduce, st[0], g_.ub_s[us], 0, sb, sv);
    b_.vec(Op::Vmax, st[1], st[2], st[0], sv);
    b_.vec(Op::Vsub, g_.ub_s[us], g_.ub_s[us], g_.ub_s[us], sb);
    b_.vec(Op::Vexp, g_.ub_s[us], g_.ub_s[us], 0, sb);
    b_.vec(Op::Vreduce, st[3], g_.ub_s[us], 0, sb, sv);
    b_.vec(Op::Vsub, st[4], st[2], st[1], sv);
    b_.vec(Op::Vexp, st[4], st[4], 0, sv);
    b_.vec(Op::Vmul, st[5], st[5], st[4], sv);
    b_.vec(Op::Vadd, st[5], st[5], st[3], sv);
    b_.wait_flag(Pipe::MTE3, Pipe::V, us);
    b_.vec(Op::Vcast, g_.ub_p[us], g_.ub_s[us], 0, sb, gm_bytes(d_, r, kv));
    b_.set_flag(Pipe::V, Pipe::MTE2, us);
    b_.set_flag(Pipe::V, Pipe::MTE3, us);
    b_.wait_flag(Pipe::V, Pipe::MTE3, us);
    b_.copy_ub_to_gm(g_.ub_p[us], ws + g_.ws_p[slot] + gm_bytes(d_, r0, kv), gm_bytes(d_, r, kv));
    if (sync_) b_.cross_set(Pipe::MTE3, false, t.cube, kXP + slot);
    b_.set_flag(Pipe::MTE3, Pipe::V, us);
  }

  // O = O * alpha + P V of block j.
  void update(const Task& t, uint64_t ws, uint64_t r0, uint64_t r, uint64_t j) {
    const uint32_t slot = uint32_t((t.block_base + j) % 2);
    // O = O * alpha + P V.
    const uint64_t ob = r * hd_ * kF32;
    b_.wait_flag(Pipe::V, Pipe::MTE2, kUbPv);
    if (sync_) b_.cross_wait(Pipe::MTE2, kXPv + slot);
    b_.copy_gm_to_ub(ws + g_.ws_o[slot] + r0 * hd_ * kF32, g_.ub_pv, ob);
    if (sync_) b_.cross_set(Pipe::MTE2, false, t.cube, kXFreeO + slot);
    b_.set_flag(Pipe::MTE2, Pipe::V, kUbPv);
    b_.wait_flag(Pipe::MTE2, Pipe::V, kUbPv);
    b_.vec(Op::Vmul, g_.ub_acc, g_.ub_acc, g_.ub_acc, ob);
    b_.vec(Op::Vadd, g_.ub_acc, g_.ub_acc, g_.ub_pv, ob);
    b_.set_flag(Pipe::V, Pipe::MTE2, kUbPv);
  }

  void emit_out(uint64_t in_bytes, uint64_t out_bytes, uint64_t gm) {
    b_.wait_flag(Pipe::MTE3, Pipe::V, kUbOut);
    b_.vec(Op::Vcast, g_.ub_out, g_.ub_acc, 0, in_bytes, out_bytes);
    b_.set_flag(Pipe::V, Pipe::MTE3, kUbOut);
    b_.wait_flag(Pipe::V, Pipe::MTE3, kUbOut);
    b_.copy_ub_to_gm(g_.ub_out, gm, out_bytes);
    b_.set_flag(Pipe::MTE3, Pipe::V, kUbOut);
  }

  const Geometry& g_;
  DType d_;
  uint64_t hd_;
  ProgramBuilder b_;
  bool sync_;
  std::function<uint32_t(uint64_t)> combiner_of_;
  uint64_t ub_ = 0;
};

}  // namespace npusim::npu::attention_detail
