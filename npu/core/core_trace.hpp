// Reader for core instruction traces ("npusim-coretrace v1", spec in
// traces/core.md). Strict: every malformed line is a TraceError naming
// file:line and the expected form; buffer overflows are checked against the
// capacities of the CoreConfig the trace will run on.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "npu/core/core_config.hpp"
#include "npu/core/instruction.hpp"

namespace npusim::npu {

std::vector<Instruction> read_core_trace(const std::string& path, const CoreConfig& cfg);

// Writes `prog` in the same format (header included), one instruction per
// line, so a lowered kernel program can be saved and replayed with
// `npusim core --trace`. Fields the format does not carry (line numbers,
// the GM row geometry gm_rows/gm_stride) are dropped.
void write_core_trace(std::ostream& out, const std::vector<Instruction>& prog);

// Bytes an mmad reads from L0A / L0B and writes to L0C.
uint64_t mmad_a_bytes(const Instruction& in);
uint64_t mmad_b_bytes(const Instruction& in);
uint64_t mmad_c_bytes(const Instruction& in);

}  // namespace npusim::npu
