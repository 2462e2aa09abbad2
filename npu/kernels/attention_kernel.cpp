#include "npu/kernels/attention_kernel.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <optional>
#include <queue>

#include "models/sim/errors.hpp"
#include "models/sim/int_math.hpp"
#include "npu/kernels/program_builder.hpp"

namespace npusim::npu {

namespace {

uint64_t l0_bytes(DType d, uint64_t rows, uint64_t cols) { return (rows * cols * dtype_bits(d) + 7) / 8; }
constexpr uint64_t kGiB = uint64_t(1) << 30;
constexpr uint64_t kF32 = 4, kOutBytes = 2;
constexpr uint64_t kStatVectors = 8;  // row max / new max / sum / alpha / l ... of the online softmax

// Bump allocation of one on-chip buffer, 32-byte aligned.
struct Bump {
  uint64_t top = 0;
  uint64_t take(uint64_t bytes) {
    const uint64_t o = top;
    top += round_up(bytes, 32);
    return o;
  }
};

// L0 chunking of an (m x k) x (k x n) product whose operands sit in L1:
// A chunks m x kc and B chunks kc x nc, each ping-ponged in L0A / L0B.
struct Chunks {
  uint64_t kc = 0, nc = 0;
};

std::optional<Chunks> chunks_for(const CoreConfig& c, DType d, uint64_t m, uint64_t k, uint64_t n) {
  const uint64_t al = is_mx(d) ? 32 : 16;
  const uint64_t l0a = c.capacity_bytes(Buffer::L0A), l0b = c.capacity_bytes(Buffer::L0B);
  Chunks ch;
  for (uint64_t kc = al; kc <= round_up(k, al); kc += al) {
    if (2 * l0_bytes(d, m, kc) > l0a || 2 * l0_bytes(d, kc, 16) > l0b) break;
    ch.kc = kc;
  }
  if (ch.kc == 0) return std::nullopt;
  ch.kc = std::min(ch.kc, k);
  for (uint64_t nc = 16; nc <= round_up(n, 16); nc += 16) {
    if (2 * l0_bytes(d, ch.kc, nc) > l0b) break;
    ch.nc = nc;
  }
  if (ch.nc == 0) return std::nullopt;
  ch.nc = std::min(ch.nc, n);
  return ch;
}

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

std::optional<Geometry> fit(const CoreConfig& c, DType d, uint64_t rows, uint64_t bk, uint64_t hd, uint64_t parts,
                            bool decode) {
  Geometry g;
  g.rows = rows;
  g.bk = bk;
  g.parts = parts;
  auto sc = chunks_for(c, d, rows, hd, bk), pc = chunks_for(c, d, rows, bk, hd);
  if (!sc || !pc) return std::nullopt;
  g.s_chunks = *sc;
  g.pv_chunks = *pc;
  Bump l1;
  g.l1_q = l1.take(gm_bytes(d, rows, hd));
  for (int i = 0; i < 2; ++i) g.l1_k[i] = l1.take(gm_bytes(d, bk, hd));
  for (int i = 0; i < 2; ++i) g.l1_v[i] = l1.take(gm_bytes(d, bk, hd));
  for (int i = 0; i < 2; ++i) g.l1_p[i] = l1.take(gm_bytes(d, rows, bk));
  if (l1.top > c.capacity_bytes(Buffer::L1)) return std::nullopt;
  Bump l0c;
  g.c_s = l0c.take(rows * bk * kF32);
  g.c_o = l0c.take(rows * hd * kF32);
  if (l0c.top > c.capacity_bytes(Buffer::L0C)) return std::nullopt;
  const uint64_t r = ceil_div(rows, parts);
  g.vrows = r;
  Bump ub;
  for (int i = 0; i < 2; ++i) g.ub_s[i] = ub.take(r * bk * kF32);
  for (int i = 0; i < 2; ++i) g.ub_p[i] = ub.take(gm_bytes(d, r, bk));
  g.ub_pv = ub.take(r * hd * kF32);
  g.ub_acc = ub.take(r * hd * kF32);
  // Decode splits write an fp32 partial + (max, sum) per row, else bf16 O.
  g.ub_out = ub.take(r * (decode ? hd * kF32 + 2 * kF32 : hd * kOutBytes));
  for (auto& s : g.ub_stat) s = ub.take(r * kF32);
  g.ub_used = ub.top;
  if (ub.top > c.capacity_bytes(Buffer::UB)) return std::nullopt;
  Bump ws;
  for (int i = 0; i < 2; ++i) g.ws_s[i] = ws.take(rows * bk * kF32);
  for (int i = 0; i < 2; ++i) g.ws_p[i] = ws.take(gm_bytes(d, rows, bk));
  for (int i = 0; i < 2; ++i) g.ws_o[i] = ws.take(rows * hd * kF32);
  g.ws_core = round_up(ws.top, 4096);
  return g;
}

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

void validate(const ChipConfig& chip, const AttentionSpec& s) {
  require_dim("op.batch", s.batch);
  require_dim("op.heads", s.heads);
  require_dim("op.head_dim", s.head_dim);
  require_dim("op.seq_q", s.seq_q);
  require_dim("op.seq_kv", s.seq_kv);
  if (s.kv_heads != 0 && (s.kv_heads > s.heads || s.heads % s.kv_heads != 0))
    throw ConfigError("op.kv_heads: expected a divisor of op.heads (" + std::to_string(s.heads) + ") or 0, got " +
                      std::to_string(s.kv_heads));
  if (s.causal && s.seq_q > s.seq_kv)
    throw ConfigError("op.seq_q: expected <= op.seq_kv (" + std::to_string(s.seq_kv) +
                      ") for causal attention, got " + std::to_string(s.seq_q));
  require_cube_dtype(chip, s.dtype, "op.dtype");
  if (chip.cube_cores == 0) throw ConfigError("chip.cube_cores: attention needs at least 1 cube core, got 0");
}

}  // namespace

KernelPlan lower_attention(const ChipConfig& chip, const AttentionSpec& s) {
  validate(chip, s);
  const CoreConfig& c = chip.core;
  const DType d = s.dtype;
  const uint64_t kvh = s.kv_heads ? s.kv_heads : s.heads, group = s.heads / kvh, hd = s.head_dim;
  const bool decode = s.seq_q == 1;
  const uint64_t cubes = chip.cube_cores, vecs = chip.vector_cores;
  // Vector cores paired with each cube core (A2: 2); each takes a share of
  // the tile's rows. With fewer vector than cube cores they are shared.
  const uint64_t parts = vecs ? std::max<uint64_t>(1, vecs / cubes) : 1;

  // Tiling: the largest query tile and then the largest KV block whose
  // buffers fit L1, L0C and UB. A decode tile is the GQA group (the query
  // heads sharing a KV head), halved until it fits (e.g. MLA's 128 heads
  // of 576 dims), each part then re-reading the KV.
  std::optional<Geometry> geo;
  std::vector<uint64_t> row_opts{128, 64, 32, 16};
  if (decode) {
    row_opts.clear();
    for (uint64_t r = group;; r = ceil_div(r, 2)) {
      row_opts.push_back(r);
      if (r == 1) break;
    }
  }
  for (uint64_t rows : row_opts) {
    if (!decode && rows > round_up(s.seq_q, 16) && rows != 16) continue;
    const uint64_t r = decode ? rows : std::min(rows, s.seq_q);
    for (uint64_t bk : {512, 256, 128, 64, 32, 16}) {
      if (bk > round_up(s.seq_kv, 16) && bk != 16) continue;
      if ((geo = fit(c, d, r, bk, hd, parts, decode))) break;
    }
    if (geo) break;
  }
  if (!geo)
    throw ConfigError("op: attention head_dim " + std::to_string(hd) + " (group " + std::to_string(group) +
                      ") cannot be tiled for " + chip.name + "'s L1/L0C/UB buffers");
  const Geometry& g = *geo;
  const uint64_t head_chunks = decode ? ceil_div(group, g.rows) : 1;

  // GM layout: Q, K, V, O on their own 1 GiB boundaries, [batch, head, seq, dim].
  const uint64_t rowb = gm_bytes(d, 1, hd);
  const uint64_t q_bytes = s.batch * s.heads * s.seq_q * rowb, kv_bytes = s.batch * kvh * s.seq_kv * rowb;
  const uint64_t o_bytes = s.batch * s.heads * s.seq_q * hd * kOutBytes;
  const uint64_t q_base = 0, k_base = round_up(q_bytes, kGiB), v_base = k_base + round_up(kv_bytes, kGiB);
  const uint64_t o_base = v_base + round_up(kv_bytes, kGiB), ws_base = o_base + round_up(o_bytes, kGiB);

  // Tasks. Decode: (batch, kv head, split) so every core has work; the
  // splits' partials are merged by a combine pass.
  std::vector<Task> tasks;
  uint64_t splits = 1, split_len = s.seq_kv, part_base = 0;
  const uint64_t part_row = hd * kF32 + 2 * kF32;
  if (decode) {
    // Fewest waves of the longest split: each extra split costs a Q load,
    // a partial write and combine work (~kSplitCost KV rows). The combine
    // pass holds one row of every split in UB at least, which caps the count.
    constexpr uint64_t kSplitCost = 64;
    const uint64_t ub_left = c.capacity_bytes(Buffer::UB) - std::min(c.capacity_bytes(Buffer::UB), g.ub_used);
    const uint64_t max_splits =
        std::max<uint64_t>(1, std::min({ceil_div(s.seq_kv, 16), 4 * cubes, ub_left / part_row}));
    uint64_t best = UINT64_MAX;
    for (uint64_t sp = 1; sp <= max_splits; ++sp) {
      const uint64_t len = round_up(ceil_div(s.seq_kv, sp), 16), actual = ceil_div(s.seq_kv, len);
      const uint64_t cost =
          ceil_div(s.batch * kvh * head_chunks * actual, cubes) * (len + (actual > 1 ? kSplitCost : 0));
      if (cost < best) {
        best = cost;
        split_len = len;
        splits = actual;
      }
    }
  }
  for (uint64_t b = 0; b < s.batch; ++b) {
    if (decode) {
      for (uint64_t hk = 0; hk < kvh; ++hk) {
        const uint64_t head0 = b * s.heads + hk * group, kvrow0 = (b * kvh + hk) * s.seq_kv;
        // Partials of a (group, head chunk) lie split-major, so the
        // combine reads one strided block per row chunk.
        for (uint64_t h0 = 0; h0 < group; h0 += g.rows) {
          const uint64_t rows = std::min(g.rows, group - h0);
          for (uint64_t sp = 0; sp < splits; ++sp) {
            const uint64_t kv0 = sp * split_len, len = std::min(split_len, s.seq_kv - kv0);
            tasks.push_back({q_base + (head0 + h0) * rowb, o_base + (head0 + h0) * hd * kOutBytes,
                             k_base + (kvrow0 + kv0) * rowb, v_base + (kvrow0 + kv0) * rowb, rows, len, splits > 1,
                             ((b * kvh + hk) * group * splits + h0 * splits + sp * rows) * part_row});
            tasks.back().comb = (b * kvh + hk) * head_chunks + h0 / g.rows;
          }
        }
      }
    } else {
      for (uint64_t h = 0; h < s.heads; ++h) {
        const uint64_t hk = h / group, kvrow0 = (b * kvh + hk) * s.seq_kv, qrow0 = (b * s.heads + h) * s.seq_q;
        for (uint64_t q0 = 0; q0 < s.seq_q; q0 += g.rows) {
          const uint64_t rows = std::min(g.rows, s.seq_q - q0);
          // Causal, bottom-right aligned: the tile's last row sees keys up
          // to (q0 + rows - 1) + (seq_kv - seq_q).
          const uint64_t len = s.causal ? std::min(s.seq_kv, q0 + rows + (s.seq_kv - s.seq_q)) : s.seq_kv;
          tasks.push_back({q_base + (qrow0 + q0) * rowb, o_base + (qrow0 + q0) * hd * kOutBytes,
                           k_base + kvrow0 * rowb, v_base + kvrow0 * rowb, rows, len, false, 0});
        }
      }
    }
  }

  // Longest task first onto the least-loaded cube core (causal tiles differ
  // in length, so round-robin would leave the last cores with the long ones).
  std::vector<size_t> order(tasks.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return tasks[a].kv_len * tasks[a].rows > tasks[b].kv_len * tasks[b].rows; });
  const uint32_t cubes_used = uint32_t(std::min<uint64_t>(cubes, tasks.size()));
  std::priority_queue<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint32_t>>, std::greater<>> load;
  for (uint32_t i = 0; i < cubes_used; ++i) load.push({0, i});
  std::vector<std::vector<size_t>> per_cube(cubes_used);
  for (size_t i : order) {
    auto [w, core] = load.top();
    load.pop();
    per_cube[core].push_back(i);
    load.push({w + ceil_div(tasks[i].kv_len, g.bk) * (g.bk * tasks[i].rows + 1), core});
  }
  const uint64_t ws_total = cubes_used * g.ws_core;
  part_base = ws_base + round_up(ws_total, 1 << 20);
  for (auto& t : tasks) t.part_addr += part_base;

