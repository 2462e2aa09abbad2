#include "noc/packet/collectives_packet.hpp"

#include <algorithm>
#include <cmath>

#include "noc/packet/collective_schedule.hpp"

namespace npusim::noc {

namespace {

// busbw factor per nccl-tests (collectives_flow.hpp).
double bus_factor(const std::string& op, int n) {
  if (op == "allreduce") return 2.0 * (n - 1) / n;
  if (op == "broadcast") return 1.0;
  return double(n - 1) / n;
}

// `times`: the run stands for that many identical phases (direct all-reduce).
CollectiveResult result(const Topology& t, const std::string& op, const std::string& algo, int n, double bytes,
                        const ScheduleRun& run, double times, int phases, int simulated) {
  CollectiveResult r;
  r.name = op;
  r.algo = algo;
  r.ranks = n;
  r.bytes = bytes;
  const double time_ns = run.time_ns * times;
  r.time_us = time_ns / 1000.0;
  r.algbw_gbps = time_ns > 0 ? bytes / time_ns : 0;  // bytes/ns == GB/s
  r.busbw_gbps = r.algbw_gbps * bus_factor(op, n);
  r.phases = phases;
  r.simulated_phases = simulated;
  std::vector<double> link_bytes = run.link_wire_bytes;
  for (double& b : link_bytes) b *= times;
  r.tiers = tier_use(t, link_bytes, time_ns);
  r.planes = plane_use(t, link_bytes, time_ns);
  return r;
}

}  // namespace

CollectiveResult packet_collective(const Topology& t, const PacketParams& p, const std::string& op,
                                   const std::string& algo, double bytes, std::vector<int> ranks,
                                   const CollectiveParams& c) {
  const std::vector<std::string>& algos = collective_algorithms(op);
  if (op.rfind("moe_", 0) == 0 || std::find(algos.begin(), algos.end(), algo) == algos.end())
    throw ConfigError(unsupported_algorithm(op, algo, "packet"));
  ranks = collective_ranks(t, std::move(ranks), op);
  const int n = static_cast<int>(ranks.size());
  if (!(bytes >= 1)) throw ConfigError(op + ": needs at least 1 byte");
  if (c.chunk_bytes < 1) throw ConfigError("collective.chunk_bytes: expected at least 1 byte");
  const uint64_t block = std::max<uint64_t>(1, uint64_t(std::ceil(bytes / n)));
  const std::string what = op + " (" + algo + ")";
  if (algo == "ring" && op == "broadcast") {
    const ScheduleRun run = run_schedule(t, p, ranks, chain_broadcast_schedule(n, bytes, c.chunk_bytes), what);
    return result(t, op, algo, n, bytes, run, 1, 1, 1);
  }
  if (algo == "ring") {
    const int steps = (op == "allreduce" ? 2 : 1) * (n - 1);
    const ScheduleRun run = run_schedule(t, p, ranks, ring_schedule(n, steps, block), what);
    return result(t, op, algo, n, bytes, run, 1, steps, steps);
  }
  if (algo == "direct") {
    const ScheduleRun run = run_schedule(t, p, ranks, direct_schedule(n, block), what);
    const int phases = op == "allreduce" ? 2 : 1;
    return result(t, op, algo, n, bytes, run, phases, phases, 1);
  }
  if (algo == "pairwise") {
    const ScheduleRun run = run_schedule(t, p, ranks, pairwise_schedule(n, block), what);
    return result(t, op, algo, n, bytes, run, 1, n - 1, n - 1);
  }
  if (algo == "halving_doubling") {
    if (n & (n - 1))
      throw ConfigError("allreduce --algo halving_doubling: " + std::to_string(n) +
                        " ranks; expected a power of two (use ring or hierarchical)");
    int levels = 0;
    while ((1 << levels) < n) ++levels;
    const ScheduleRun run = run_schedule(t, p, ranks, halving_doubling_schedule(n, block), what);
    return result(t, op, algo, n, bytes, run, 1, 2 * levels, 2 * levels);
  }
  if (algo == "hierarchical") {
    const int g = c.group;
    if (g < 1 || n % g != 0)
      throw ConfigError("allreduce --algo hierarchical: group " + std::to_string(g) + " does not divide " +
                        std::to_string(n) + " ranks; expected a divisor (e.g. the NPUs per server)");
    const int steps = 2 * (g - 1) + 2 * (n / g - 1);
    const ScheduleRun run = run_schedule(t, p, ranks, hierarchical_schedule(n, g, bytes), what);
    return result(t, op, algo, n, bytes, run, 1, steps, steps);
  }
  // double_tree: a reduce phase and a broadcast phase, overlapped by chunks.
  const ScheduleRun run = run_schedule(t, p, ranks, double_tree_schedule(n, bytes, c.chunk_bytes), what);
  return result(t, op, algo, n, bytes, run, 1, 2, 2);
}

CollectiveResult packet_moe(const Topology& t, const PacketParams& p, const MoeTraffic& mt, std::vector<int> ranks,
                            const std::string& algo) {
  const std::string op = mt.combine ? "moe_combine" : "moe_dispatch";
  if (algo != "direct" && algo != "pairwise") throw ConfigError(unsupported_algorithm(op, algo, "packet"));
  ranks = collective_ranks(t, std::move(ranks), "moe");
  const int n = static_cast<int>(ranks.size());
  if (algo == "pairwise") {
    const std::vector<double> send = moe_send_bytes(n, mt);
    double routed = 0;
    for (double b : send) routed += b;
    const ScheduleRun run = run_schedule(t, p, ranks, pairwise_v_schedule(n, send), op);
    return result(t, op, algo, n, routed / n, run, 1, n - 1, n - 1);
  }
  const std::vector<double> count = moe_token_counts(n, mt);
  double routed = 0;
  Schedule s;
  for (int src = 0; src < n; ++src)
    for (int d = 0; d < n; ++d) routed += count[size_t(src) * size_t(n) + size_t(d)] * mt.token_bytes;
  for (int src = 0; src < n; ++src)
    for (int k = 1; k < n; ++k) {
      const int d = (src + k) % n;
      const double b = count[size_t(src) * size_t(n) + size_t(d)] * mt.token_bytes;
      if (b <= 0) continue;
      if (mt.combine) s.add(d, src, uint64_t(b));
      else s.add(src, d, uint64_t(b));
    }
  const ScheduleRun run = run_schedule(t, p, ranks, s, op);
  return result(t, op, "direct", n, routed / n, run, 1, 1, 1);
}

}  // namespace npusim::noc
