// One operator on one chip, end to end: resolve the chip (preset, .json or
// inline object, with its memory), lower the operator into per-core
// programs (npu/kernels), time them -- "cycle": ChipSim + the memory model
// under SystemC; "fast": the tile model on the same plan -- and report
// cycles, TFLOPS, utilisation, what bounds it and per-pipe busy fractions.
// Writes result.json, stats.txt, stats.json, config.json and perf.json when
// out_dir is set. SystemC elaborates once per process: one job per process.
#pragma once
#include <string>

#include "memory/hbm_config.hpp"
#include "sim/params.hpp"
#include "npu/chip/chip_config.hpp"

namespace npusim {

struct ResolvedChip {
  npu::ChipConfig chip;
  memory::MemoryConfig memory;
};

// A chip from a preset name, a .json file, or an object: a ChipConfig
// object, or {"name", "compute": {ChipConfig}, "hbm": {MemoryConfig}} (the
// Python Chip's form). `path` names the value in errors.
ResolvedChip resolve_chip(const json& v, const std::string& path);

// job: {"kind": "op", "name"?, "chip", "op": "matmul"|"attention"|"elementwise",
//       "dtype", "fidelity"?: "cycle"|"fast", op keys..., "timeline"?, "watchdog_us"?}
json run_op_job(const json& job, const std::string& out_dir);

}  // namespace npusim
