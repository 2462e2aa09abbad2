// `npusim-engine collective`: one collective on a named system or a
// topology.json, through the flow-level fabric model.
//   npusim-engine collective --system <preset|topology.json>
//       --op <allreduce|allgather|reducescatter|alltoall> --bytes S
//       [--ranks N] [--algo ring|direct] [--fidelity flow] [--json]
#pragma once
#include <string>
#include <vector>

namespace npusim::cli {

// `args` are the arguments after "collective". Prints the result to stdout
// (one JSON object with --json, else a short table) and returns the exit
// code. Throws UsageError for bad arguments, ConfigError for a bad system.
int run_collective_command(const std::vector<std::string>& args);

// "4096", "64K", "1M", "2G" (binary suffixes; optional trailing B or iB) ->
// bytes. UsageError naming `flag` and the expected form otherwise.
double parse_size(const std::string& flag, const std::string& text);

}  // namespace npusim::cli
