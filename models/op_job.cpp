#include "models/op_job.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "memory/fast_memory.hpp"
#include "memory/hbm_system.hpp"
#include "sim/errors.hpp"
#include "sim/timeline.hpp"
#include "sim/watchdog.hpp"
#include "models/chip_sim.hpp"
#include "sim/json_files.hpp"
#include "memory/memory_spec.hpp"
#include "models/ub_endpoint.hpp"
#include "npu/chip/chip_presets.hpp"
#include "npu/kernels/matmul_kernel.hpp"
#include "npu/kernels/tile_model.hpp"
#include "npu/kernels/vector_kernel.hpp"
#if __has_include("npu/kernels/attention_kernel.hpp")
#include "npu/kernels/attention_kernel.hpp"
#define NPUSIM_HAVE_ATTENTION 1
#endif

namespace npusim {

namespace {

// Keys each op takes (besides kind/name/chip/op/dtype/fidelity/timeline/watchdog_us).
const std::set<std::string>& op_keys(const std::string& op) {
  static const std::set<std::string> mm = {"m", "n", "k", "batch", "trans_a", "trans_b"};
  static const std::set<std::string> at = {"batch", "heads", "kv_heads", "head_dim", "seq_q", "seq_kv", "causal"};
  static const std::set<std::string> el = {"elements", "elementwise_kind"};
  if (op == "matmul") return mm;
  if (op == "attention") return at;
  if (op == "elementwise") return el;
  throw ConfigError("job.op: expected one of matmul, attention, elementwise, got '" + op + "'");
}

uint64_t get_uint(const json& job, const std::string& key, uint64_t dflt, bool required) {
  if (!job.contains(key)) {
    if (required) throw ConfigError("job." + key + ": missing; expected an integer >= 1");
    return dflt;
  }
  const json& v = job[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 1)
    throw ConfigError("job." + key + ": expected an integer >= 1, got " + v.dump());
  return v.get<uint64_t>();
}

bool get_bool(const json& job, const std::string& key, bool dflt) {
  if (!job.contains(key)) return dflt;
  if (!job[key].is_boolean()) throw ConfigError("job." + key + ": expected true or false, got " + job[key].dump());
  return job[key].get<bool>();
}

std::string pipe_key(npu::Pipe p) {
  std::string s = npu::to_string(p);
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Peak the utilisation is measured against: the cube's for matmul and
// attention, the vector units' (one op per element) for elementwise.
double peak_tflops_for(const npu::ChipConfig& chip, const std::string& op, const std::string& dtype,
                       npu::DType dt) {
  if (op != "elementwise") return chip.peak_tflops(dtype == "fp16" ? "fp16" : dtype);
  const double elem_bytes = double(npu::dtype_bits(dt)) / 8.0;
  const uint32_t cores = chip.vector_cores ? chip.vector_cores : chip.cube_cores;
  return double(cores) * chip.core.vector_bytes_per_cycle / elem_bytes * chip.clock_ghz / 1e3;
}

}  // namespace

ResolvedChip resolve_chip(const json& v, const std::string& path) {
  json j = v;
  std::string where = path;
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.size() > 5 && s.compare(s.size() - 5, 5, ".json") == 0) {
      j = read_json_file(s, "chip", "a chip config object or {\"compute\", \"hbm\"}");
      where = s;
    } else {
      j = npu::chip_preset(s);
    }
  }
  if (!j.is_object())
    throw ConfigError(path + ": expected a chip preset name, a .json path or an object, got " + v.dump());
  ResolvedChip r;
  if (j.contains("compute")) {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "compute" && it.key() != "hbm" && it.key() != "name" && it.key() != "source")
        throw ConfigError(join_path(where, it.key()) + ": unknown key; expected name, source, compute, hbm");
    r.chip = npu::chip_config_from_json(j["compute"], join_path(where, "compute"));
    if (j.contains("name") && j["name"].is_string()) r.chip.name = j["name"].get<std::string>();
    r.memory = j.contains("hbm") ? memory::resolve_memory(j["hbm"], join_path(where, "hbm"))
                                 : memory::load_memory_config(r.chip.memory);
  } else {
    r.chip = npu::chip_config_from_json(j, where);
    r.memory = memory::load_memory_config(r.chip.memory);
  }
  return r;
}

