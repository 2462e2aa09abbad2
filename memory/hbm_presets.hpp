// Named memory presets: the JEDEC standards and the memories of the roadmap
// chips, as declarative tables (organisation rows, timing rows in ns,
// systems composed from them). Each preset carries its sources.
#pragma once
#include <string>
#include <vector>

#include "sim/params.hpp"

namespace npusim::memory {

std::vector<std::string> memory_preset_names();
// A full memory config object; ConfigError listing the valid names if unknown.
json memory_preset(const std::string& name);

}  // namespace npusim::memory
