// Named chip presets: the Ascend roadmap chips and two NVIDIA GPUs as one
// declarative table. Every number carries its source and a V/P/R/E label
// (reference/hardware.md), collected into the preset's `source` string.
#pragma once
#include <string>
#include <vector>

#include "sim/params.hpp"

namespace npusim::npu {

std::vector<std::string> chip_preset_names();
// A full, validated chip config object (ChipConfig JSON); ConfigError listing
// the valid names if unknown. Case-insensitive; a unique suffix after '_'
// also names a preset ("950dt" -> ascend_950dt).
json chip_preset(const std::string& name);

}  // namespace npusim::npu
