// Static checks of a lowered core program, used by the kernel tests and
// available to any producer of programs.
#pragma once
#include <string>
#include <vector>

#include "npu/core/core_config.hpp"
#include "npu/core/instruction.hpp"

namespace npusim::npu {

// Checks a lowered program against the core it will run on: every on-chip
// range within its buffer (mmad operands by mmad_*_bytes), flag ids below
// flag_ids, and every flag's sets matching its waits (a program that leaves
// a flag set would leak it into the next kernel). Returns "" when clean,
// else a description of the first problem.
std::string check_program(const CoreConfig& cfg, const std::vector<Instruction>& prog);

}  // namespace npusim::npu
