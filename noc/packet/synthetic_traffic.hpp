// Synthetic traffic on the packet fabric, BookSim style: every NPU is a
// Bernoulli source (one packet per packet-time slot with probability
// `rate`, slots drawn as geometric gaps, so idle sources cost no events),
// a warm-up, a measurement window, then a drain.
//
// Rate unit: offered load as a fraction of each NPU's injection bandwidth
// (PacketNetwork::injection_bandwidth_gbps: one link for an NPU that holds a
// router, the sum of its links behind switches), counted in wire flits
// (header and padding included). With 32-B flits on 32 GB/s links at 1 GHz
// that is BookSim's flits/node/cycle; both are reported.
//
// Latency: message creation (the packet's generation) to tail arrival,
// source queueing included, for packets generated inside the window.
// Generation continues after the window until every measured packet has
// arrived (or drain_cycles pass), so measured packets see the same load;
// then sources stop and the network empties.
#pragma once
#include <string>
#include <vector>

#include "sim/params.hpp"
#include "noc/packet/packet_params.hpp"
#include "noc/topology.hpp"

namespace npusim::noc {

NPUSIM_ENUM(TrafficPattern, (Uniform, "uniform"), (Permutation, "permutation"), (Transpose, "transpose"),
            (Hotspot, "hotspot"), (Alltoall, "alltoall"), (Incast, "incast"));

struct TrafficParams {
  TrafficPattern pattern = TrafficPattern::Uniform;
  double rate = 0.1;
  int packet_bytes = 240;  // payload per packet (<= packet.mtu_bytes)
  int warmup_cycles = 2000;
  int measure_cycles = 10000;
  int drain_cycles = -1;  // -1: measure_cycles
  double hotspot_fraction = 0.2;  // hotspot: share of packets sent to NPU 0
  static const Schema& schema();
};

struct TrafficResult {
  TrafficParams traffic;
  std::string routing;
  int endpoints = 0, active_sources = 0;
  int buffer_flits = 0;  // per VC, as resolved (auto when the parameter is 0)
  double offered_rate = 0, accepted_rate = 0;  // fraction of injection bandwidth
  double offered_flits_per_node_cycle = 0, accepted_flits_per_node_cycle = 0;
  double accepted_gbps_per_node = 0;  // payload
  double avg_latency_ns = 0, p50_latency_ns = 0, p99_latency_ns = 0, max_latency_ns = 0;
  double avg_hops = 0;
  double max_link_utilisation = 0, mean_link_utilisation = 0;
  uint64_t packets_measured = 0, packets_created = 0, packets_delivered = 0, source_paused = 0;
  uint64_t credits_returned = 0;
  uint64_t escape_entries = 0;  // packets that fell back to the escape VCs (adaptive routing)
  bool credits_conserved = false;
  bool saturated = false;  // accepted < 95% of offered
  uint64_t events = 0;
  double sim_time_ns = 0;
  json stats;              // the fabric's stats registry (flattened), when asked for
  json stats_json;         // Registry::dump_json (values, descriptions, units), when asked for
  std::string stats_text;  // gem5-like stats.txt, when asked for
  json to_json() const;
};

// ConfigError naming traffic.<key> for a pattern the topology cannot carry
// (transpose on a non-square node count) or out-of-range values.
TrafficResult run_synthetic(const Topology& t, const PacketParams& p, const TrafficParams& tp,
                            bool with_stats = false);

}  // namespace npusim::noc
