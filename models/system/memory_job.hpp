// One memory simulation, end to end: resolve the memory config (preset,
// JSON, DRAMSim3 .ini or inline object), load or generate the trace, build
// the player + memory + watchdog, run, check conservation, and write
// result.json, stats.txt, stats.json and the resolved config.json.
// SystemC elaborates once per process: call this at most once per process.
#pragma once
#include <string>

#include "memory/hbm_config.hpp"
#include "models/sim/params.hpp"

namespace npusim {

// Memory config from a preset name, a .json file (a memory object, or a job
// whose "memory" key is one) or a DRAMSim3 .ini.
memory::MemoryConfig load_memory_config(const std::string& spec);
json load_memory_config_json(const std::string& spec);
// Resolves the "memory" value of a job: a string (as above) or an object
// (overrides on top of its optional "preset" key, else the defaults).
memory::MemoryConfig resolve_memory(const json& v, const std::string& path);

// Runs the job; writes files to out_dir when it is not empty. Returns the
// summary (also result.json).
json run_memory_job(const json& job, const std::string& out_dir);

}  // namespace npusim