json run_op_job(const json& job, const std::string& out_dir) {
  const auto wall0 = std::chrono::steady_clock::now();
  if (!job.is_object()) throw ConfigError("job: expected an object");
  if (!job.contains("chip")) throw ConfigError("job.chip: missing; expected a chip preset name, .json or object");
  if (!job.contains("op") || !job["op"].is_string())
    throw ConfigError("job.op: missing; expected one of matmul, attention, elementwise");
  const std::string op = job["op"].get<std::string>();
  const auto& keys = op_keys(op);
  static const std::set<std::string> common = {"kind", "name", "chip", "op", "dtype", "fidelity", "timeline",
                                               "watchdog_us"};
  for (auto it = job.begin(); it != job.end(); ++it)
    if (!common.count(it.key()) && !keys.count(it.key())) {
      std::string valid;
      for (const auto& k : keys) valid += (valid.empty() ? "" : ", ") + k;
      throw ConfigError("job." + it.key() + ": unknown key for op '" + op + "'; expected " + valid);
    }
  const std::string fidelity = job.value("fidelity", std::string("cycle"));
  if (fidelity != "cycle" && fidelity != "fast")
    throw ConfigError("job.fidelity: expected cycle or fast, got '" + fidelity + "'");
  const std::string dtype_name = job.value("dtype", std::string("bf16"));
  const npu::DType dtype = npu::dtype_from_string(dtype_name, "job.dtype");

  const ResolvedChip rc = resolve_chip(job["chip"], "job.chip");
  const npu::ChipConfig& chip = rc.chip;
  const memory::MemoryConfig& mc = rc.memory;

  // Lower.
  npu::KernelPlan plan;
  json shape;
  if (op == "matmul") {
    npu::MatmulSpec s;
    s.m = get_uint(job, "m", 0, true);
    s.n = get_uint(job, "n", 0, true);
    s.k = get_uint(job, "k", 0, true);
    s.batch = get_uint(job, "batch", 1, false);
    s.trans_a = get_bool(job, "trans_a", false);
    s.trans_b = get_bool(job, "trans_b", false);
    s.dtype = dtype;
    shape = {{"m", s.m}, {"n", s.n}, {"k", s.k}, {"batch", s.batch}, {"trans_a", s.trans_a}, {"trans_b", s.trans_b}};
    plan = npu::lower_matmul(chip, s);
  } else if (op == "attention") {
#ifdef NPUSIM_HAVE_ATTENTION
    npu::AttentionSpec s;
    s.batch = get_uint(job, "batch", 1, false);
    s.heads = get_uint(job, "heads", 0, true);
    s.kv_heads = get_uint(job, "kv_heads", s.heads, false);
    s.head_dim = get_uint(job, "head_dim", 0, true);
    s.seq_q = get_uint(job, "seq_q", 0, true);
    s.seq_kv = get_uint(job, "seq_kv", 0, true);
    s.causal = get_bool(job, "causal", true);
    s.dtype = dtype;
    shape = {{"batch", s.batch}, {"heads", s.heads}, {"kv_heads", s.kv_heads}, {"head_dim", s.head_dim},
             {"seq_q", s.seq_q}, {"seq_kv", s.seq_kv}, {"causal", s.causal}};
    plan = npu::lower_attention(chip, s);
#else
    throw ConfigError("job.op: attention lowering is not built in this engine");
#endif
  } else {
    npu::ElementwiseSpec s;
    s.elements = get_uint(job, "elements", 0, true);
    s.kind = job.value("elementwise_kind", std::string("add"));
    s.dtype = dtype;
    shape = {{"elements", s.elements}, {"elementwise_kind", s.kind}};
    plan = npu::lower_elementwise(chip, s);
  }
  const std::string name = job.value("name", chip.name + "__" + plan.op + "__" + dtype_name);

  stats::Registry registry;
  stats::Group root(registry, "system");
  const double hbm_bpc = mc.peak_bandwidth_gbps() / chip.clock_ghz;  // bytes per core cycle
  const double l2_bpc = double(chip.l2.slices) * chip.l2.slice_bytes_per_cycle;
  uint64_t cycles = 0;
  double hbm_bytes = 0, l2_hit = 0;
  double pipe_busy[npu::kNumPipes] = {};
  std::string bound;
  json extra;

  // Components live to the end of the function: their stats are dumped last.
  Timeline timeline;
  std::unique_ptr<memory::MemoryModel> mem;
  std::unique_ptr<ChipSim> simp;
  std::unique_ptr<Watchdog> wdp;
  std::unique_ptr<UbEndpoint> ubp;
  if (fidelity == "cycle") {
    if (job.contains("timeline") && !job["timeline"].is_null()) {
      if (!job["timeline"].is_string()) throw ConfigError("job.timeline: expected a file path or null");
      timeline.open(job["timeline"].get<std::string>());
    }
    const double wd_us = job.value("watchdog_us", 1000.0);
    if (!(wd_us > 0)) throw ConfigError("job.watchdog_us: expected a positive number of microseconds");
    std::vector<CoreProgramSpec> progs;
    for (auto& p : plan.programs)
      progs.push_back(CoreProgramSpec{p.kind == npu::CoreKind::Vector, p.core, p.program});
    if (mc.fidelity == "cycle")
      mem = std::make_unique<memory::HbmSystem>("mem", mc, root, timeline.enabled() ? &timeline : nullptr);
    else
      mem = std::make_unique<memory::FastMemory>("mem", mc, root);
    simp = std::make_unique<ChipSim>("chip", chip, std::move(progs), mc.org.capacity_bytes(), root,
                                     timeline.enabled() ? &timeline : nullptr);
    ChipSim& sim = *simp;
    sim.mem_socket.bind(mem->socket);
    ubp = std::make_unique<UbEndpoint>("ub", chip.ub_bandwidth_gbps, chip.ub_port.latency_ns,
                                       chip.ub_port.mode == "loopback", root);
    sim.ub_socket.bind(ubp->socket);
    wdp = std::make_unique<Watchdog>("watchdog", sc_core::sc_time(wd_us, sc_core::SC_US), 4);
    Watchdog& watchdog = *wdp;
    watchdog.watch(&sim);
    watchdog.watch(mem.get());
    sim.set_watchdog(&watchdog);
    mem->set_watchdog(&watchdog);
    sim_start();
    watchdog.check_drained();
    if (!sim.done() && mem->accepted() == mem->responded())
      throw StallError("chip: the kernel stopped with work left (no event can wake it): " + sim.holdings());
    if (!sim.done() || mem->accepted() != mem->responded())
      throw ProtocolError("conservation: chip done " + std::to_string(sim.done()) + ", memory accepted " +
                          std::to_string(mem->accepted()) + " and answered " + std::to_string(mem->responded()));
    mem->finish();
    timeline.close();
    cycles = std::max<uint64_t>(1, sim.end_cycle());
    hbm_bytes = sim.hbm_read_bytes() + sim.hbm_write_bytes();
    l2_hit = sim.l2_hit_rate();
    // Per-pipe busy: mean over the cores of the kind doing the op's main work.
    const bool vector_op = op == "elementwise";
    double mmax = 0, vmax = 0;
    size_t n = 0;
    for (size_t i = 0; i < sim.cores(); ++i) {
      const auto& c = sim.core(i);
      mmax = std::max(mmax, c.busy_cycles(npu::Pipe::M) / double(cycles));
      vmax = std::max(vmax, c.busy_cycles(npu::Pipe::V) / double(cycles));
      if (sim.is_vector_core(i) != vector_op) continue;
      ++n;
      for (int p = 0; p < npu::kNumPipes; ++p) pipe_busy[p] += c.busy_cycles(npu::Pipe(p)) / double(cycles);
    }
    for (auto& b : pipe_busy) b = n ? b / double(n) : 0.0;
    const double compute = vector_op ? vmax : mmax;
    const double hbm_frac = hbm_bytes / (hbm_bpc * double(cycles));
    const double l2_frac = sim.l2_bytes() / (l2_bpc * double(cycles));
    // The resource closest to saturation bounds the run; if none is
    // past half its peak, latency (dependencies, fill/drain) does.
    // "on-chip": the cores' MTE2 engines (port bandwidth plus the latency
    // of each transfer through the network and L2) are the busiest.
    const double mte2 = pipe_busy[int(npu::Pipe::MTE2)];
    bound = "compute";
    double best = compute;
    if (hbm_frac > best) bound = "hbm", best = hbm_frac;
    if (l2_frac > best) bound = "l2", best = l2_frac;
    if (mte2 > best + 0.02 && bound == "compute") bound = "on-chip", best = mte2;
    if (best < 0.5) bound = "latency";
    extra = {{"hbm_utilization", hbm_frac}, {"l2_utilization", l2_frac}, {"cube_busy_max", mmax},
             {"l2_hit_rate", l2_hit}, {"memory_requests", mem->responded()}};
    if (const noc::PacketNetwork* net = sim.mesh_network()) {
      // The on-chip mesh: its busiest link says whether it bounds the run.
      const double ns = double(cycles) / chip.clock_ghz;
      double busiest = 0;
      net->busiest_link(ns, &busiest);
      extra["noc"] = {{"topology", "mesh"},
                      {"shape", sim.mesh()->describe()},
                      {"packets", net->packets_delivered()},
                      {"avg_packet_latency_ns", net->latency_ps().mean() / 1000.0},
                      {"max_link_utilization", busiest}};
      if (busiest > best && busiest > 0.5) bound = "on-chip";
    }
  } else {
    // The chip model's memory path in the tile model's terms. kHbmEfficiency
    // is what the cycle model's HBM sustains under many concurrent core
    // streams (82% in the chip streaming test, tests/cpp/test_chip_sim.cpp);
    // the latency is a hit's round trip plus an HBM read (~300 cycles at the
    // chip clock, measured l2_miss_latency p50 on streaming GEMMs), weighted
    // as if every other access missed.
    constexpr double kHbmEfficiency = 0.82;
    const double hit_rt = 2.0 * chip.noc.hop_latency_cycles + chip.l2.hit_latency_cycles;
    npu::MemoryPath path{hbm_bpc * kHbmEfficiency, l2_bpc, uint64_t(chip.l2_mib) << 20};
    path.latency_cycles = hit_rt + 0.5 * 300.0;
    path.outstanding_bytes = double(chip.noc.max_outstanding) * chip.l2.line_bytes;
    const npu::TileEstimate e = npu::estimate(chip, plan, path);
    cycles = std::max<uint64_t>(1, e.cycles);
    hbm_bytes = double(e.hbm_bytes);
    bound = e.bound;
    for (int p = 0; p < npu::kNumPipes; ++p) pipe_busy[p] = e.pipe_busy[p];
    extra = {{"core_cycles", e.core_cycles}, {"hbm_cycles", e.hbm_cycles}, {"l2_cycles", e.l2_cycles},
             {"fill_drain_cycles", e.fill_drain_cycles}, {"critical_pipe", e.critical_pipe}};
  }

  const double time_s = double(cycles) / (chip.clock_ghz * 1e9);
  const double tflops = plan.flops / time_s / 1e12;
  const double peak = peak_tflops_for(chip, op, dtype_name, dtype);
  json pipes = json::object();
  for (int p = 0; p < npu::kNumPipes; ++p) pipes[pipe_key(npu::Pipe(p))] = pipe_busy[p];
  std::set<uint32_t> aic, aiv;
  for (const auto& p : plan.programs) (p.kind == npu::CoreKind::Cube ? aic : aiv).insert(p.core);
  json result = {
      {"name", name},
      {"chip", chip.name},
      {"op", op},
      {"kernel", plan.op},
      {"dtype", dtype_name},
      {"fidelity", fidelity},
      {"shape", shape},
      {"cycles", cycles},
      {"clock_ghz", chip.clock_ghz},
      {"time_us", time_s * 1e6},
      {"flops", plan.flops},
      {"tflops", tflops},
      {"peak_tflops", peak},
      {"utilization", peak > 0 ? tflops / peak : 0.0},
      {"bound", bound},
      {"hbm_bytes", hbm_bytes},
      {"hbm_gbps", hbm_bytes / time_s / 1e9},
      {"hbm_peak_gbps", mc.peak_bandwidth_gbps()},
      {"arithmetic_intensity", hbm_bytes > 0 ? plan.flops / hbm_bytes : 0.0},
      {"gm_read_bytes", plan.gm_read_bytes},
      {"gm_write_bytes", plan.gm_write_bytes},
      {"footprint_bytes", plan.footprint_bytes},
      {"cores_used", aic.size() + aiv.size()},
      {"cube_cores_used", aic.size()},
      {"vector_cores_used", aiv.size()},
      {"pipes", pipes},
      {"tiling", plan.tiling},
      {"memory", mc.name},
  };
  result.update(extra);
  // The summary is in the stats too, so stats.txt explains itself in both
  // fidelities (the fast one has no component stats).
  stats::Group opg(&root, "op");
  stats::Scalar st_cycles(opg, "cycles", "Chip cycles from the first instruction to the last completion", "cycle");
  stats::Scalar st_tflops(opg, "tflops", "Useful FLOPs / simulated time", "TFLOPS");
  stats::Scalar st_util(opg, "utilization", "tflops / peak_tflops of the op's dtype", "fraction");
  stats::Scalar st_hbm(opg, "hbm_bytes", "Bytes moved between L2 and HBM", "byte");
  st_cycles.set(double(cycles));
  st_tflops.set(tflops);
  st_util.set(peak > 0 ? tflops / peak : 0.0);
  st_hbm.set(hbm_bytes);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  json perf = {{"wall_s", wall}, {"sim_cycles_per_s", wall > 0 ? double(cycles) / wall : 0.0}};

  if (!out_dir.empty()) {
    std::filesystem::path out(out_dir);
    std::filesystem::create_directories(out);
    std::ostringstream txt;
    registry.dump_text(txt);
    write_file(out / "stats.txt", txt.str());
    write_file(out / "stats.json", registry.dump_json().dump(1) + "\n");
    json resolved = job;
    resolved["chip"] = {{"name", chip.name}, {"compute", to_json(chip)}, {"hbm", to_json(mc)}};
    resolved["fidelity"] = fidelity;
    resolved["dtype"] = dtype_name;
    write_file(out / "config.json", resolved.dump(1) + "\n");
    write_file(out / "result.json", result.dump(1) + "\n");
    write_file(out / "perf.json", perf.dump(1) + "\n");
  }
  result["perf"] = perf;
  return result;
}

}  // namespace npusim