  KernelPlan plan;
  plan.op = decode ? "attention_decode" : "attention_prefill";
  plan.dtype = d;
  // Useful (query, key) pairs: causal rows i see min(seq_kv, i + 1 + seq_kv - seq_q) keys.
  double pairs = double(s.seq_q) * double(s.seq_kv);
  if (s.causal) pairs = double(s.seq_q) * double(s.seq_kv - s.seq_q) + double(s.seq_q) * double(s.seq_q + 1) / 2;
  plan.flops = 4.0 * double(s.batch) * double(s.heads) * double(hd) * pairs;
  const uint64_t part_bytes = decode && splits > 1 ? s.batch * kvh * splits * group * part_row : 0;
  plan.footprint_bytes = q_bytes + 2 * kv_bytes + o_bytes + ws_total + part_bytes;
  plan.write_footprint_bytes = o_bytes + ws_total + part_bytes;

  // Cube programs; each task remembers its core's block counter so the
  // vector side uses the same workspace slots.
  std::vector<std::vector<std::pair<size_t, uint32_t>>> per_vec(vecs);  // (task, part index)
  // Decode: partial writes feeding each combine (its cross-core wait count).
  std::vector<uint64_t> writers(decode ? s.batch * kvh * head_chunks : 0, 0);
  for (uint32_t core = 0; core < cubes_used; ++core) {
    CoreProgram cp{CoreKind::Cube, core, {}};
    uint64_t blocks = 0;
    for (size_t i : per_cube[core]) blocks += ceil_div(tasks[i].kv_len, g.bk);
    const uint64_t per_block = 24 + 7 * (ceil_div(hd, g.s_chunks.kc) * ceil_div(g.bk, g.s_chunks.nc) +
                                         ceil_div(g.bk, g.pv_chunks.kc) * ceil_div(hd, g.pv_chunks.nc));
    cp.program.reserve(32 + 8 * per_cube[core].size() + blocks * per_block);
    CubeEmitter e(c, g, d, hd, ws_base + core * g.ws_core, cp.program);
    for (size_t i : per_cube[core]) {
      tasks[i].cube = core;
      tasks[i].block_base = e.blocks();
      // The vector cores that get rows of this task (a part may be empty).
      std::vector<uint32_t> vcores;
      const uint64_t r = ceil_div(tasks[i].rows, parts);
      for (uint64_t p = 0; p < parts && vecs; ++p) {
        const uint64_t v = vecs >= cubes ? core * parts + p : core % vecs;
        per_vec[v].push_back({i, uint32_t(p)});
        if (p * r < tasks[i].rows) {
          vcores.push_back(uint32_t(v));
          if (tasks[i].comb != UINT64_MAX) ++writers[tasks[i].comb];
        }
      }
      e.task(tasks[i], vcores);
    }
    e.finish();
    plan.programs.push_back(std::move(cp));
  }
  // Vector programs: each vector core's share of its cube core's tasks, then
  // (decode) the combines of the (group, head chunk)s dealt to it.
  const uint64_t ub_comb = round_up(g.ub_used, 32);
  const uint64_t ub_left = c.capacity_bytes(Buffer::UB) - std::min(c.capacity_bytes(Buffer::UB), ub_comb);
  const uint64_t comb_rows = std::max<uint64_t>(1, ub_left / (splits * part_row));
  std::vector<std::vector<uint64_t>> combines(vecs);
  if (part_bytes && vecs) {
    for (uint64_t i = 0; i < s.batch * kvh * head_chunks; ++i) combines[i % vecs].push_back(i);
  }
  uint32_t vecs_used = 0;
  for (uint64_t v = 0; v < vecs; ++v) {
    if (per_vec[v].empty() && combines[v].empty()) continue;
    CoreProgram cp{CoreKind::Vector, uint32_t(v), {}};
    uint64_t blocks = 0;
    for (auto [i, p] : per_vec[v]) blocks += ceil_div(tasks[i].kv_len, g.bk);
    cp.program.reserve(32 + 16 * (per_vec[v].size() + combines[v].size()) + 32 * blocks);
    VectorEmitter e(g, d, hd, cp.program, vecs > 0,
                    [vecs](uint64_t comb) { return uint32_t(comb % std::max<uint64_t>(1, vecs)); });
    bool any = false;
    for (auto [i, p] : per_vec[v]) {
      const Task& t = tasks[i];
      const uint64_t r = ceil_div(t.rows, parts), r0 = p * r;
      if (r0 >= t.rows) continue;
      e.part(t, ws_base + t.cube * g.ws_core, r0, std::min(r, t.rows - r0));
      any = true;
    }
    for (uint64_t i : combines[v]) {
      const uint64_t grp = i / head_chunks, h0 = (i % head_chunks) * g.rows, b = grp / kvh, hk = grp % kvh;
      e.combine(part_base + (grp * group * splits + h0 * splits) * part_row, splits, std::min(g.rows, group - h0),
                comb_rows, o_base + (b * s.heads + hk * group + h0) * hd * kOutBytes, ub_comb, writers[i]);
      any = true;
    }
    e.finish();
    if (!any) continue;
    plan.programs.push_back(std::move(cp));
    ++vecs_used;
  }

