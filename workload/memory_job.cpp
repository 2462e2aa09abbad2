#include "workload/memory_job.hpp"

#include "sim/json_files.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <systemc>
#include <unistd.h>

#include "memory/fast_memory.hpp"
#include "memory/hbm_presets.hpp"
#include "memory/memory_spec.hpp"
#include "memory/hbm_system.hpp"
#include "memory/patterns.hpp"
#include "sim/timeline.hpp"
#include "sim/watchdog.hpp"
#include "workload/mem_trace_player.hpp"

namespace npusim {

using memory::MemoryConfig;
using memory::resolve_memory;

const Schema& MemoryJob::schema() {
  static const Schema s = [] {
    Schema s("job.memory", "One memory system driven by a trace file or a built-in pattern");
    SchemaBuilder<MemoryJob>(s)
        .choice(&MemoryJob::kind, "kind", "memory", "Job kind (a job without one is a memory job)", {"memory"})
        .derived(&MemoryJob::name, "name", "", "Run name (default the memory's name)")
        .spec(&MemoryJob::memory, "memory", "Memory: a preset name, a .json or DRAMSim3 .ini file, or a config "
              "object (npusim params memory)", "a memory preset name, a .json/.ini path or an object", true)
        .spec(&MemoryJob::trace, "trace", "Requests: {\"file\": path, \"format\": native|dramsim3|auto} or a "
              "pattern {\"pattern\": name, ...} (npusim params pattern)", "{\"file\": ...} or {\"pattern\": ...}",
              true)
        .derived(&MemoryJob::seed, "seed", "", "Seed the pattern was generated with (recorded; the pattern's own "
                 "seed key drives it)")
        .derived(&MemoryJob::timeline, "timeline", "", "Perfetto trace file of the memory commands (default none)")
        .param(&MemoryJob::watchdog_us, "watchdog_us", "us", 100.0, "Stall watchdog interval, > 0")
        .param(&MemoryJob::warmup_requests, "warmup_requests", "requests", 0,
               "Responses before the stats window opens (stats are reset then); below the request count", {0});
    return s;
  }();
  return s;
}

namespace {

// The requests: read from a file or generated from a built-in pattern.
// *desc is the trace as result.json and config.json record it.
memory::MemTrace load_trace(const json& tj, const MemoryConfig& cfg, const memory::AddressMapping& map, json* desc) {
  if (!tj.is_object()) throw ConfigError("job.trace: expected {\"file\": path} or {\"pattern\": name, ...}");
  if (tj.contains("file")) {
    for (auto it = tj.begin(); it != tj.end(); ++it)
      if (it.key() != "file" && it.key() != "format")
        throw ConfigError("job.trace." + it.key() + ": unknown key; expected with 'file': file, format");
    if (!tj["file"].is_string()) throw ConfigError("job.trace.file: expected a path string");
    const std::string fmt = tj.value("format", std::string("auto"));
    memory::MemTrace trace =
        memory::read_memory_trace(tj["file"].get<std::string>(), fmt, cfg.org.burst_bytes() * 2);
    *desc = {{"file", tj["file"]}, {"format", fmt}};
    return trace;
  }
  const auto pattern = from_json<memory::PatternSpec>(tj, "job.trace");
  memory::MemTrace trace = memory::generate_pattern(pattern, cfg, map);
  *desc = to_json(pattern);
  return trace;
}

void check_capacity(const memory::MemTrace& trace, const MemoryConfig& cfg) {
  const uint64_t capacity = cfg.org.capacity_bytes();
  for (size_t i = 0; i < trace.records.size(); ++i) {
    const auto& r = trace.records[i];
    if (r.addr + r.size > capacity) {
      std::ostringstream os;
      os << trace.source << ": request " << i + 1 << " at address 0x" << std::hex << r.addr << std::dec
         << " (+" << r.size << " bytes) is beyond the capacity of " << cfg.name << " (" << capacity
         << " bytes = 0x" << std::hex << capacity << std::dec << "); expected addresses below the capacity";
      throw TraceError(os.str());
    }
  }
}

// A request is queued whole: it must fit the queues it maps to. Only
// requests larger than a queue's worth of bursts can fail this.
void check_queue_fit(const memory::MemTrace& trace, const MemoryConfig& cfg, const memory::AddressMapping& map) {
  const uint32_t qmin = uint32_t(std::min(cfg.controller.read_queue, cfg.controller.write_queue));
  const uint32_t bb = cfg.org.burst_bytes();
  for (size_t i = 0; i < trace.records.size(); ++i) {
    const auto& r = trace.records[i];
    if ((r.size + bb - 1) / bb + 1 <= qmin || cfg.fidelity != memory::MemoryFidelity::Cycle) continue;
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> per_queue;
    uint32_t most = 0;
    for (uint64_t b = r.addr / bb; b <= (r.addr + r.size - 1) / bb; ++b) {
      const memory::DramAddr a = map.decode(b * bb);
      most = std::max(most, ++per_queue[{a.channel, a.pc}]);
    }
    const uint32_t cap = uint32_t(r.is_write ? cfg.controller.write_queue : cfg.controller.read_queue);
    if (most > cap)
      throw TraceError(trace.source + ": request " + std::to_string(i + 1) + " (" + std::to_string(r.size) +
                       " bytes) puts " + std::to_string(most) + " bursts on one pseudo-channel queue of " +
                       std::to_string(cap) + " entries under mapping '" + cfg.controller.address_mapping +
                       "'; expected requests that fit (raise controller." +
                       (r.is_write ? "write_queue" : "read_queue") + " or spread the mapping)");
  }
}

std::vector<uint64_t> trace_times_ps(const memory::MemTrace& trace, const MemoryConfig& cfg) {
  ClockDomain mem_clk("mem", cfg.timing.tCK_ps);
  std::vector<uint64_t> times;
  times.reserve(trace.records.size());
  for (const auto& r : trace.records) {
    switch (trace.unit) {
      case memory::TimeUnit::Cycle: times.push_back(mem_clk.ps_of(r.time)); break;
      case memory::TimeUnit::Ns: times.push_back(r.time * 1000); break;
      case memory::TimeUnit::Ps: times.push_back(r.time); break;
    }
  }
  return times;
}

// The player, the memory and the watchdog over them. Members are destroyed
// in reverse order of declaration, the order they were built in.
struct MemorySystem {
  Timeline timeline;
  std::unique_ptr<memory::MemoryModel> mem;
  std::unique_ptr<MemTracePlayer> player;
  std::unique_ptr<Watchdog> watchdog;
};

void build_memory_system(MemorySystem& sys, const MemoryJob& spec, const MemoryConfig& cfg,
                         const memory::MemTrace& trace, const std::vector<uint64_t>& times, stats::Group& root) {
  if (!spec.timeline.empty()) sys.timeline.open(spec.timeline);
  const double wd_us = checked_watchdog_us(spec.watchdog_us);
  if (cfg.fidelity == memory::MemoryFidelity::Cycle)
    sys.mem = std::make_unique<memory::HbmSystem>("mem", cfg, root, sys.timeline.enabled() ? &sys.timeline : nullptr);
  else
    sys.mem = std::make_unique<memory::FastMemory>("mem", cfg, root);
  sys.player = std::make_unique<MemTracePlayer>("player", trace, times, root);
  MemTracePlayer& player = *sys.player;
  player.socket.bind(sys.mem->socket);
  sys.watchdog = std::make_unique<Watchdog>("watchdog", sc_core::sc_time(wd_us, sc_core::SC_US), 4);
  sys.watchdog->watch(&player);
  sys.watchdog->watch(sys.mem.get());
  player.set_watchdog(sys.watchdog.get());
  player.show_progress(isatty(2) && trace.records.size() > (1u << 20));
  sys.mem->set_watchdog(sys.watchdog.get());
}

// The measured window and the summary formulas over it, so stats.txt
// explains itself. Formulas are evaluated at dump time, over the window.
struct MemoryWindow {
  const memory::MemoryModel& mem;
  const double peak;
  uint64_t first_ps;
  double sim_ps = 0;
  stats::Formula sim_seconds, peak_stat, bw, pct, hit;

