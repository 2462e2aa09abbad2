// The replay job (`npusim replay`, Python's ReplayRun, `npusim params
// job.replay`): operator graphs (an opgraph .jsonl, traces/opgraph.md) run
// on a system's chips and fabric by the executor (graph_executor.hpp). One
// trace on the system's first NPUs, or several jobs placed on rank sets of
// one system, each from its own start time, contending for its links.
#pragma once
#include <string>

#include "sim/params.hpp"
#include "sim/run_files.hpp"

namespace npusim {

NPUSIM_ENUM(ComputeFidelity, (Fast, "fast"), (Cycle, "cycle"));
NPUSIM_ENUM(FabricFidelity, (Flow, "flow"), (Packet, "packet"));

struct ReplayJob {
  std::string kind, name;
  json system, trace, chip, chips, jobs, slowdown, delays;
  ComputeFidelity fidelity = ComputeFidelity::Fast;
  FabricFidelity fabric = FabricFidelity::Flow;
  std::string op_cache, packet_config, timeline;
  int64_t parallel = 2;
  double host_link_gbps = 64;
  std::string timeline_ranks;
  static const Schema& schema();
};

// Runs a replay job; writes result.json, stats.txt, stats.json and
// config.json when `files` is enabled. Returns the result.
json run_replay_job(const json& job, const RunFiles& files);

}  // namespace npusim
