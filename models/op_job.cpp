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

const Schema& OpJob::schema() {
  static const Schema s = [] {
    Schema s("job.op", "One operator on one chip: its shape, number format and fidelity");
    const std::vector<std::string> mm = {"matmul"}, at = {"attention"}, el = {"elementwise"};
    SchemaBuilder<OpJob>(s)
        .choice(&OpJob::kind, "kind", "op", "Job kind", {"op"})
        .derived(&OpJob::name, "name", "", "Run name (default <chip>__<kernel>__<dtype>)")
        .spec(&OpJob::chip, "chip", "Chip: a preset name, a chip .json, a ChipConfig object or "
              "{name, compute, hbm}", "a chip preset name, a .json path or an object", true)
        .choice(&OpJob::op, "op", nullptr, "Operator", {"matmul", "attention", "elementwise"})
        .choice(&OpJob::dtype, "dtype", "bf16", "Number format of the operands (matmul and attention need a "
                "cube unit for it)", npu::op_dtype_names())
        .choice(&OpJob::fidelity, "fidelity", "cycle", "cycle: ChipSim + memory model under SystemC; fast: the "
                "tile model on the same plan", {"cycle", "fast"})
        .required(&OpJob::m, "m", "elements", "Rows of A and C", {1}).when("op", mm)
        .required(&OpJob::n, "n", "elements", "Columns of B and C", {1}).when("op", mm)
        .required(&OpJob::k, "k", "elements", "Contraction length (columns of A, rows of B)", {1}).when("op", mm)
        .param(&OpJob::batch, "batch", "problems", 1, "Independent problems (matmul: batched GEMM; attention: sequences)",
               {1}).when("op", {"matmul", "attention"})
        .param(&OpJob::trans_a, "trans_a", "", false, "A is stored transposed (KxM)").when("op", mm)
        .param(&OpJob::trans_b, "trans_b", "", false, "B is stored transposed (NxK)").when("op", mm)
        .required(&OpJob::heads, "heads", "heads", "Query heads", {1}).when("op", at)
        .derived(&OpJob::kv_heads, "kv_heads", "heads", "Key/value heads, a divisor of heads (GQA; default heads)",
                 {1}).when("op", at)
        .required(&OpJob::head_dim, "head_dim", "elements", "Elements per head", {1}).when("op", at)
        .required(&OpJob::seq_q, "seq_q", "tokens", "Query tokens per sequence (1: decode)", {1}).when("op", at)
        .required(&OpJob::seq_kv, "seq_kv", "tokens", "Key/value tokens per sequence", {1}).when("op", at)
        .param(&OpJob::causal, "causal", "", true, "Causal mask (prefill)").when("op", at)
        .required(&OpJob::elements, "elements", "elements", "Elements per operand", {1}).when("op", el)
        .choice(&OpJob::elementwise_kind, "elementwise_kind", "add", "Elementwise operation",
                {"add", "mul", "reduce_sum"}).when("op", el)
        .derived(&OpJob::timeline, "timeline", "", "Perfetto trace file of the pipes (cycle fidelity; default none)")
        .param(&OpJob::watchdog_us, "watchdog_us", "us", 1000.0, "Stall watchdog interval, > 0 (cycle fidelity)");
    return s;
  }();
  return s;
}

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