  MemoryWindow(stats::Group& root, const memory::MemoryModel& m, double peak_gbps, uint64_t first)
      : mem(m),
        peak(peak_gbps),
        first_ps(first),
        sim_seconds(root, "sim_seconds", "Simulated time from the first request to the last response", "s",
                    [this] { return sim_ps * 1e-12; }),
        peak_stat(root, "peak_bandwidth_gbps", "Theoretical peak: channels x width x data rate", "GB/s",
                  [this] { return peak; }),
        bw(root, "bandwidth_gbps", "Achieved bandwidth: bytes of completed requests / sim_seconds", "GB/s",
           [this] { return gbps(); }),
        pct(root, "pct_of_peak", "bandwidth_gbps / peak_bandwidth_gbps", "%", [this] { return 100.0 * gbps() / peak; }),
        hit(root, "row_hit_rate",
            "Column commands that found their row already open (not the first access after its ACT)", "fraction",
            [this] { return mem.row_hit_rate(); }) {}
  MemoryWindow(const MemoryWindow&) = delete;
  MemoryWindow& operator=(const MemoryWindow&) = delete;

  double gbps() const { return sim_ps > 0 ? mem.bytes_completed() / (sim_ps / 1000.0) : 0.0; }
};

// Responses before the stats window opens; 0 when the job gives none.
int64_t warmup_of(const json& job, const MemoryJob& spec, size_t requests) {
  if (!job.contains("warmup_requests")) return 0;
  if (uint64_t(spec.warmup_requests) >= requests)
    throw ConfigError("job.warmup_requests: expected an integer >= 0 and below the request count (" +
                      std::to_string(requests) + "), got " + job["warmup_requests"].dump());
  return spec.warmup_requests;
}

// Runs to the end and checks conservation: every request answered once,
// none with an error.
void run_memory_system(MemorySystem& sys, const memory::MemTrace& trace) {
  const MemTracePlayer& player = *sys.player;
  memory::MemoryModel& mem = *sys.mem;
  sim_start();
  sys.watchdog->check_drained();
  if (player.received() != trace.records.size() || mem.accepted() != mem.responded())
    throw ProtocolError("conservation: " + std::to_string(trace.records.size()) + " requests, " +
                        std::to_string(player.received()) + " responses received, memory accepted " +
                        std::to_string(mem.accepted()) + " and answered " + std::to_string(mem.responded()));
  if (player.errors())
    throw TraceError(trace.source + ": " + std::to_string(player.errors()) + " requests got an error response");
  mem.finish();
}

// result.json of a memory job (without perf).
json memory_result(const std::string& name, const MemoryConfig& cfg, const json& trace_desc,
                   const memory::MemTrace& trace, const MemoryWindow& window, const stats::Registry& registry,
                   int64_t warmup) {
  const double gbps = window.gbps();
  const double tck_ns = cfg.timing.tCK_ps / 1000.0;
  const auto flat = registry.flatten();
  auto get = [&](const std::string& k) { return stats::flat_value(flat, k); };
  return {
      {"name", name},
      {"memory", cfg.name},
      {"standard", to_string(cfg.standard)},
      {"fidelity", to_string(cfg.fidelity)},
      {"source", cfg.source},
      {"trace", trace_desc},
      {"cycles", uint64_t(std::llround(window.sim_ps / cfg.timing.tCK_ps))},
      {"time_ns", window.sim_ps / 1000.0},
      {"tck_ps", cfg.timing.tCK_ps},
      {"bandwidth_gbps", gbps},
      {"peak_gbps", window.peak},
      {"pct_peak", 100.0 * gbps / window.peak},
      {"avg_read_latency_cycles", get("system.mem.read_latency::mean")},
      {"p99_read_latency_cycles", get("system.mem.read_latency::p99")},
      {"avg_read_latency_ns", get("system.mem.read_latency::mean") * tck_ns},
      {"p99_read_latency_ns", get("system.mem.read_latency::p99") * tck_ns},
      {"avg_write_latency_ns", get("system.mem.write_latency::mean") * tck_ns},
      {"row_hit_rate", window.mem.row_hit_rate()},
      {"reads", uint64_t(get("system.mem.reads"))},
      {"writes", uint64_t(get("system.mem.writes"))},
      {"requests", uint64_t(trace.records.size())},
      {"warmup_requests", warmup},
      {"bytes", uint64_t(window.mem.bytes_completed())},
  };
}

}  // namespace

json run_memory_job(const json& job, const RunFiles& files) {
  const auto wall0 = std::chrono::steady_clock::now();
  const MemoryJob spec = from_json<MemoryJob>(job, "job");
  MemoryJob::schema().check_applicable(job, "job");
  MemoryConfig cfg = resolve_memory(spec.memory, "job.memory");
  const std::string name = spec.name.empty() ? cfg.name : spec.name;
  memory::AddressMapping map =
      memory::AddressMapping::build(cfg.org, cfg.controller.address_mapping, "job.memory.controller.address_mapping");
  json trace_desc;
  const memory::MemTrace trace = load_trace(spec.trace, cfg, map, &trace_desc);
  check_capacity(trace, cfg);
  check_queue_fit(trace, cfg, map);
  const std::vector<uint64_t> times = trace_times_ps(trace, cfg);

  stats::Registry registry;
  stats::Group root(registry, "system");
  MemorySystem sys;
  files.create();
  build_memory_system(sys, spec, cfg, trace, times, root);
  MemoryWindow window(root, *sys.mem, cfg.peak_bandwidth_gbps(), times.empty() ? 0 : times.front());
  const int64_t warmup = warmup_of(job, spec, trace.records.size());
  if (warmup > 0)
    sys.player->on_nth_response(uint64_t(warmup), [&] {
      registry.reset_all();
      window.first_ps = ClockDomain::now_ps();
    });
  run_memory_system(sys, trace);
  const uint64_t end_ps = sys.player->last_response_ps();
  window.sim_ps = double(end_ps - std::min(window.first_ps, end_ps));

  json result = memory_result(name, cfg, trace_desc, trace, window, registry, warmup);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  json perf = {{"wall_s", wall}, {"requests_per_s", wall > 0 ? double(trace.records.size()) / wall : 0.0},
               {"sim_cycles_per_s", wall > 0 ? window.sim_ps / cfg.timing.tCK_ps / wall : 0.0}};
  if (files.enabled()) {
    std::ostringstream txt;
    registry.dump_text(txt);
    json resolved = job;
    resolved["memory"] = to_json(cfg);
    resolved["trace"] = trace_desc;
    write_run_outputs(files, {txt.str(), registry.dump_json(), resolved, result, perf});
  }
  sys.timeline.close();
  result["perf"] = perf;
  return result;
}

}  // namespace npusim
