#include "apps/cli/noc_cmd.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "sim/errors.hpp"
#include "sim/json_files.hpp"
#include "noc/packet/packet_params.hpp"
#include "noc/packet/synthetic_traffic.hpp"
#include "models/onchip_mesh.hpp"
#include "noc/system_presets.hpp"
#include "npu/chip/chip_presets.hpp"
#include "apps/cli/cli_common.hpp"
#include "models/noc_job.hpp"
#include "models/system_spec.hpp"
#include "workload/job_table.hpp"

namespace npusim::cli {

namespace {

using noc::Topology;




const char* kNocHelp =
    "npusim noc: synthetic traffic on the packet-level fabric\n"
    "  --topology T        mesh:XxY | torus:XxY | ring:N | clos:E:G:S (E NPUs, G per leaf, S spines) |\n"
    "                      chip:<chip preset> (the chip model's on-chip mesh: tiles, link widths) |\n"
    "                      dragonfly:A:P:H[:G] (A routers/group, P NPUs/router, H global links/router, G groups) |\n"
    "                      fullmesh:AxBx... (nD-FullMesh, UB-Mesh) | a system preset | supercluster:<pod>:<K> |\n"
    "                      a topology .json file\n"
    "                      (generated links: 32 GB/s, 10 ns, E; every link class and dimension alike)\n"
    "  --traffic P         uniform | permutation | transpose | hotspot | alltoall | incast (default uniform)\n"
    "  --rate R            offered load: fraction of each NPU's injection bandwidth, in (0, 1]\n"
    "  --sweep r1,r2,...   a latency-load curve instead of one rate\n"
    "  --packet-bytes B    payload per packet (default 240, <= MTU 256)\n"
    "  --vcs V --buffer F --pipeline C --allocator round_robin|islip\n"
    "  --routing auto|ecmp|dor|updown|adaptive|dragonfly_min  --link-latency-ns L --link-bandwidth-gbps B\n"
    "  --link-preset P     link medium of every link without its own: none | electrical | optical | optical_lpo\n"
    "                      (adds SerDes + FEC + module latency and propagation; npusim params link_media)\n"
    "  --escape-vc on|off  adaptive: Duato escape VCs (default on, deadlock-free; needs --vcs >= 3 on a\n"
    "                      ring/torus, >= 2 elsewhere); off: pure minimal adaptive, can deadlock\n"
    "  --seed S --cycles N (measurement window) --warmup N --config packet.json --json\n"
    "  --stats (stats in the JSON) | --stats-dir DIR (stats.txt, stats.json, config.json; rate_<r>/ per sweep rate)\n"
    "Exit codes: 2 usage, 3 config, 6 stall (deadlock: the report names who holds what).\n";

bool parse_on_off(const std::string& flag, const std::string& text) {
  if (text == "on") return true;
  if (text == "off") return false;
  throw UsageError(flag + ": expected on or off, got '" + text + "'");
}

json parse_sweep(const std::string& text) {
  json rates = json::array();
  std::stringstream ss(text);
  std::string r;
  while (std::getline(ss, r, ',')) rates.push_back(parse_double("--sweep", r));
  if (rates.empty()) throw UsageError("--sweep: expected a comma-separated list of rates");
  return rates;
}

}  // namespace

json noc_job_from_args(const std::vector<std::string>& args, bool* as_json, std::string* stats_dir) {
  json job = {{"kind", "noc"}};
  json pj = json::object(), tj = json::object();
  for (size_t i = 0; i < args.size();) {
    const std::string& f = args[i];
    auto value = [&] { return flag_value(args, &i); };
    // Flags name the nested parameters they set, so they are mapped by hand.
    if (f == "--topology") job["topology"] = value();
    else if (f == "--traffic") tj["pattern"] = value();
    else if (f == "--rate") tj["rate"] = parse_double(f, value());
    else if (f == "--packet-bytes") tj["packet_bytes"] = parse_nonneg_int(f, value());
    else if (f == "--cycles") tj["measure_cycles"] = parse_nonneg_int(f, value());
    else if (f == "--warmup") tj["warmup_cycles"] = parse_nonneg_int(f, value());
    else if (f == "--vcs") pj["switch"]["vcs"] = parse_nonneg_int(f, value());
    else if (f == "--buffer") pj["switch"]["buffer_flits"] = parse_nonneg_int(f, value());
    else if (f == "--pipeline") pj["switch"]["pipeline_cycles"] = parse_nonneg_int(f, value());
    else if (f == "--allocator") pj["switch"]["allocator"] = value();
    else if (f == "--routing") pj["routing"]["algorithm"] = value();
    else if (f == "--link-preset") pj["link"]["preset"] = value();
    else if (f == "--escape-vc") pj["routing"]["escape_vc"] = parse_on_off(f, value());
    else if (f == "--link-latency-ns") job["link_latency_ns"] = pj["link"]["latency_ns"] = parse_double(f, value());
    else if (f == "--link-bandwidth-gbps")
      job["link_bandwidth_gbps"] = pj["link"]["bandwidth_gbps"] = parse_double(f, value());
    else if (f == "--seed") pj["seed"] = parse_nonneg_int(f, value());
    else if (f == "--config") job["packet_config"] = value();
    else if (f == "--sweep") job["sweep"] = parse_sweep(value());
    else if (f == "--stats") { job["stats"] = true; ++i; }
    else if (f == "--stats-dir") *stats_dir = value();
    else if (f == "--json") { *as_json = true; ++i; }
    else throw UsageError("unknown argument '" + f + "' for 'noc'");
  }
  if (!tj.empty()) job["traffic"] = tj;
  if (!pj.empty()) job["packet"] = pj;
  return job;
}

int run_noc_command(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(kNocHelp, stdout);
      return 0;
    }
  bool as_json = false;
  std::string stats_dir;
  const json job = noc_job_from_args(args, &as_json, &stats_dir);
  const json out = run_job(job, RunFiles{stats_dir}, JobOrigin::Flags);
  if (as_json) {
    std::cout << out.dump() << std::endl;
    return 0;
  }
  std::printf("topology   %s\n", out["topology"].get<std::string>().c_str());
  auto row = [](const json& r) {
    std::printf("%-10.4f %-10.4f %-12.1f %-12.1f %-9.3f %s\n", r["offered_rate"].get<double>(),
                r["accepted_rate"].get<double>(), r["avg_latency_ns"].get<double>(), r["p99_latency_ns"].get<double>(),
                r["avg_hops"].get<double>(), r["saturated"].get<bool>() ? "saturated" : "");
  };
  std::printf("%-10s %-10s %-12s %-12s %-9s\n", "offered", "accepted", "avg_lat_ns", "p99_lat_ns", "hops");
  if (out.contains("sweep"))
    for (const auto& r : out["sweep"]) row(r);
  else
    row(out);
  std::printf("(rates: fraction of each NPU's injection bandwidth)\n");
  return 0;
}

}  // namespace npusim::cli
