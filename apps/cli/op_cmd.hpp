// `npusim-engine op`: one operator on a whole chip.
//   npusim-engine op --chip <preset|chip.json> --op matmul --m M --n N --k K
//       [--batch B] [--trans-a] [--trans-b] --dtype D [--fidelity cycle|fast]
//       [--json] [--out DIR] [--timeline FILE]
//   --op attention --batch B --heads H [--kv-heads G] --head-dim D --seq-q SQ
//       --seq-kv SKV [--no-causal]
//   --op elementwise --elements N [--kind add|mul|reduce_sum]
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace npusim::cli {

// The job object for these arguments (UsageError for bad flags or values).
// --print-job sets *print_job (when given).
nlohmann::json op_job_from_args(const std::vector<std::string>& args, bool* as_json, std::string* out_dir,
                                bool* print_job = nullptr);
int run_op_command(const std::vector<std::string>& args);

}  // namespace npusim::cli
