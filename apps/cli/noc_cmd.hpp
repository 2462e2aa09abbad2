// `npusim-engine noc`: synthetic traffic on the packet-level fabric.
//   npusim-engine noc --topology <mesh:8x8|torus:4x4|ring:N|clos:E:G:S|dragonfly:A:P:H[:G]|fullmesh:AxB..|
//                                 preset|topology.json>
//       --traffic <uniform|permutation|transpose|hotspot|alltoall|incast> --rate R
//       [--packet-bytes B] [--vcs V] [--buffer F] [--pipeline C] [--link-latency-ns L]
//       [--link-bandwidth-gbps B] [--routing R] [--allocator A] [--seed S] [--cycles N]
//       [--warmup N] [--config packet.json] [--stats | --stats-dir DIR] [--json] [--sweep r1,r2,...]
// Prints one JSON object (--json) or a table. Rates are fractions of each
// NPU's injection bandwidth (see noc/packet/synthetic_traffic.hpp).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/system_spec.hpp"

namespace npusim::cli {

// `args` are the arguments after "noc". Returns the exit code; throws
// UsageError for bad arguments, ConfigError for bad values or topologies.
int run_noc_command(const std::vector<std::string>& args);

// The noc job for these arguments (models/noc_job.hpp; sets *as_json from
// --json and *stats_dir from --stats-dir).
nlohmann::json noc_job_from_args(const std::vector<std::string>& args, bool* as_json, std::string* stats_dir);

}  // namespace npusim::cli
