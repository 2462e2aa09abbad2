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