namespace {

// The operator lowered to a kernel plan, and its shape as result.json shows it.
struct LoweredOp {
  npu::KernelPlan plan;
  json shape;
};

LoweredOp lower_op(const OpJob& spec, const npu::ChipConfig& chip, npu::DType dtype) {
  LoweredOp l;
  if (spec.op == "matmul") {
    npu::MatmulSpec s;
    s.m = spec.m;
    s.n = spec.n;
    s.k = spec.k;
    s.batch = spec.batch;
    s.trans_a = spec.trans_a;
    s.trans_b = spec.trans_b;
    s.dtype = dtype;
    l.shape = {{"m", s.m}, {"n", s.n}, {"k", s.k}, {"batch", s.batch}, {"trans_a", s.trans_a}, {"trans_b", s.trans_b}};
    l.plan = npu::lower_matmul(chip, s);
  } else if (spec.op == "attention") {
#ifdef NPUSIM_HAVE_ATTENTION
    npu::AttentionSpec s;
    s.batch = spec.batch;
    s.heads = spec.heads;
    s.kv_heads = spec.kv_heads ? spec.kv_heads : spec.heads;  // absent: one KV head per query head
    s.head_dim = spec.head_dim;
    s.seq_q = spec.seq_q;
    s.seq_kv = spec.seq_kv;
    s.causal = spec.causal;
    s.dtype = dtype;
    l.shape = {{"batch", s.batch}, {"heads", s.heads}, {"kv_heads", s.kv_heads}, {"head_dim", s.head_dim},
               {"seq_q", s.seq_q}, {"seq_kv", s.seq_kv}, {"causal", s.causal}};
    l.plan = npu::lower_attention(chip, s);
#else
    throw ConfigError("job.op: attention lowering is not built in this engine");
#endif
  } else {
    npu::ElementwiseSpec s;
    s.elements = spec.elements;
    s.kind = spec.elementwise_kind;
    s.dtype = dtype;
    l.shape = {{"elements", s.elements}, {"elementwise_kind", s.kind}};
    l.plan = npu::lower_elementwise(chip, s);
  }
  return l;
}

// What a run measured, in either fidelity.
struct OpMeasure {
  uint64_t cycles = 0;
  double hbm_bytes = 0;
  double pipe_busy[npu::kNumPipes] = {};
  std::string bound;
  json extra;
};

// The cycle-fidelity system: chip, memory, UB port and watchdog. They live
// until the job's end because their stats are dumped last; members are
// destroyed in reverse order of declaration, the order the components were
// built in.
struct CycleSystem {
  Timeline timeline;
  std::unique_ptr<memory::MemoryModel> mem;
  std::unique_ptr<ChipSim> sim;
  std::unique_ptr<Watchdog> watchdog;
  std::unique_ptr<UbEndpoint> ub;
};

void build_cycle_system(CycleSystem& sys, const OpJob& spec, const ResolvedChip& rc, const npu::KernelPlan& plan,
                        stats::Group& root) {
  const npu::ChipConfig& chip = rc.chip;
  const memory::MemoryConfig& mc = rc.memory;
  if (!spec.timeline.empty()) sys.timeline.open(spec.timeline);
  const double wd_us = checked_watchdog_us(spec.watchdog_us);
  Timeline* timeline = sys.timeline.enabled() ? &sys.timeline : nullptr;
  std::vector<CoreProgramSpec> progs;
  for (auto& p : plan.programs) progs.push_back(CoreProgramSpec{p.kind == npu::CoreKind::Vector, p.core, p.program});
  if (mc.fidelity == memory::MemoryFidelity::Cycle)
    sys.mem = std::make_unique<memory::HbmSystem>("mem", mc, root, timeline);
  else
    sys.mem = std::make_unique<memory::FastMemory>("mem", mc, root);
  sys.sim = std::make_unique<ChipSim>("chip", chip, std::move(progs), mc.org.capacity_bytes(), root, timeline);
  ChipSim& sim = *sys.sim;
  sim.mem_socket.bind(sys.mem->socket);
  sys.ub = std::make_unique<UbEndpoint>("ub", chip.ub_bandwidth_gbps, chip.ub_port.latency_ns,
                                        chip.ub_port.mode == npu::UbPortMode::Loopback, root);
  sim.ub_socket.bind(sys.ub->socket);
  sys.watchdog = std::make_unique<Watchdog>("watchdog", sc_core::sc_time(wd_us, sc_core::SC_US), 4);
  sys.watchdog->watch(&sim);
  sys.watchdog->watch(sys.mem.get());
  sim.set_watchdog(sys.watchdog.get());
  sys.mem->set_watchdog(sys.watchdog.get());
}

// Runs to the end and checks conservation: the kernel finished and memory
// answered every request it accepted.
void run_cycle_system(CycleSystem& sys) {
  const ChipSim& sim = *sys.sim;
  memory::MemoryModel& mem = *sys.mem;
  sim_start();
  sys.watchdog->check_drained();
  if (!sim.done() && mem.accepted() == mem.responded())
    throw StallError("chip: the kernel stopped with work left (no event can wake it): " + sim.holdings());
  if (!sim.done() || mem.accepted() != mem.responded())
    throw ProtocolError("conservation: chip done " + std::to_string(sim.done()) + ", memory accepted " +
                        std::to_string(mem.accepted()) + " and answered " + std::to_string(mem.responded()));
  mem.finish();
  sys.timeline.close();
}

// Per-pipe busy: mean over the cores of the kind doing the op's main work.
// Also the busiest cube and vector pipes over all cores.
void average_pipe_busy(const ChipSim& sim, bool vector_op, OpMeasure& m, double* mmax, double* vmax) {
  size_t n = 0;
  for (size_t i = 0; i < sim.cores(); ++i) {
    const auto& c = sim.core(i);
    *mmax = std::max(*mmax, c.busy_cycles(npu::Pipe::M) / double(m.cycles));
    *vmax = std::max(*vmax, c.busy_cycles(npu::Pipe::V) / double(m.cycles));
    if (sim.is_vector_core(i) != vector_op) continue;
    ++n;
    for (int p = 0; p < npu::kNumPipes; ++p) m.pipe_busy[p] += c.busy_cycles(npu::Pipe(p)) / double(m.cycles);
  }
  for (auto& b : m.pipe_busy) b = n ? b / double(n) : 0.0;
}

// The resource closest to saturation bounds the run; if none is past half
// its peak, latency (dependencies, fill/drain) does. "on-chip": the cores'
// MTE2 engines (port bandwidth plus the latency of each transfer through the
// network and L2) are the busiest. *best is the bounding resource's load.
std::string bound_of(double compute, double hbm_frac, double l2_frac, double mte2, double* best) {
  std::string bound = "compute";
  *best = compute;
  if (hbm_frac > *best) bound = "hbm", *best = hbm_frac;
  if (l2_frac > *best) bound = "l2", *best = l2_frac;
  if (mte2 > *best + 0.02 && bound == "compute") bound = "on-chip", *best = mte2;
  if (*best < 0.5) bound = "latency";
  return bound;
}

OpMeasure measure_cycle(const CycleSystem& sys, const npu::ChipConfig& chip, bool vector_op, double hbm_bpc,
                        double l2_bpc) {
  const ChipSim& sim = *sys.sim;
  OpMeasure m;
  m.cycles = std::max<uint64_t>(1, sim.end_cycle());
  m.hbm_bytes = sim.hbm_read_bytes() + sim.hbm_write_bytes();
  double mmax = 0, vmax = 0;
  average_pipe_busy(sim, vector_op, m, &mmax, &vmax);
  const double hbm_frac = m.hbm_bytes / (hbm_bpc * double(m.cycles));
  const double l2_frac = sim.l2_bytes() / (l2_bpc * double(m.cycles));
  double best = 0;
  m.bound = bound_of(vector_op ? vmax : mmax, hbm_frac, l2_frac, m.pipe_busy[int(npu::Pipe::MTE2)], &best);
  m.extra = {{"hbm_utilization", hbm_frac}, {"l2_utilization", l2_frac}, {"cube_busy_max", mmax},
             {"l2_hit_rate", sim.l2_hit_rate()}, {"memory_requests", sys.mem->responded()}};
  if (const noc::PacketNetwork* net = sim.mesh_network()) {
    // The on-chip mesh: its busiest link says whether it bounds the run.
    const double ns = double(m.cycles) / chip.clock_ghz;
    double busiest = 0;
    net->busiest_link(ns, &busiest);
    m.extra["noc"] = {{"topology", "mesh"},
                      {"shape", sim.mesh()->describe()},
                      {"packets", net->packets_delivered()},
                      {"avg_packet_latency_ns", net->latency_ps().mean() / 1000.0},
                      {"max_link_utilization", busiest}};
    if (busiest > best && busiest > 0.5) m.bound = "on-chip";
  }
  return m;
}

// The chip model's memory path in the tile model's terms. kHbmEfficiency is
// what the cycle model's HBM sustains under many concurrent core streams (82%
// in the chip streaming test, tests/cpp/test_chip_sim.cpp); the latency is a
// hit's round trip plus an HBM read (~300 cycles at the chip clock, measured
// l2_miss_latency p50 on streaming GEMMs), weighted as if every other access
// missed.
OpMeasure estimate_fast(const npu::ChipConfig& chip, const npu::KernelPlan& plan, double hbm_bpc, double l2_bpc) {
  constexpr double kHbmEfficiency = 0.82;
  const double hit_rt = 2.0 * chip.noc.hop_latency_cycles + chip.l2.hit_latency_cycles;
  npu::MemoryPath path{hbm_bpc * kHbmEfficiency, l2_bpc, uint64_t(chip.l2_mib) << 20};
  path.latency_cycles = hit_rt + 0.5 * 300.0;
  path.outstanding_bytes = double(chip.noc.max_outstanding) * chip.l2.line_bytes;
  const npu::TileEstimate e = npu::estimate(chip, plan, path);
  OpMeasure m;
  m.cycles = std::max<uint64_t>(1, e.cycles);
  m.hbm_bytes = double(e.hbm_bytes);
  m.bound = e.bound;
  for (int p = 0; p < npu::kNumPipes; ++p) m.pipe_busy[p] = e.pipe_busy[p];
  m.extra = {{"core_cycles", e.core_cycles}, {"hbm_cycles", e.hbm_cycles}, {"l2_cycles", e.l2_cycles},
             {"fill_drain_cycles", e.fill_drain_cycles}, {"critical_pipe", e.critical_pipe}};
  return m;
}

// result.json of an op job (without perf).
json op_result(const OpJob& spec, const std::string& name, const ResolvedChip& rc, const LoweredOp& lowered,
               const OpMeasure& m, double time_s, double tflops, double peak) {
  const npu::KernelPlan& plan = lowered.plan;
  json pipes = json::object();
  for (int p = 0; p < npu::kNumPipes; ++p) pipes[pipe_key(npu::Pipe(p))] = m.pipe_busy[p];
  std::set<uint32_t> aic, aiv;
  for (const auto& p : plan.programs) (p.kind == npu::CoreKind::Cube ? aic : aiv).insert(p.core);
  json result = {
      {"name", name},
      {"chip", rc.chip.name},
      {"op", spec.op},
      {"kernel", plan.op},
      {"dtype", spec.dtype},
      {"fidelity", spec.fidelity},
      {"shape", lowered.shape},
      {"cycles", m.cycles},
      {"clock_ghz", rc.chip.clock_ghz},
      {"time_us", time_s * 1e6},
      {"flops", plan.flops},
      {"tflops", tflops},
      {"peak_tflops", peak},
      {"utilization", peak > 0 ? tflops / peak : 0.0},
      {"bound", m.bound},
      {"hbm_bytes", m.hbm_bytes},
      {"hbm_gbps", m.hbm_bytes / time_s / 1e9},
      {"hbm_peak_gbps", rc.memory.peak_bandwidth_gbps()},
      {"arithmetic_intensity", m.hbm_bytes > 0 ? plan.flops / m.hbm_bytes : 0.0},
      {"gm_read_bytes", plan.gm_read_bytes},
      {"gm_write_bytes", plan.gm_write_bytes},
      {"footprint_bytes", plan.footprint_bytes},
      {"cores_used", aic.size() + aiv.size()},
      {"cube_cores_used", aic.size()},
      {"vector_cores_used", aiv.size()},
      {"pipes", pipes},
      {"tiling", plan.tiling},
      {"memory", rc.memory.name},
  };
  result.update(m.extra);
  return result;
}

// The summary is in the stats too, so stats.txt explains itself in both
// fidelities (the fast one has no component stats).
struct OpSummaryStats {
  stats::Group group;
  stats::Scalar cycles, tflops, utilization, hbm_bytes;

