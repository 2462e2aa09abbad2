// One memory simulation, end to end: resolve the memory config (preset,
// JSON, DRAMSim3 .ini or inline object), load or generate the trace, build
// the player + memory + watchdog, run, check conservation, and write
// result.json, stats.txt, stats.json and the resolved config.json.
// SystemC elaborates once per process: call this at most once per process.
#pragma once
#include <string>

#include "memory/memory_spec.hpp"
#include "sim/params.hpp"

namespace npusim {

// Runs the job; writes files to out_dir when it is not empty. Returns the
// summary (also result.json).
json run_memory_job(const json& job, const std::string& out_dir);

}  // namespace npusim
