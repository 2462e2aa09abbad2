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
#include "models/system_spec.hpp"

namespace npusim::cli {

namespace {

using noc::Topology;

// Links of generated topologies (mesh, torus, ring, clos, dragonfly, fullmesh) unless overridden:
// 32 GB/s and 10 ns per direction (E: a generic board-level SerDes link; at
// 32-B flits and a 1 GHz router clock one flit per cycle, BookSim's unit).
constexpr double kGenBwGbps = kGeneratedLinkGbps;
constexpr double kGenLatNs = kGeneratedLinkLatencyNs;



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

}  // namespace

json noc_json(const std::vector<std::string>& args, bool* as_json_out) {
  std::string topo, config, sweep, stats_dir;
  bool as_json = false, with_stats = false, have_rate = false;
  json pj = json::object(), tj = json::object();
  double gen_bw = kGenBwGbps, gen_lat = kGenLatNs;
  for (size_t i = 0; i < args.size();) {
    const std::string& f = args[i];
    auto value = [&] { return flag_value(args, &i); };
    if (f == "--topology") topo = value();
    else if (f == "--traffic") tj["pattern"] = value();
    else if (f == "--rate") { tj["rate"] = parse_double(f, value()); have_rate = true; }
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
    else if (f == "--link-latency-ns") { gen_lat = parse_double(f, value()); pj["link"]["latency_ns"] = gen_lat; }
    else if (f == "--link-bandwidth-gbps") { gen_bw = parse_double(f, value()); pj["link"]["bandwidth_gbps"] = gen_bw; }
    else if (f == "--seed") pj["seed"] = parse_nonneg_int(f, value());
    else if (f == "--config") config = value();
    else if (f == "--sweep") sweep = value();
    else if (f == "--stats") { with_stats = true; ++i; }
    else if (f == "--stats-dir") { stats_dir = value(); with_stats = true; }
    else if (f == "--json") { as_json = true; ++i; }
    else throw UsageError("unknown argument '" + f + "' for 'noc'");
  }
  if (topo.empty()) throw UsageError(std::string("noc: --topology is required (") + kTopologyForms + ")");
  if (!have_rate && sweep.empty()) throw UsageError("noc: --rate R (offered load, fraction of injection bandwidth) or --sweep r1,r2,... is required");
  if (!tj.contains("pattern")) tj["pattern"] = "uniform";
  std::vector<double> rates;
  if (!sweep.empty()) {
    std::stringstream ss(sweep);
    std::string r;
    while (std::getline(ss, r, ',')) rates.push_back(parse_double("--sweep", r));
    if (rates.empty()) throw UsageError("--sweep: expected a comma-separated list of rates");
  }

  // Packet parameters: --config file first, then the flags on top.
  json base = json::object();
  if (!config.empty()) base = read_json_file(config, "packet-fabric config", "a packet_fabric object");
  noc::PacketParams p = from_json<noc::PacketParams>(base, "noc");
  noc::PacketParams::schema().read(&p, pj, "noc");
  noc::TrafficParams tp = defaults_of<noc::TrafficParams>();
  if (tj.contains("rate") && !rates.empty()) tj.erase("rate");
  noc::TrafficParams::schema().read(&tp, tj, "traffic");
  for (double r : rates) {
    json one = {{"rate", r}};
    noc::TrafficParams check = tp;
    noc::TrafficParams::schema().read(&check, one, "traffic(--sweep)");
  }

  std::string source;
  Topology t = parse_topology_spec(topo, gen_bw, gen_lat, &source);
  if (t.endpoints().size() > size_t(kMaxNocNpus))
    throw UsageError("noc: packet level supports at most " + std::to_string(kMaxNocNpus) + " NPUs, the topology has " +
                     std::to_string(t.endpoints().size()) + " (use npusim collective --fidelity flow)");
  json params = to_json(p);
  // gem5-style outputs: stats.txt, stats.json and the resolved config.json
  // (one directory per rate for a sweep).
  auto write_stats = [&](const noc::TrafficResult& res, const std::string& dir) {
    if (stats_dir.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw ConfigError("--stats-dir: cannot create '" + dir + "': " + ec.message());
    write_file(std::filesystem::path(dir) / "stats.txt", res.stats_text);
    write_file(std::filesystem::path(dir) / "stats.json", res.stats_json.dump(1) + "\n");
    json cfg = {{"topology", topo}, {"packet", params}, {"traffic", to_json(res.traffic)}};
    write_file(std::filesystem::path(dir) / "config.json", cfg.dump(1) + "\n");
  };
  json out;
  if (rates.empty()) {
    noc::TrafficResult res = noc::run_synthetic(t, p, tp, with_stats);
    write_stats(res, stats_dir);
    res.stats_json = nullptr;
    out = res.to_json();
    if (!stats_dir.empty()) out.erase("stats");
  } else {
    json curve = json::array();
    double sat = -1, best_accepted = 0;
    for (double r : rates) {
      tp.rate = r;
      noc::TrafficResult res = noc::run_synthetic(t, p, tp, with_stats);
      if (res.saturated && sat < 0) sat = r;
      best_accepted = std::max(best_accepted, res.accepted_rate);
      std::ostringstream sub;
      sub << "rate_" << r;
      write_stats(res, (std::filesystem::path(stats_dir) / sub.str()).string());
      json one = res.to_json();
      if (!stats_dir.empty()) one.erase("stats");
      curve.push_back(one);
    }
    out = {{"sweep", curve},
           {"rate_unit", "fraction of each NPU's injection bandwidth (wire flits: header and padding included)"},
           {"first_saturated_offered_rate", sat < 0 ? json(nullptr) : json(sat)},
           {"max_accepted_rate", best_accepted}};
  }
  out["topology"] = topo;
  out["source"] = source;
  out["params"] = params;
  out["latency_unit"] = "ns, message creation to tail arrival (source queueing included)";
  if (as_json_out) *as_json_out = as_json;
  return out;
}

int run_noc_command(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(kNocHelp, stdout);
      return 0;
    }
  bool as_json = false;
  const json out = noc_json(args, &as_json);
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
