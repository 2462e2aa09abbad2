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

// The collective job for these arguments (models/collective_job.hpp): one
// key per flag, '-' for '_'; sets *as_json from --json.
nlohmann::json collective_job_from_args(const std::vector<std::string>& args, bool* as_json);

}  // namespace npusim::cli
