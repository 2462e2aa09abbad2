// `npusim-engine chakra`: converts between operator-graph traces
// (traces/opgraph.md) and Chakra execution traces (traces/chakra.md).
//   npusim-engine chakra export --trace T.jsonl --out PREFIX   (PREFIX.<rank>.et)
//   npusim-engine chakra import --trace PREFIX --out T.jsonl
#pragma once
#include <string>
#include <vector>

namespace npusim::cli {

// `args` are the arguments after "chakra". Returns the exit code; throws
// UsageError / ConfigError as the engine maps them.
int run_chakra_command(const std::vector<std::string>& args);

}  // namespace npusim::cli
