// Reader for DRAMSim3 device description files (.ini), so existing HBM
// device descriptions can be reused. The file is converted to a memory config
// JSON object in our schema (memory/hbm_config.hpp).
//
// Accepted syntax: `[section]` headers, `key = value` lines (DRAMSim3's inih
// also accepts `key: value`), comments starting with ';' or '#' anywhere on
// a line, blank lines. Sections and keys match case-insensitively, as in
// inih. Used sections: [dram_structure], [timing], [system]; every key
// DRAMSim3 reads there is accepted, anything else is an error. [power],
// [other], [thermal] and [hmc] are accepted and ignored.
//
// Only protocol = HBM or HBM2 is converted. DRAMSim3 models HBM in legacy
// mode: `channels` channels of `bus_width` bits, one rank, no
// pseudo-channels. Every value is read the way DRAMSim3's configuration.cc
// and timing.cc read it; the few departures are listed in the .cpp and
// recorded in the config's `source` string.
#pragma once
#include <string>

#include "sim/params.hpp"

namespace npusim::memory {

// Reads the DRAMSim3 .ini file at `path` and returns a memory config object
// ready for memory_config_from_json (it has already passed it). Throws
// ConfigError: syntax and value errors name <file>:<line> and the expected
// form; missing keys name the file and section.key.
json dramsim3_ini_to_memory_json(const std::string& path);

}  // namespace npusim::memory
