// Shared by the kernel tests: chip presets by name and running every core
// program of a KernelPlan on its own AiCore.
#pragma once
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/stats.hpp"
#include "npu/chip/chip_config.hpp"
#include "npu/chip/chip_presets.hpp"
#include "npu/core/ai_core.hpp"
#include "npu/kernels/kernel_plan.hpp"
#include "npu/kernels/program_check.hpp"

namespace npusim::test {

inline npu::ChipConfig chip(const std::string& name) {
  return npu::chip_config_from_json(npu::chip_preset(name), "chip");
}

struct CoreRun {
  npu::CoreKind kind;
  uint32_t core;
  uint64_t cycles;
  double busy[npu::kNumPipes];
};

// Runs each program to completion (StallError propagates) after checking it
// against the core's buffers and flag rules.
inline std::vector<CoreRun> run_plan(const npu::CoreConfig& cfg, const npu::KernelPlan& plan) {
  std::vector<CoreRun> runs;
  for (const auto& cp : plan.programs) {
    INFO(plan.op << " " << npu::to_string(cp.kind) << " core " << cp.core);
    REQUIRE(npu::check_program(cfg, cp.program) == "");
    stats::Registry reg;
    stats::Group root(reg, "system");
    npu::AiCore core(cfg, cp.program, root);
    CoreRun r{cp.kind, cp.core, core.run(), {}};
    for (int p = 0; p < npu::kNumPipes; ++p) r.busy[p] = core.busy_cycles(npu::Pipe(p));
    runs.push_back(r);
  }
  return runs;
}

inline uint64_t max_cycles(const std::vector<CoreRun>& runs) {
  uint64_t m = 0;
  for (const auto& r : runs) m = std::max(m, r.cycles);
  return m;
}

}  // namespace npusim::test
