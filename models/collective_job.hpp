// One collective on a system, at flow or packet level: the collective job
// (`npusim params job.collective`). The `collective` command builds this
// job from its flags and `npusim-engine job` / Python's CollectiveRun send it
// as JSON; both run it here.
//
// Sizes (bytes, token_bytes, chunk_bytes) are a byte count or a string with
// a binary suffix ("64K", "1M", "2G"); counts are integers. Errors name the
// key by its command flag ("--ranks: expected an integer in [2, 72] ..."),
// as UsageError; run_job turns them into ConfigError "job: --ranks: ..." for
// a job that came as JSON.
#pragma once
#include <string>

#include "sim/params.hpp"
#include "sim/run_files.hpp"

namespace npusim {

struct CollectiveJob {
  std::string kind, name;
  json system;
  std::string op, algo, fidelity;
  json bytes, token_bytes, chunk_bytes;
  int64_t ranks = 0, group = 0, tokens = 0, topk = 0, experts = 0, seed = 0;
  std::string packet_config, link_preset;
  double link_bandwidth_gbps = 0, link_latency_ns = 0;
  static const Schema& schema();
};

// The result: op, algo, ranks, bytes, system, time_us, algbw_gbps,
// busbw_gbps, phases, tiers, planes, ... Writes result.json, config.json
// (the job with "system" resolved to every parameter for presets) and
// stats.json when `files` is enabled.
json run_collective_job(const json& job, const RunFiles& files);

}  // namespace npusim
