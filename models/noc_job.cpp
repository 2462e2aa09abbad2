#include "models/noc_job.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "models/system_spec.hpp"
#include "sim/errors.hpp"
#include "sim/json_files.hpp"

namespace npusim {

namespace {

using noc::Topology;

std::vector<double> sweep_rates(const json& job) {
  std::vector<double> rates;
  if (!job.contains("sweep")) return rates;
  const json& s = job["sweep"];
  if (!s.is_array() || s.empty()) throw UsageError("--sweep: expected a comma-separated list of rates");
  for (const auto& r : s) {
    if (!r.is_number()) throw UsageError("--sweep: expected a number, got '" + r.dump() + "'");
    rates.push_back(r.get<double>());
  }
  return rates;
}

// Packet parameters: packet_config's file first, then "packet" on top.
noc::PacketParams packet_params(const json& job) {
  json base = json::object();
  if (job.contains("packet_config"))
    base = read_json_file(job["packet_config"].get<std::string>(), "packet-fabric config", "a packet_fabric object");
  noc::PacketParams p = from_json<noc::PacketParams>(base, "noc");
  if (job.contains("packet")) noc::PacketParams::schema().read(&p, job["packet"], "noc");
  return p;
}

noc::TrafficParams traffic_params(const json& job, const std::vector<double>& rates) {
  json tj = job.value("traffic", json::object());
  if (!tj.is_object()) throw ConfigError("job.traffic: expected an object of traffic parameters, got " + tj.dump());
  if (!tj.contains("pattern")) tj["pattern"] = "uniform";
  noc::TrafficParams tp = defaults_of<noc::TrafficParams>();
  if (tj.contains("rate") && !rates.empty()) tj.erase("rate");
  noc::TrafficParams::schema().read(&tp, tj, "traffic");
  for (double r : rates) {
    json one = {{"rate", r}};
    noc::TrafficParams check = tp;
    noc::TrafficParams::schema().read(&check, one, "traffic(--sweep)");
  }
  return tp;
}

// gem5-style outputs: stats.txt, stats.json and the resolved config.json.
void write_stats(const noc::TrafficResult& res, const std::string& dir, const json& topo, const json& params) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw ConfigError("--stats-dir: cannot create '" + dir + "': " + ec.message());
  const json cfg = {{"topology", topo}, {"packet", params}, {"traffic", to_json(res.traffic)}};
  write_stats_files(RunFiles(dir), res.stats_text, res.stats_json, cfg);
}

json sweep(const Topology& t, const noc::PacketParams& p, noc::TrafficParams tp, const std::vector<double>& rates,
           bool with_stats, const RunFiles& files, const json& topo, const json& params) {
  json curve = json::array();
  double sat = -1, best_accepted = 0;
  for (double r : rates) {
    tp.rate = r;
    noc::TrafficResult res = noc::run_synthetic(t, p, tp, with_stats);
    if (res.saturated && sat < 0) sat = r;
    best_accepted = std::max(best_accepted, res.accepted_rate);
    std::ostringstream sub;
    sub << "rate_" << r;
    if (files.enabled()) write_stats(res, (files / sub.str()).string(), topo, params);
    json one = res.to_json();
    if (files.enabled()) one.erase("stats");
    curve.push_back(one);
  }
  return {{"sweep", curve},
          {"rate_unit", "fraction of each NPU's injection bandwidth (wire flits: header and padding included)"},
          {"first_saturated_offered_rate", sat < 0 ? json(nullptr) : json(sat)},
          {"max_accepted_rate", best_accepted}};
}

}  // namespace

const Schema& NocJob::schema() {
  static const Schema s = [] {
    Schema s("job.noc", "Synthetic traffic on the packet-level fabric: latency and throughput at one rate or a sweep");
    SchemaBuilder<NocJob>(s)
        .choice(&NocJob::kind, "kind", "noc", "Job kind", {"noc"})
        .derived(&NocJob::name, "name", "", "Run name")
        .spec(&NocJob::topology, "topology", "Topology: mesh:XxY, torus:XxY, ring:N, clos:E:G:S, "
              "dragonfly:A:P:H[:G], fullmesh:AxBx..., chip:<chip preset>, a system preset, "
              "supercluster:<pod>:<K> or a topology .json", "a topology generator, preset or .json path", true)
        .group(&NocJob::traffic, "traffic", "Offered traffic (one rate; sweep overrides the rate)")
        .spec(&NocJob::sweep, "sweep", "Rates of a latency-load curve instead of traffic.rate: [r1, r2, ...]",
              "a list of rates", false)
        .group(&NocJob::packet, "packet", "Packet-fabric parameters over packet_config's (npusim params "
               "packet_fabric)")
        .derived(&NocJob::packet_config, "packet_config", "", "A packet_fabric parameter .json, read first")
        .param(&NocJob::stats, "stats", "", false, "Stats in the result (always written with a run directory)")
        .derived(&NocJob::link_bandwidth_gbps, "link_bandwidth_gbps", "GB/s", "Links of a generated topology "
                 "(default 32, E)")
        .derived(&NocJob::link_latency_ns, "link_latency_ns", "ns", "Links of a generated topology (default 10, E)");
    return s;
  }();
  return s;
}

json run_noc_job(const json& job, const RunFiles& files) {
  NocJob::schema().check_known_keys(job, "job", "noc job");
  if (!job.contains("topology") || !job["topology"].is_string())
    throw UsageError(std::string("noc: --topology is required (") + kTopologyForms + ")");
  const bool have_rate = job.contains("traffic") && job["traffic"].is_object() && job["traffic"].contains("rate");
  if (!have_rate && !job.contains("sweep"))
    throw UsageError("noc: --rate R (offered load, fraction of injection bandwidth) or --sweep r1,r2,... is required");
  const std::vector<double> rates = sweep_rates(job);
  const noc::PacketParams p = packet_params(job);
  const noc::TrafficParams tp = traffic_params(job, rates);
  const json topo = job["topology"];
  const double gen_bw = job.value("link_bandwidth_gbps", kGeneratedLinkGbps);
  const double gen_lat = job.value("link_latency_ns", kGeneratedLinkLatencyNs);
  const bool with_stats = job.value("stats", false) || files.enabled();

  std::string source;
  Topology t = parse_topology_spec(topo.get<std::string>(), gen_bw, gen_lat, &source);
  if (t.endpoints().size() > size_t(kMaxNocNpus))
    throw UsageError("noc: packet level supports at most " + std::to_string(kMaxNocNpus) + " NPUs, the topology has " +
                     std::to_string(t.endpoints().size()) + " (use npusim collective --fidelity flow)");
  const json params = to_json(p);
  json out;
  if (rates.empty()) {
    noc::TrafficResult res = noc::run_synthetic(t, p, tp, with_stats);
    if (files.enabled()) write_stats(res, files.dir, topo, params);
    res.stats_json = nullptr;
    out = res.to_json();
    if (files.enabled()) out.erase("stats");
  } else {
    out = sweep(t, p, tp, rates, with_stats, files, topo, params);
  }
  out["topology"] = topo;
  out["source"] = source;
  out["params"] = params;
  out["latency_unit"] = "ns, message creation to tail arrival (source queueing included)";
  return out;
}

}  // namespace npusim
