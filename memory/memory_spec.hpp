// Where a memory config comes from: a preset name, a .json file (a memory
// object, or a job whose "memory" key is one), a DRAMSim3 .ini, or an inline
// object of overrides on top of an optional "preset".
#pragma once
#include <string>

#include "memory/hbm_config.hpp"
#include "sim/params.hpp"

namespace npusim::memory {

MemoryConfig load_memory_config(const std::string& spec);
json load_memory_config_json(const std::string& spec);
// Resolves the "memory" value of a job: a string (as above) or an object
// (overrides on top of its optional "preset" key, else the defaults).
MemoryConfig resolve_memory(const json& v, const std::string& path);

}  // namespace npusim::memory
