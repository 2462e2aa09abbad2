// `npusim-engine collective`: one collective on a named system, an edited
// preset or a topology.json, through the flow-level fabric model.
//   npusim-engine collective --system <preset|'{"preset": ..., edits}'|system.json|topology.json>
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

// The result object for the same arguments (sets *as_json from --json, and
// *resolved_system to the system's full parameters {"preset", ...} when it
// is a preset or an edited one, else null).
nlohmann::json collective_json(const std::vector<std::string>& args, bool* as_json,
                               nlohmann::json* resolved_system = nullptr);

// A collective job ({"kind": "collective", "system", "op", "bytes", "ranks"?,
// "algo"?, "fidelity"?}) -> its result; ConfigError naming the job key.
// "system" is a preset name, a .json path, or an edited preset object
// {"preset": ..., "ub": {...}}. *config gets the job with "system" resolved
// to every parameter (for presets and edited presets), to save beside the
// stats so the run can be repeated exactly.
nlohmann::json collective_job(const nlohmann::json& job, nlohmann::json* config = nullptr);

// "4096", "64K", "1M", "2G" (binary suffixes; optional trailing B or iB) ->
// bytes. UsageError naming `flag` and the expected form otherwise.
double parse_size(const std::string& flag, const std::string& text);

}  // namespace npusim::cli
