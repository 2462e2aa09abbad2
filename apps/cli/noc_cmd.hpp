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

#include "noc/topology.hpp"

namespace npusim::cli {

// `args` are the arguments after "noc". Returns the exit code; throws
// UsageError for bad arguments, ConfigError for bad values or topologies.
int run_noc_command(const std::vector<std::string>& args);

// The result for the same arguments (sets *as_json from --json).
nlohmann::json noc_json(const std::vector<std::string>& args, bool* as_json);

// Links of generated topologies unless overridden (E: a generic board-level
// SerDes link; see noc_cmd.cpp).
inline constexpr double kGeneratedLinkGbps = 32;
inline constexpr double kGeneratedLinkLatencyNs = 10;
inline constexpr long long kMaxNocNpus = 4096;  // packet level

// "mesh:8x8", "torus:4x4", "ring:8", "clos:E:G:S", "dragonfly:A:P:H[:G]",
// "fullmesh:8x8x4", a preset name or a topology .json file; generated links
// (every class / dimension) get `bw_gbps` and `lat_ns`. UsageError for a
// generator above `max_npus` NPUs (checked before building it).
noc::Topology parse_topology_spec(const std::string& spec, double bw_gbps, double lat_ns, std::string* source,
                                  long long max_npus = kMaxNocNpus);

}  // namespace npusim::cli
