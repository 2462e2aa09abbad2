// One memory simulation, end to end: resolve the memory config (preset,
// JSON, DRAMSim3 .ini or inline object), load or generate the trace, build
// the player + memory + watchdog, run, check conservation, and write
// result.json, stats.txt, stats.json and the resolved config.json.
// SystemC elaborates once per process: call this at most once per process.
#pragma once
#include <string>

#include "memory/memory_spec.hpp"
#include "sim/params.hpp"
#include "sim/run_files.hpp"

namespace npusim {

// The memory job's keys (`npusim params job.memory`).
struct MemoryJob {
  std::string kind, name;
  json memory, trace;
  int64_t seed = 0;
  std::string timeline;
  double watchdog_us = 100;
  int64_t warmup_requests = 0;
  static const Schema& schema();
};

// Runs the job; writes files when `files` is enabled. Returns the summary
// (also result.json).
json run_memory_job(const json& job, const RunFiles& files);

}  // namespace npusim