  tally_gm_traffic(plan);
  for (const auto& cp : plan.programs) {
    for (const auto& in : cp.program) {
      if ((in.src_buf == Buffer::GM || in.dst_buf == Buffer::GM) && in.gm_addr >= ws_base) {
        plan.workspace_traffic_bytes += in.bytes;
      }
    }
  }
  json notes = json::array();
  notes.push_back(
      "cube and vector programs run independently: the core model has no cross-core synchronisation yet, so the "
      "S/P/PV exchange through the GM workspace is costed (traffic, busy time) but not ordered between cores");
  notes.push_back("row-broadcast vector operands are modelled as full-tile operands (same cost model)");
  if (!vecs) notes.push_back("chip has no vector cores: softmax not modelled");
  if (decode && splits > 1) notes.push_back("flash-decoding: kv splits merged by a combine pass on the vector cores");
  plan.tiling = json{{"rows", g.rows},
                     {"block_kv", g.bk},
                     {"s_chunk_k", g.s_chunks.kc},
                     {"s_chunk_n", g.s_chunks.nc},
                     {"pv_chunk_k", g.pv_chunks.kc},
                     {"pv_chunk_n", g.pv_chunks.nc},
                     {"tasks", tasks.size()},
                     {"kv_splits", splits},
                     {"head_chunks", head_chunks},
                     {"kv_split_len", split_len},
                     {"gqa_group", group},
                     {"vector_parts_per_task", parts},
                     {"cube_cores_used", cubes_used},
                     {"vector_cores_used", vecs_used},
                     {"cores_used", cubes_used + vecs_used},
                     {"distribution", "longest task first onto the least-loaded cube core"},
                     {"l1_double_buffer", true},
                     {"l0_double_buffer", true},
                     {"ub_double_buffer", true},
                     {"workspace_bytes_per_core", g.ws_core},
                     {"gm_layout", {{"q", q_base}, {"k", k_base}, {"v", v_base}, {"o", o_base}, {"workspace", ws_base},
                                    {"decode_partials", part_base}}},
                     {"notes", notes}};
  return plan;
}

}  // namespace npusim::npu
