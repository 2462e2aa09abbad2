#include "npu/kernels/attention_kernel.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <optional>
#include <queue>

#include "sim/errors.hpp"
#include "sim/int_math.hpp"
#include "npu/kernels/attention_emitters.hpp"
#include "npu/kernels/program_builder.hpp"

namespace npusim::npu {

using namespace attention_detail;

namespace {

constexpr uint64_t kGiB = uint64_t(1) << 30;

// Bump allocation of one on-chip buffer, 32-byte aligned.
struct Bump {
  uint64_t top = 0;
  uint64_t take(uint64_t bytes) {
    const uint64_t o = top;
    top += round_up(bytes, 32);
    return o;
  }
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

// What every step of the lowering shares: the shape, the tile geometry and
// the GM layout (Q, K, V, O on their own 1 GiB boundaries, [batch, head,
// seq, dim], then the cube cores' workspaces and the decode partials).
struct Lowering {
  const ChipConfig& chip;
  const AttentionSpec& s;
  DType d;
  uint64_t kvh, group, hd;
  bool decode;
  uint64_t cubes, vecs;
  // Vector cores paired with each cube core (A2: 2); each takes a share of
  // the tile's rows. With fewer vector than cube cores they are shared.
  uint64_t parts;
  Geometry g;
  uint64_t head_chunks = 1;
  uint64_t rowb = 0, q_bytes = 0, kv_bytes = 0, o_bytes = 0;
  uint64_t q_base = 0, k_base = 0, v_base = 0, o_base = 0, ws_base = 0;
  // Decode: KV splits per (batch, kv head, head chunk) and their partials.
  uint64_t splits = 1, split_len = 0, part_row = 0, part_base = 0, part_bytes = 0;
};

// Tiling: the largest query tile and then the largest KV block whose
// buffers fit L1, L0C and UB. A decode tile is the GQA group (the query
// heads sharing a KV head), halved until it fits (e.g. MLA's 128 heads
// of 576 dims), each part then re-reading the KV.
Geometry choose_geometry(const Lowering& L) {
  const AttentionSpec& s = L.s;
  std::optional<Geometry> geo;
  std::vector<uint64_t> row_opts{128, 64, 32, 16};
  if (L.decode) {
    row_opts.clear();
    for (uint64_t r = L.group;; r = ceil_div(r, 2)) {
      row_opts.push_back(r);
      if (r == 1) break;
    }
  }
  for (uint64_t rows : row_opts) {
    if (!L.decode && rows > round_up(s.seq_q, 16) && rows != 16) continue;
    const uint64_t r = L.decode ? rows : std::min(rows, s.seq_q);
    for (uint64_t bk : {512, 256, 128, 64, 32, 16}) {
      if (bk > round_up(s.seq_kv, 16) && bk != 16) continue;
      if ((geo = fit(L.chip.core, L.d, r, bk, L.hd, L.parts, L.decode))) break;
    }
    if (geo) break;
  }
  if (!geo)
    throw ConfigError("op: attention head_dim " + std::to_string(L.hd) + " (group " + std::to_string(L.group) +
                      ") cannot be tiled for " + L.chip.name + "'s L1/L0C/UB buffers");
  return *geo;
}

Lowering plan_layout(const ChipConfig& chip, const AttentionSpec& s) {
  const uint64_t kvh = s.kv_heads ? s.kv_heads : s.heads, cubes = chip.cube_cores, vecs = chip.vector_cores;
  Lowering L{chip, s, s.dtype, kvh, s.heads / kvh, s.head_dim, s.seq_q == 1, cubes, vecs,
             vecs ? std::max<uint64_t>(1, vecs / cubes) : 1, Geometry{}};
  L.g = choose_geometry(L);
  L.head_chunks = L.decode ? ceil_div(L.group, L.g.rows) : 1;
  L.rowb = gm_bytes(L.d, 1, L.hd);
  L.q_bytes = s.batch * s.heads * s.seq_q * L.rowb;
  L.kv_bytes = s.batch * kvh * s.seq_kv * L.rowb;
  L.o_bytes = s.batch * s.heads * s.seq_q * L.hd * kOutBytes;
  L.q_base = 0;
  L.k_base = round_up(L.q_bytes, kGiB);
  L.v_base = L.k_base + round_up(L.kv_bytes, kGiB);
  L.o_base = L.v_base + round_up(L.kv_bytes, kGiB);
  L.ws_base = L.o_base + round_up(L.o_bytes, kGiB);
  L.split_len = s.seq_kv;
  L.part_row = L.hd * kF32 + 2 * kF32;
  return L;
}

// Decode: the KV split count with the fewest waves of the longest split.
// Each extra split costs a Q load, a partial write and combine work (~kSplitCost
// KV rows); the combine pass holds one row of every split in UB at least,
// which caps the count.
void choose_splits(Lowering& L) {
  if (!L.decode) return;
  const AttentionSpec& s = L.s;
  const CoreConfig& c = L.chip.core;
  constexpr uint64_t kSplitCost = 64;
  const uint64_t ub_left = c.capacity_bytes(Buffer::UB) - std::min(c.capacity_bytes(Buffer::UB), L.g.ub_used);
  const uint64_t max_splits =
      std::max<uint64_t>(1, std::min({ceil_div(s.seq_kv, 16), 4 * L.cubes, ub_left / L.part_row}));
  uint64_t best = UINT64_MAX;
  for (uint64_t sp = 1; sp <= max_splits; ++sp) {
    const uint64_t len = round_up(ceil_div(s.seq_kv, sp), 16), actual = ceil_div(s.seq_kv, len);
    const uint64_t cost =
        ceil_div(s.batch * L.kvh * L.head_chunks * actual, L.cubes) * (len + (actual > 1 ? kSplitCost : 0));
    if (cost < best) {
      best = cost;
      L.split_len = len;
      L.splits = actual;
    }
  }
}

// Decode tasks: (batch, kv head, head chunk, split), so every core has work;
// the splits' partials are merged by a combine pass. Partials of a (group,
// head chunk) lie split-major, so the combine reads one strided block per
// row chunk.
void decode_tasks(const Lowering& L, uint64_t b, std::vector<Task>& tasks) {
  const AttentionSpec& s = L.s;
  const uint64_t group = L.group, rowb = L.rowb, hd = L.hd;
  for (uint64_t hk = 0; hk < L.kvh; ++hk) {
    const uint64_t head0 = b * s.heads + hk * group, kvrow0 = (b * L.kvh + hk) * s.seq_kv;
    for (uint64_t h0 = 0; h0 < group; h0 += L.g.rows) {
      const uint64_t rows = std::min(L.g.rows, group - h0);
      for (uint64_t sp = 0; sp < L.splits; ++sp) {
        const uint64_t kv0 = sp * L.split_len, len = std::min(L.split_len, s.seq_kv - kv0);
        tasks.push_back({L.q_base + (head0 + h0) * rowb, L.o_base + (head0 + h0) * hd * kOutBytes,
                         L.k_base + (kvrow0 + kv0) * rowb, L.v_base + (kvrow0 + kv0) * rowb, rows, len, L.splits > 1,
                         ((b * L.kvh + hk) * group * L.splits + h0 * L.splits + sp * rows) * L.part_row});
        tasks.back().comb = (b * L.kvh + hk) * L.head_chunks + h0 / L.g.rows;
      }
    }
  }
}

// Prefill tasks: a query tile of one head each.
void prefill_tasks(const Lowering& L, uint64_t b, std::vector<Task>& tasks) {
  const AttentionSpec& s = L.s;
  const uint64_t rowb = L.rowb, hd = L.hd;
  for (uint64_t h = 0; h < s.heads; ++h) {
    const uint64_t hk = h / L.group, kvrow0 = (b * L.kvh + hk) * s.seq_kv, qrow0 = (b * s.heads + h) * s.seq_q;
    for (uint64_t q0 = 0; q0 < s.seq_q; q0 += L.g.rows) {
      const uint64_t rows = std::min(L.g.rows, s.seq_q - q0);
      // Causal, bottom-right aligned: the tile's last row sees keys up
      // to (q0 + rows - 1) + (seq_kv - seq_q).
      const uint64_t len = s.causal ? std::min(s.seq_kv, q0 + rows + (s.seq_kv - s.seq_q)) : s.seq_kv;
      tasks.push_back({L.q_base + (qrow0 + q0) * rowb, L.o_base + (qrow0 + q0) * hd * kOutBytes,
                       L.k_base + kvrow0 * rowb, L.v_base + kvrow0 * rowb, rows, len, false, 0});
    }
  }
}

// Longest task first onto the least-loaded cube core (causal tiles differ
// in length, so round-robin would leave the last cores with the long ones).
// Returns each used cube core's tasks.
std::vector<std::vector<size_t>> distribute(const Lowering& L, const std::vector<Task>& tasks) {
  std::vector<size_t> order(tasks.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return tasks[a].kv_len * tasks[a].rows > tasks[b].kv_len * tasks[b].rows; });
  const uint32_t cubes_used = uint32_t(std::min<uint64_t>(L.cubes, tasks.size()));
  std::priority_queue<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint32_t>>, std::greater<>> load;
  for (uint32_t i = 0; i < cubes_used; ++i) load.push({0, i});
  std::vector<std::vector<size_t>> per_cube(cubes_used);
  for (size_t i : order) {
    auto [w, core] = load.top();
    load.pop();
    per_cube[core].push_back(i);
    load.push({w + ceil_div(tasks[i].kv_len, L.g.bk) * (L.g.bk * tasks[i].rows + 1), core});
  }
  return per_cube;
}

// Which vector cores take rows of each task, and (decode) how many partial
// writes feed each combine (its cross-core wait count).
struct VectorShares {
  std::vector<std::vector<std::pair<size_t, uint32_t>>> per_vec;  // (task, part index)
  std::vector<uint64_t> writers;
};

// Cube programs; each task remembers its core's block counter so the
// vector side uses the same workspace slots.
VectorShares emit_cube_programs(const Lowering& L, const std::vector<std::vector<size_t>>& per_cube,
                                std::vector<Task>& tasks, KernelPlan& plan) {
  const Geometry& g = L.g;
  const uint64_t vecs = L.vecs, parts = L.parts;
  VectorShares sh;
  sh.per_vec.resize(vecs);
  sh.writers.assign(L.decode ? L.s.batch * L.kvh * L.head_chunks : 0, 0);
  for (uint32_t core = 0; core < per_cube.size(); ++core) {
    CoreProgram cp{CoreKind::Cube, core, {}};
    uint64_t blocks = 0;
    for (size_t i : per_cube[core]) blocks += ceil_div(tasks[i].kv_len, g.bk);
    const uint64_t per_block = 24 + 7 * (ceil_div(L.hd, g.s_chunks.kc) * ceil_div(g.bk, g.s_chunks.nc) +
                                         ceil_div(g.bk, g.pv_chunks.kc) * ceil_div(L.hd, g.pv_chunks.nc));
    cp.program.reserve(32 + 8 * per_cube[core].size() + blocks * per_block);
    CubeEmitter e(L.chip.core, g, L.d, L.hd, L.ws_base + core * g.ws_core, cp.program);
    for (size_t i : per_cube[core]) {
      tasks[i].cube = core;
      tasks[i].block_base = e.blocks();
      // The vector cores that get rows of this task (a part may be empty).
      std::vector<uint32_t> vcores;
      const uint64_t r = ceil_div(tasks[i].rows, parts);
      for (uint64_t p = 0; p < parts && vecs; ++p) {
        const uint64_t v = vecs >= L.cubes ? core * parts + p : core % vecs;
        sh.per_vec[v].push_back({i, uint32_t(p)});
        if (p * r < tasks[i].rows) {
          vcores.push_back(uint32_t(v));
          if (tasks[i].comb != UINT64_MAX) ++sh.writers[tasks[i].comb];
        }
      }
      e.task(tasks[i], vcores);
    }
    e.finish();
    plan.programs.push_back(std::move(cp));
  }
  return sh;
}

// Vector programs: each vector core's share of its cube core's tasks, then
// (decode) the combines of the (group, head chunk)s dealt to it. Returns
// how many vector cores got a program.
uint32_t emit_vector_programs(const Lowering& L, const std::vector<Task>& tasks, const VectorShares& sh,
                              KernelPlan& plan) {
  const Geometry& g = L.g;
  const AttentionSpec& s = L.s;
  const uint64_t vecs = L.vecs, splits = L.splits;
  const uint64_t ub_comb = round_up(g.ub_used, 32);
  const CoreConfig& c = L.chip.core;
  const uint64_t ub_left = c.capacity_bytes(Buffer::UB) - std::min(c.capacity_bytes(Buffer::UB), ub_comb);
  const uint64_t comb_rows = std::max<uint64_t>(1, ub_left / (splits * L.part_row));
  std::vector<std::vector<uint64_t>> combines(vecs);
  if (L.part_bytes && vecs) {
    for (uint64_t i = 0; i < s.batch * L.kvh * L.head_chunks; ++i) combines[i % vecs].push_back(i);
  }
  uint32_t vecs_used = 0;
  for (uint64_t v = 0; v < vecs; ++v) {
    if (sh.per_vec[v].empty() && combines[v].empty()) continue;
    CoreProgram cp{CoreKind::Vector, uint32_t(v), {}};
    uint64_t blocks = 0;
    for (auto [i, p] : sh.per_vec[v]) blocks += ceil_div(tasks[i].kv_len, g.bk);
    cp.program.reserve(32 + 16 * (sh.per_vec[v].size() + combines[v].size()) + 32 * blocks);
    VectorEmitter e(g, L.d, L.hd, cp.program, vecs > 0,
                    [vecs](uint64_t comb) { return uint32_t(comb % std::max<uint64_t>(1, vecs)); });
    bool any = false;
    for (auto [i, p] : sh.per_vec[v]) {
      const Task& t = tasks[i];
      const uint64_t r = ceil_div(t.rows, L.parts), r0 = p * r;
      if (r0 >= t.rows) continue;
      e.part(t, L.ws_base + t.cube * g.ws_core, r0, std::min(r, t.rows - r0));
      any = true;
    }
    for (uint64_t i : combines[v]) {
      const uint64_t grp = i / L.head_chunks, h0 = (i % L.head_chunks) * g.rows, b = grp / L.kvh, hk = grp % L.kvh;
      e.combine(L.part_base + (grp * L.group * splits + h0 * splits) * L.part_row, splits,
                std::min(g.rows, L.group - h0), comb_rows,
                L.o_base + (b * s.heads + hk * L.group + h0) * L.hd * kOutBytes, ub_comb, sh.writers[i]);
      any = true;
    }
    e.finish();
    if (!any) continue;
    plan.programs.push_back(std::move(cp));
    ++vecs_used;
  }
  return vecs_used;
}

json describe_tiling(const Lowering& L, size_t tasks, uint32_t cubes_used, uint32_t vecs_used) {
  const Geometry& g = L.g;
  json notes = json::array();
  notes.push_back(
      "cube and vector programs run independently: the core model has no cross-core synchronisation yet, so the "
      "S/P/PV exchange through the GM workspace is costed (traffic, busy time) but not ordered between cores");
  notes.push_back("row-broadcast vector operands are modelled as full-tile operands (same cost model)");
  if (!L.vecs) notes.push_back("chip has no vector cores: softmax not modelled");
  if (L.decode && L.splits > 1) notes.push_back("flash-decoding: kv splits merged by a combine pass on the vector cores");
  return json{{"rows", g.rows},
              {"block_kv", g.bk},
              {"s_chunk_k", g.s_chunks.kc},
              {"s_chunk_n", g.s_chunks.nc},
              {"pv_chunk_k", g.pv_chunks.kc},
              {"pv_chunk_n", g.pv_chunks.nc},
              {"tasks", tasks},
              {"kv_splits", L.splits},
              {"head_chunks", L.head_chunks},
              {"kv_split_len", L.split_len},
              {"gqa_group", L.group},
              {"vector_parts_per_task", L.parts},
              {"cube_cores_used", cubes_used},
              {"vector_cores_used", vecs_used},
              {"cores_used", cubes_used + vecs_used},
              {"distribution", "longest task first onto the least-loaded cube core"},
              {"l1_double_buffer", true},
              {"l0_double_buffer", true},
              {"ub_double_buffer", true},
              {"workspace_bytes_per_core", g.ws_core},
              {"gm_layout", {{"q", L.q_base}, {"k", L.k_base}, {"v", L.v_base}, {"o", L.o_base}, {"workspace", L.ws_base},
                             {"decode_partials", L.part_base}}},
              {"notes", notes}};
}

}  // namespace

KernelPlan lower_attention(const ChipConfig& chip, const AttentionSpec& s) {
  validate(chip, s);
  Lowering L = plan_layout(chip, s);
  choose_splits(L);
  std::vector<Task> tasks;
  for (uint64_t b = 0; b < s.batch; ++b) {
    if (L.decode) decode_tasks(L, b, tasks);
    else prefill_tasks(L, b, tasks);
  }
  const std::vector<std::vector<size_t>> per_cube = distribute(L, tasks);
  const uint32_t cubes_used = uint32_t(per_cube.size());
  const uint64_t ws_total = cubes_used * L.g.ws_core;
  L.part_base = L.ws_base + round_up(ws_total, 1 << 20);
  for (auto& t : tasks) t.part_addr += L.part_base;

  KernelPlan plan;
  plan.op = L.decode ? "attention_decode" : "attention_prefill";
  plan.dtype = L.d;
  // Useful (query, key) pairs: causal rows i see min(seq_kv, i + 1 + seq_kv - seq_q) keys.
  double pairs = double(s.seq_q) * double(s.seq_kv);
  if (s.causal) pairs = double(s.seq_q) * double(s.seq_kv - s.seq_q) + double(s.seq_q) * double(s.seq_q + 1) / 2;
  plan.flops = 4.0 * double(s.batch) * double(s.heads) * double(L.hd) * pairs;
  L.part_bytes = L.decode && L.splits > 1 ? s.batch * L.kvh * L.splits * L.group * L.part_row : 0;
  plan.footprint_bytes = L.q_bytes + 2 * L.kv_bytes + L.o_bytes + ws_total + L.part_bytes;
  plan.write_footprint_bytes = L.o_bytes + ws_total + L.part_bytes;

  const VectorShares shares = emit_cube_programs(L, per_cube, tasks, plan);
  const uint32_t vecs_used = emit_vector_programs(L, tasks, shares, plan);

  tally_gm_traffic(plan);
  for (const auto& cp : plan.programs) {
    for (const auto& in : cp.program) {
      if ((in.src_buf == Buffer::GM || in.dst_buf == Buffer::GM) && in.gm_addr >= L.ws_base) {
        plan.workspace_traffic_bytes += in.bytes;
      }
    }
  }
  plan.tiling = describe_tiling(L, tasks.size(), cubes_used, vecs_used);
  return plan;
}

}  // namespace npusim::npu
