#include "noc/packet/collectives_packet.hpp"

#include <algorithm>

#include "noc/packet/collective_schedule.hpp"

namespace npusim::noc {

CollectiveResult packet_collective(const Topology& t, const PacketParams& p, const CollectivePlan& plan,
                                   std::vector<int> ranks) {
  check_packet_endpoints(t);
  ranks = plan_ranks(t, std::move(ranks), plan);
  const ScheduleRun run = run_schedule(t, p, ranks, schedule_of(plan), plan.op + " (" + plan.algo + ")");
  // The run stands for plan.times identical phases (a direct all-reduce).
  std::vector<double> link_bytes = run.link_wire_bytes;
  for (double& b : link_bytes) b *= plan.times;
  return collective_result(t, plan, run.time_ns * plan.times, link_bytes, plan.phases() / plan.times);
}

CollectiveResult packet_collective(const Topology& t, const PacketParams& p, const std::string& op,
                                   const std::string& algo, double bytes, std::vector<int> ranks,
                                   const CollectiveParams& c) {
  const std::vector<std::string>& algos = collective_algorithms(op);
  if (op.rfind("moe_", 0) == 0 || std::find(algos.begin(), algos.end(), algo) == algos.end())
    throw ConfigError(unsupported_algorithm(op, algo, "packet"));
  check_packet_endpoints(t);
  ranks = collective_ranks(t, std::move(ranks), op);
  if (!(bytes >= 1)) throw ConfigError(op + ": needs at least 1 byte");
  if (c.chunk_bytes < 1) throw ConfigError("collective.chunk_bytes: expected at least 1 byte");
  const CollectivePlan plan = plan_collective(op, algo, static_cast<int>(ranks.size()), bytes, c);
  return packet_collective(t, p, plan, std::move(ranks));
}

CollectiveResult packet_moe(const Topology& t, const PacketParams& p, const MoeTraffic& mt, std::vector<int> ranks,
                            const std::string& algo) {
  const std::string op = mt.combine ? "moe_combine" : "moe_dispatch";
  if (algo != "direct" && algo != "pairwise") throw ConfigError(unsupported_algorithm(op, algo, "packet"));
  check_packet_endpoints(t);
  ranks = collective_ranks(t, std::move(ranks), "moe");
  const CollectivePlan plan = plan_moe(algo, static_cast<int>(ranks.size()), mt);
  return packet_collective(t, p, plan, std::move(ranks));
}

}  // namespace npusim::noc
