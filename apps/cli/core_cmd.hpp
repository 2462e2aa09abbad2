// `npusim-engine core`: replay a core instruction trace (traces/core.md) on
// one AI core and report cycles and per-pipe activity.
//   npusim-engine core --trace <file.core> [--config core.json] [--json] [--stats-dir DIR]
#pragma once
#include <string>
#include <vector>

namespace npusim::cli {

// `args` are the arguments after "core". Returns the exit code; throws
// UsageError / ConfigError / TraceError / StallError as the engine maps them.
int run_core_command(const std::vector<std::string>& args);

}  // namespace npusim::cli
