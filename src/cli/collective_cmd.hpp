// `npusim-engine collective`: one collective on a named system or a
// topology.json, through the flow-level fabric model.
//   npusim-engine collective --system <preset|topology.json>
//       --op <allreduce|allgather|reducescatter|alltoall> --bytes S
//       [--ranks N] [--algo ring|direct] [--fidelity flow|packet] [--packet-config packet.json] [--json]
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace npusim::cli {

// `args` are the arguments after "collective". Prints the result to stdout
// (one JSON object with --json, else a short table) and returns the exit
// code. Throws UsageError for bad arguments, ConfigError for a bad system.
int run_collective_command(const std::vector<std::string>& args);

// The result object for the same arguments (sets *as_json from --json).
nlohmann::json collective_json(const std::vector<std::string>& args, bool* as_json);

// A collective job ({"kind": "collective", "system", "op", "bytes", "ranks"?,
// "algo"?, "fidelity"?}) -> its result; ConfigError naming the job key.
nlohmann::json collective_job(const nlohmann::json& job);

// "4096", "64K", "1M", "2G" (binary suffixes; optional trailing B or iB) ->
// bytes. UsageError naming `flag` and the expected form otherwise.
double parse_size(const std::string& flag, const std::string& text);

}  // namespace npusim::cli
