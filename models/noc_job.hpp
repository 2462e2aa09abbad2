// Synthetic traffic on the packet-level fabric: the noc job (`npusim params
// job.noc`). The `noc` command builds it from its flags; a job file or
// Python sends it as JSON; both run it here. One rate, or a latency-load
// curve over `sweep`.
#pragma once
#include <string>

#include "noc/packet/packet_params.hpp"
#include "noc/packet/synthetic_traffic.hpp"
#include "sim/params.hpp"
#include "sim/run_files.hpp"

namespace npusim {

struct NocJob {
  std::string kind, name;
  json topology, sweep;
  noc::TrafficParams traffic;
  noc::PacketParams packet;
  std::string packet_config;
  bool stats = false;
  double link_bandwidth_gbps = 0, link_latency_ns = 0;
  static const Schema& schema();
};

// The result of one rate (offered/accepted rate, latencies, hops, ...) or
// {"sweep": [...], "first_saturated_offered_rate", "max_accepted_rate"},
// with topology, source, params. With `files` enabled: stats.txt,
// stats.json and config.json (rate_<r>/ per sweep rate), and no stats in the
// result; else stats in the result when "stats" is set.
json run_noc_job(const json& job, const RunFiles& files);

}  // namespace npusim
