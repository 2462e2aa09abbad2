// `npusim-engine replay`: operator graphs on a system (workload/replay_job.hpp).
//   npusim-engine replay --system S --trace T.jsonl [--chip C | --chips ranks.json]
//       [--fidelity fast|cycle] [--fabric flow|packet] [--op-cache DIR] [--timeline F] [--json] [--out DIR]
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace npusim::cli {

// The replay job for these arguments: one key per flag ('-' for '_'), from
// the job's schema; sets *as_json and *out_dir.
nlohmann::json replay_job_from_args(const std::vector<std::string>& args, bool* as_json, std::string* out_dir);

int run_replay_command(const std::vector<std::string>& args);

}  // namespace npusim::cli
