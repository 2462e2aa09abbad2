#include "apps/cli/remote_cmd.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "sim/errors.hpp"
#include "sim/json_files.hpp"
#include "workload/job_table.hpp"
#include "apps/cli/cli_common.hpp"
#include "apps/cli/collective_cmd.hpp"

namespace npusim::cli {

namespace {

const char* kRemoteUsage =
    "usage: npusim remote --system <preset|topology.json|generator: ring:N|mesh:XxY|torus:XxY|clos:E:G:S|\n"
    "                              dragonfly:A:P:H[:G]|fullmesh:AxBx...>\n"
    "         [--pattern one|pairs|neighbour|alltoall|incast] [--op read|write] [--bytes S] [--access A]\n"
    "         [--memory preset] [--memory-fidelity fast|cycle] [--outstanding N] [--dma-bytes B]\n"
    "         [--link-bandwidth-gbps B] [--link-latency-ns L] [--config packet.json] [--json] [--out DIR]\n"
    "  Every source NPU moves S bytes (default 1M) from/to another NPU's memory through the packet fabric,\n"
    "  A bytes per transaction (default 512: a load/store; larger = a bulk RDMA-like transfer).\n"
    "  Exit codes: 2 usage, 3 config, 6 stall (the report names who holds what).\n";

double number(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end || !(v > 0))
    throw UsageError(flag + ": expected a positive number, got '" + text + "'");
  return v;
}

}  // namespace

int run_remote_command(const std::vector<std::string>& args) {
  nlohmann::json job = {{"kind", "remote"}};
  bool as_json = false;
  std::string out;
  nlohmann::json link = nlohmann::json::object(), fabric = nlohmann::json::object();
  std::string mem_preset = "ascend_910c", mem_fidelity = "fast";
  for (size_t i = 0; i < args.size();) {
    const std::string& f = args[i];
    auto value = [&] { return flag_value(args, &i); };
    if (f == "--system") job["system"] = value();
    else if (f == "--pattern") job["pattern"] = value();
    else if (f == "--op") job["op"] = value();
    else if (f == "--bytes") job["bytes"] = uint64_t(parse_size(f, value()));
    else if (f == "--access") job["access_bytes"] = uint64_t(parse_size(f, value()));
    else if (f == "--memory") mem_preset = value();
    else if (f == "--memory-fidelity") mem_fidelity = value();
    else if (f == "--outstanding") fabric["max_outstanding"] = parse_positive(f, value(), 1 << 20);
    else if (f == "--dma-bytes") fabric["dma_bytes"] = parse_positive(f, value(), 1 << 24);
    else if (f == "--link-bandwidth-gbps") link["bandwidth_gbps"] = number(f, value());
    else if (f == "--link-latency-ns") link["latency_ns"] = number(f, value());
    else if (f == "--config") job["packet"] = read_json_file(value(), "--config", "a packet-fabric parameter object");
    else if (f == "--name") job["name"] = value();
    else if (f == "--out") out = value();
    else if (f == "--json") { as_json = true; ++i; }
    else if (f == "-h" || f == "--help") { std::fputs(kRemoteUsage, stdout); return 0; }
    else throw UsageError("unknown argument '" + f + "' for 'remote'\n" + kRemoteUsage);
  }
  if (!job.contains("system")) throw UsageError(std::string("remote: --system is required\n") + kRemoteUsage);
  if (mem_fidelity != "fast" && mem_fidelity != "cycle")
    throw UsageError("--memory-fidelity: expected fast or cycle, got '" + mem_fidelity + "'");
  job["memory"] = {{"preset", mem_preset}, {"fidelity", mem_fidelity}};
  if (!link.empty()) job["link"] = link;
  if (!fabric.empty()) job["tlm_fabric"] = fabric;
  nlohmann::json r = run_job(job, RunFiles{out}, JobOrigin::Flags);
  if (as_json) {
    r.erase("perf");
    std::cout << r.dump() << std::endl;
    return 0;
  }
  std::printf("remote %s %s on %s (%d NPUs, %d sources)\n", r["pattern"].get<std::string>().c_str(),
              r["op"].get<std::string>().c_str(), r["system"].get<std::string>().c_str(), r["npus"].get<int>(),
              r["sources"].get<int>());
  std::printf("time              %.3f us\n", r["time_us"].get<double>());
  std::printf("per-NPU bandwidth %.2f GB/s (min %.2f)\n", r["per_npu_gbps"].get<double>(),
              r["min_npu_gbps"].get<double>());
  std::printf("aggregate         %.2f GB/s\n", r["aggregate_gbps"].get<double>());
  std::printf("latency           avg %.1f ns, p99 %.1f ns\n", r["avg_latency_ns"].get<double>(),
              r["p99_latency_ns"].get<double>());
  std::printf("busiest link      %s at %.1f%%\n", r["busiest_link"].get<std::string>().c_str(),
              100 * r["max_link_utilization"].get<double>());
  if (!out.empty()) std::printf("stats             %s/stats.txt\n", out.c_str());
  return 0;
}

}  // namespace npusim::cli
