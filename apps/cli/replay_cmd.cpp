#include "apps/cli/replay_cmd.hpp"

#include <cstdio>
#include <iostream>

#include "apps/cli/cli_common.hpp"
#include "apps/cli/job_flags.hpp"
#include "sim/errors.hpp"
#include "workload/job_table.hpp"
#include "workload/replay_job.hpp"

namespace npusim::cli {

namespace {

const char* kReplayUsage =
    "usage: npusim replay --system <preset|generator|file.json> --trace <graph.jsonl|chakra-prefix>\n"
    "                     [--chip <preset|chip.json> | --chips <ranks.json|'{\"0-3\": \"ascend_910c\", ...}'>]\n"
    "                     [--fidelity fast|cycle] [--fabric flow|packet] [--op-cache DIR] [--parallel P]\n"
    "                     [--slowdown '{\"3\": 1.5}'] [--delays '{\"node\": ns}'] [--jobs jobs.json]\n"
    "                     [--timeline FILE] [--timeline-ranks a-b] [--json] [--out DIR]\n"
    "  Flags are the replay job's keys (npusim params job.replay) with '-' for '_'.\n";

}  // namespace

nlohmann::json replay_job_from_args(const std::vector<std::string>& args, bool* as_json, std::string* out_dir) {
  const Schema& schema = ReplayJob::schema();
  nlohmann::json job = {{"kind", "replay"}};
  for (size_t i = 0; i < args.size();) {
    const std::string& f = args[i];
    if (read_job_flag(schema, args, &i, &job)) continue;
    if (f == "--out") *out_dir = flag_value(args, &i);
    else if (f == "--json") { *as_json = true; ++i; }
    else if (f == "-h" || f == "--help") { std::fputs(kReplayUsage, stdout); std::exit(0); }
    else throw UsageError("unknown argument '" + f + "' for 'replay'\n" + kReplayUsage);
  }
  if (!job.contains("system")) throw UsageError(std::string("replay: --system is required\n") + kReplayUsage);
  if (!job.contains("trace") && !job.contains("jobs"))
    throw UsageError(std::string("replay: --trace (or --jobs) is required\n") + kReplayUsage);
  return job;
}

int run_replay_command(const std::vector<std::string>& args) {
  bool as_json = false;
  std::string out;
  const nlohmann::json job = replay_job_from_args(args, &as_json, &out);
  const nlohmann::json r = run_job(job, RunFiles{out}, JobOrigin::Flags);
  if (as_json) {
    std::cout << r.dump(1) << std::endl;
    return 0;
  }
  std::printf("%s: makespan %.3f us on %s (%zu ranks; compute %s, fabric %s)\n", r["name"].get<std::string>().c_str(),
              r["time_us"].get<double>(), r["system"].get<std::string>().c_str(), r["ranks"].size(),
              r["fidelity"].get<std::string>().c_str(), r["fabric"].get<std::string>().c_str());
  std::printf("  op cache: %llu hits, %llu misses (distinct ops simulated)\n",
              (unsigned long long)r["op_cache"]["hits"].get<uint64_t>(),
              (unsigned long long)r["op_cache"]["misses"].get<uint64_t>());
  for (const auto& j : r["jobs"])
    std::printf("  job %s: %.3f us from %.3f us, %.4g bytes over the fabric\n", j["name"].get<std::string>().c_str(),
                j["time_us"].get<double>(), j["start_us"].get<double>(), j["bytes"].get<double>());
  double compute = 0, exposed = 0, idle = 0;
  for (const auto& k : r["ranks"]) {
    compute += k["compute_us"].get<double>();
    exposed += k["exposed_comm_us"].get<double>();
    idle += k["idle_us"].get<double>();
  }
  const double n = double(std::max<size_t>(1, r["ranks"].size()));
  std::printf("  per rank (mean): compute %.3f us, exposed comm %.3f us, idle %.3f us\n", compute / n, exposed / n,
              idle / n);
  for (const auto& u : r["tiers"])
    std::printf("  tier %d: %.1f%% of link capacity over the makespan\n", u["tier"].get<int>(),
                100 * u["utilization"].get<double>());
  std::printf("  critical path: %zu nodes (result.json / --json: critical_path)\n", r["critical_path"].size());
  return 0;
}

}  // namespace npusim::cli