  explicit OpSummaryStats(stats::Group& root)
      : group(&root, "op"),
        cycles(group, "cycles", "Chip cycles from the first instruction to the last completion", "cycle"),
        tflops(group, "tflops", "Useful FLOPs / simulated time", "TFLOPS"),
        utilization(group, "utilization", "tflops / peak_tflops of the op's dtype", "fraction"),
        hbm_bytes(group, "hbm_bytes", "Bytes moved between L2 and HBM", "byte") {}
};

// config.json: the job with its chip resolved to the configs it ran with.
json op_config(const json& job, const OpJob& spec, const ResolvedChip& rc) {
  json resolved = job;
  resolved["chip"] = {{"name", rc.chip.name}, {"compute", to_json(rc.chip)}, {"hbm", to_json(rc.memory)}};
  resolved["fidelity"] = spec.fidelity;
  resolved["dtype"] = spec.dtype;
  return resolved;
}

}  // namespace

json run_op_job(const json& job, const RunFiles& files) {
  const auto wall0 = std::chrono::steady_clock::now();
  const OpJob spec = from_json<OpJob>(job, "job");
  OpJob::schema().check_applicable(job, "job");
  const npu::DType dtype = npu::dtype_from_string(spec.dtype, "job.dtype");
  const ResolvedChip rc = resolve_chip(spec.chip, "job.chip");
  const npu::ChipConfig& chip = rc.chip;
  const LoweredOp lowered = lower_op(spec, chip, dtype);
  const npu::KernelPlan& plan = lowered.plan;
  const std::string name = spec.name.empty() ? chip.name + "__" + plan.op + "__" + spec.dtype : spec.name;

  stats::Registry registry;
  stats::Group root(registry, "system");
  const double hbm_bpc = rc.memory.peak_bandwidth_gbps() / chip.clock_ghz;  // bytes per core cycle
  const double l2_bpc = double(chip.l2.slices) * chip.l2.slice_bytes_per_cycle;
  CycleSystem sys;  // built only at cycle fidelity
  OpMeasure m;
  if (spec.fidelity == "cycle") {
    build_cycle_system(sys, spec, rc, plan, root);
    run_cycle_system(sys);
    m = measure_cycle(sys, chip, spec.op == "elementwise", hbm_bpc, l2_bpc);
  } else {
    m = estimate_fast(chip, plan, hbm_bpc, l2_bpc);
  }

  const double time_s = double(m.cycles) / (chip.clock_ghz * 1e9);
  const double tflops = plan.flops / time_s / 1e12;
  const double peak = peak_tflops_for(chip, spec.op, spec.dtype, dtype);
  json result = op_result(spec, name, rc, lowered, m, time_s, tflops, peak);
  OpSummaryStats summary(root);
  summary.cycles.set(double(m.cycles));
  summary.tflops.set(tflops);
  summary.utilization.set(peak > 0 ? tflops / peak : 0.0);
  summary.hbm_bytes.set(m.hbm_bytes);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  json perf = {{"wall_s", wall}, {"sim_cycles_per_s", wall > 0 ? double(m.cycles) / wall : 0.0}};

  if (files.enabled()) {
    std::ostringstream txt;
    registry.dump_text(txt);
    write_run_outputs(files, {txt.str(), registry.dump_json(), op_config(job, spec, rc), result, perf});
  }
  result["perf"] = perf;
  return result;
}

}  // namespace npusim
