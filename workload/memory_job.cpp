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

json run_memory_job(const json& job, const RunFiles& files) {
  const auto wall0 = std::chrono::steady_clock::now();
  const MemoryJob spec = from_json<MemoryJob>(job, "job");
  MemoryJob::schema().check_applicable(job, "job");
  MemoryConfig cfg = resolve_memory(spec.memory, "job.memory");
  const std::string name = spec.name.empty() ? cfg.name : spec.name;
  memory::AddressMapping map =
      memory::AddressMapping::build(cfg.org, cfg.controller.address_mapping, "job.memory.controller.address_mapping");

  // The trace: a file or a built-in pattern.
  const json& tj = spec.trace;
  memory::MemTrace trace;
  json trace_desc;
  if (!tj.is_object()) throw ConfigError("job.trace: expected {\"file\": path} or {\"pattern\": name, ...}");
  if (tj.contains("file")) {
    for (auto it = tj.begin(); it != tj.end(); ++it)
      if (it.key() != "file" && it.key() != "format")
        throw ConfigError("job.trace." + it.key() + ": unknown key; expected with 'file': file, format");
    if (!tj["file"].is_string()) throw ConfigError("job.trace.file: expected a path string");
    const std::string fmt = tj.value("format", std::string("auto"));
    trace = memory::read_memory_trace(tj["file"].get<std::string>(), fmt, cfg.org.burst_bytes() * 2);
    trace_desc = {{"file", tj["file"]}, {"format", fmt}};
  } else {
    const auto pattern = from_json<memory::PatternSpec>(tj, "job.trace");
    trace = memory::generate_pattern(pattern, cfg, map);
    trace_desc = to_json(pattern);
  }
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
  // A request is queued whole: it must fit the queues it maps to. Only
  // requests larger than a queue's worth of bursts can fail this.
  {
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

  // Trace times to ps.
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

  // Elaborate.
  stats::Registry registry;
  stats::Group root(registry, "system");
  Timeline timeline;
  const RunFiles& out = files;
  out.create();
  if (!spec.timeline.empty()) timeline.open(spec.timeline);
  const double wd_us = spec.watchdog_us;
  if (!(wd_us > 0)) throw ConfigError("job.watchdog_us: expected a positive number of microseconds");

  std::unique_ptr<memory::MemoryModel> mem;
  if (cfg.fidelity == memory::MemoryFidelity::Cycle)
    mem = std::make_unique<memory::HbmSystem>("mem", cfg, root, timeline.enabled() ? &timeline : nullptr);
  else
    mem = std::make_unique<memory::FastMemory>("mem", cfg, root);
  MemTracePlayer player("player", trace, times, root);
  player.socket.bind(mem->socket);
  Watchdog watchdog("watchdog", sc_core::sc_time(wd_us, sc_core::SC_US), 4);
  watchdog.watch(&player);
  watchdog.watch(mem.get());
  player.set_watchdog(&watchdog);
  player.show_progress(isatty(2) && trace.records.size() > (1u << 20));
  mem->set_watchdog(&watchdog);

  // Summary formulas live in the stats too, so stats.txt explains itself.
  uint64_t first_ps = times.empty() ? 0 : times.front();
  double sim_ps = 0;
  const double peak = cfg.peak_bandwidth_gbps();
  // Formulas are evaluated at dump time, over the measured window.
  auto gbps_now = [&] { return sim_ps > 0 ? mem->bytes_completed() / (sim_ps / 1000.0) : 0.0; };
  stats::Formula sim_seconds(root, "sim_seconds", "Simulated time from the first request to the last response", "s",
                             [&] { return sim_ps * 1e-12; });
  stats::Formula peak_stat(root, "peak_bandwidth_gbps", "Theoretical peak: channels x width x data rate", "GB/s",
                           [&] { return peak; });
  stats::Formula bw(root, "bandwidth_gbps", "Achieved bandwidth: bytes of completed requests / sim_seconds", "GB/s",
                    gbps_now);
  stats::Formula pct(root, "pct_of_peak", "bandwidth_gbps / peak_bandwidth_gbps", "%",
                     [&] { return 100.0 * gbps_now() / peak; });
  stats::Formula hit(root, "row_hit_rate",
                     "Column commands that found their row already open (not the first access after its ACT)",
                     "fraction", [&] { return mem->row_hit_rate(); });

  int64_t warmup = 0;
  if (job.contains("warmup_requests")) {
    if (uint64_t(spec.warmup_requests) >= trace.records.size())
      throw ConfigError("job.warmup_requests: expected an integer >= 0 and below the request count (" +
                        std::to_string(trace.records.size()) + "), got " + job["warmup_requests"].dump());
    warmup = spec.warmup_requests;
  }
  if (warmup > 0)
    player.on_nth_response(uint64_t(warmup), [&] {
      registry.reset_all();
      first_ps = ClockDomain::now_ps();
    });
  sim_start();
  watchdog.check_drained();
  if (player.received() != trace.records.size() || mem->accepted() != mem->responded())
    throw ProtocolError("conservation: " + std::to_string(trace.records.size()) + " requests, " +
                        std::to_string(player.received()) + " responses received, memory accepted " +
                        std::to_string(mem->accepted()) + " and answered " + std::to_string(mem->responded()));
  if (player.errors())
    throw TraceError(trace.source + ": " + std::to_string(player.errors()) + " requests got an error response");
  mem->finish();

  const uint64_t end_ps = player.last_response_ps();
  sim_ps = double(end_ps - std::min(first_ps, end_ps));
  const double bytes = mem->bytes_completed();
  const double gbps = gbps_now();

  const double tck_ns = cfg.timing.tCK_ps / 1000.0;
  const auto flat = registry.flatten();
  auto get = [&](const std::string& k) {
    for (const auto& [n, v] : flat)
      if (n == k) return v;
    return 0.0;
  };
  json result = {
      {"name", name},
      {"memory", cfg.name},
      {"standard", to_string(cfg.standard)},
      {"fidelity", to_string(cfg.fidelity)},
      {"source", cfg.source},
      {"trace", trace_desc},
      {"cycles", uint64_t(std::llround(sim_ps / cfg.timing.tCK_ps))},
      {"time_ns", sim_ps / 1000.0},
      {"tck_ps", cfg.timing.tCK_ps},
      {"bandwidth_gbps", gbps},
      {"peak_gbps", peak},
      {"pct_peak", 100.0 * gbps / peak},
      {"avg_read_latency_cycles", get("system.mem.read_latency::mean")},
      {"p99_read_latency_cycles", get("system.mem.read_latency::p99")},
      {"avg_read_latency_ns", get("system.mem.read_latency::mean") * tck_ns},
      {"p99_read_latency_ns", get("system.mem.read_latency::p99") * tck_ns},
      {"avg_write_latency_ns", get("system.mem.write_latency::mean") * tck_ns},
      {"row_hit_rate", mem->row_hit_rate()},
      {"reads", uint64_t(get("system.mem.reads"))},
      {"writes", uint64_t(get("system.mem.writes"))},
      {"requests", uint64_t(trace.records.size())},
      {"warmup_requests", warmup},
      {"bytes", uint64_t(bytes)},
  };
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  json perf = {{"wall_s", wall}, {"requests_per_s", wall > 0 ? double(trace.records.size()) / wall : 0.0},
               {"sim_cycles_per_s", wall > 0 ? sim_ps / cfg.timing.tCK_ps / wall : 0.0}};

  if (files.enabled()) {
    std::ostringstream txt;
    registry.dump_text(txt);
    write_file(out / "stats.txt", txt.str());
    write_file(out / "stats.json", registry.dump_json().dump(1) + "\n");
    json resolved = job;
    resolved["memory"] = to_json(cfg);
    resolved["trace"] = trace_desc.contains("file") ? trace_desc : json(trace_desc);
    write_file(out / "config.json", resolved.dump(1) + "\n");
    write_file(out / "result.json", result.dump(1) + "\n");
    write_file(out / "perf.json", perf.dump(1) + "\n");
  }
  timeline.close();
  result["perf"] = perf;
  return result;
}

}  // namespace npusim
