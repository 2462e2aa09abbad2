// `npusim-engine remote`: NPUs load from / store to each other's memory
// through the packet-level fabric behind TLM sockets (workload/remote_job.hpp).
//   npusim-engine remote --system <preset|topology.json|ring:N|mesh:XxY|torus:XxY|clos:E:G:S>
//       [--pattern one|pairs|neighbour|alltoall|incast] [--op read|write] [--bytes S] [--access A]
//       [--memory preset] [--memory-fidelity fast|cycle] [--outstanding N] [--dma-bytes B]
//       [--link-bandwidth-gbps B] [--link-latency-ns L] [--config packet.json] [--json] [--out DIR]
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace npusim::cli {

int run_remote_command(const std::vector<std::string>& args);

}  // namespace npusim::cli
