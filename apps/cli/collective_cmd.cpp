#include "apps/cli/collective_cmd.hpp"

#include <cstdio>
#include <iostream>

#include "apps/cli/job_flags.hpp"
#include "models/collective_job.hpp"
#include "sim/errors.hpp"
#include "workload/job_table.hpp"

namespace npusim::cli {

json collective_job_from_args(const std::vector<std::string>& args, bool* as_json) {
  json job = {{"kind", "collective"}};
  for (size_t i = 0; i < args.size();) {
    const std::string& f = args[i];
    // Values stay as typed where they do not read as numbers ("1M"): the job
    // reads sizes itself, and names the flag in its errors.
    if (read_job_flag(CollectiveJob::schema(), args, &i, &job, {}, false)) continue;
    if (f == "--json") { *as_json = true; ++i; }
    else throw UsageError("unknown argument '" + f + "' for 'collective'");
  }
  return job;
}

int run_collective_command(const std::vector<std::string>& args) {
  bool as_json = false;
  json out = run_job(collective_job_from_args(args, &as_json), RunFiles{}, JobOrigin::Flags);
  out.erase("name");  // the command's output has never carried one
  if (as_json) {
    std::cout << out.dump() << std::endl;
  } else {
    std::printf("system      %s (%d NPUs, %s fidelity)\n", out["system"].get<std::string>().c_str(),
                out["system_npus"].get<int>(), out["fidelity"].get<std::string>().c_str());
    std::printf("collective  %s, %s algorithm, %d ranks, %.0f bytes\n", out["op"].get<std::string>().c_str(),
                out["algo"].get<std::string>().c_str(), out["ranks"].get<int>(), out["bytes"].get<double>());
    std::printf("time        %.3f us (%d phases, %d simulated)\n", out["time_us"].get<double>(),
                out["phases"].get<int>(), out["simulated_phases"].get<int>());
    std::printf("algbw       %.2f GB/s\n", out["algbw_gbps"].get<double>());
    std::printf("busbw       %.2f GB/s\n", out["busbw_gbps"].get<double>());
    for (const auto& u : out["tiers"])
      std::printf("tier %d      %d links, %.3g bytes, %.1f%% utilised\n", u["tier"].get<int>(), u["links"].get<int>(),
                  u["bytes"].get<double>(), 100.0 * u["utilization"].get<double>());
    if (out["planes"].size() > 1)
      for (const auto& u : out["planes"])
        std::printf("plane %-6s %d links, %.3g bytes, %.1f%% utilised\n", u["plane"].get<std::string>().c_str(),
                    u["links"].get<int>(), u["bytes"].get<double>(), 100.0 * u["utilization"].get<double>());
  }
  return 0;
}

}  // namespace npusim::cli
