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
#include "sim/run_files.hpp"
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

// The op job's keys, declared once (`npusim params job.op`; Python's OpRun
// and the `op` command's flags are built from this schema). Each operator's
// shape keys apply only to it (ParamInfo::when).
struct OpJob {
  std::string kind, name;
  json chip;
  std::string op, dtype, fidelity;
  uint64_t m = 0, n = 0, k = 0, batch = 1;
  bool trans_a = false, trans_b = false;
  uint64_t heads = 0, kv_heads = 0, head_dim = 0, seq_q = 0, seq_kv = 0;
  bool causal = true;
  uint64_t elements = 0;
  std::string elementwise_kind;
  std::string timeline;
  double watchdog_us = 1000;
  static const Schema& schema();
};

// Runs an op job (OpJob's keys); writes result.json, stats.txt, stats.json,
// config.json and perf.json when `files` is enabled. Returns the result.
json run_op_job(const json& job, const RunFiles& files);

}  // namespace npusim
