#include "models/collective_job.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "models/system_spec.hpp"
#include "noc/collective_params.hpp"
#include "noc/collectives_flow.hpp"
#include "noc/link_model.hpp"
#include "noc/packet/collectives_packet.hpp"
#include "noc/packet/packet_params.hpp"
#include "noc/system_presets.hpp"
#include "noc/topology.hpp"
#include "sim/errors.hpp"
#include "sim/json_files.hpp"

namespace npusim {

namespace {

using noc::CollectiveResult;
using noc::Topology;

const char* kGeneratorForms = "mesh:XxY, torus:XxY, ring:N, clos:E:G:S, dragonfly:A:P:H[:G], fullmesh:AxBx...";
// Generated systems at flow level stop where the generators do.
constexpr long long kMaxFlowNpus = 1LL << 22;

const std::vector<std::string>& ops() {
  static const std::vector<std::string> v = {"allreduce", "allgather", "reducescatter", "alltoall",
                                             "broadcast", "moe_dispatch", "moe_combine"};
  return v;
}
const char* kOps = "allreduce, allgather, reducescatter, alltoall, broadcast, moe_dispatch or moe_combine";

std::string preset_list() {
  std::string s;
  for (const auto& n : noc::system_names()) s += (s.empty() ? "" : ", ") + n;
  return s + ", supercluster:<pod-preset>:<K>";
}

// Readers of one value, given as the command's flag text or as JSON
// (numbers, or strings in the flag's form). Errors name the flag.
std::string text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.dump();
}

double size_value(const json& v, const std::string& flag) {
  if (v.is_number()) {
    const double d = v.get<double>();
    if (d > 0 && d <= 1e18 && std::floor(d) == d) return d;
  }
  return parse_size(flag, text(v));
}

int count_value(const json& v, const std::string& flag) {
  if (v.is_number_integer() && v.get<int64_t>() >= 1 && v.get<int64_t>() <= (int64_t(1) << 30))
    return int(v.get<int64_t>());
  return static_cast<int>(parse_positive(flag, text(v), uint64_t(1) << 30));
}

double number_value(const json& v, const std::string& flag) {
  if (v.is_number()) return v.get<double>();
  const std::string want = flag + ": expected a number, got '" + text(v) + "'";
  size_t pos = 0;
  double d = 0;
  try {
    d = std::stod(text(v), &pos);
  } catch (const std::exception&) {
    throw UsageError(want);
  }
  if (pos != text(v).size() || !std::isfinite(d)) throw UsageError(want);
  return d;
}

int ranks_value(const json& v, int npus) {
  const std::string t = text(v);
  const std::string want =
      "--ranks: expected an integer in [2, " + std::to_string(npus) + "] (the system's NPUs), got '" + t + "'";
  if (t.empty() || t.size() > 9) throw UsageError(want);
  for (char c : t)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw UsageError(want);
  const int n = std::stoi(t);
  if (n < 2 || n > npus) throw UsageError(want);
  return n;
}

std::string string_value(const json& job, const char* key, const std::string& dflt = "") {
  return job.contains(key) ? text(job[key]) : dflt;
}

// What the job asks for, checked before any system is built.
struct Request {
  std::string op, algo, fidelity;
  bool moe = false, pipelined = false;
  double bytes = 0;
  noc::CollectiveParams cp = defaults_of<noc::CollectiveParams>();
};

Request read_request(const json& job) {
  Request q;
  if (!job.contains("system"))
    throw UsageError("collective: --system is required (a preset: " + preset_list() +
                     "; an edited preset, inline or in a .json file: {\"preset\": ..., \"ub\": {...}}; a "
                     "topology .json file; or a generator: " + kGeneratorForms + ")");
  if (!job.contains("op")) throw UsageError(std::string("collective: --op is required (") + kOps + ")");
  q.op = text(job["op"]);
  q.moe = q.op == "moe_dispatch" || q.op == "moe_combine";
  if (std::find(ops().begin(), ops().end(), q.op) == ops().end())
    throw UsageError(std::string("--op: expected ") + kOps + ", got '" + q.op + "'");
  if (q.moe) {
    for (const char* k : {"tokens", "topk", "experts", "token_bytes"})
      if (!job.contains(k))
        throw UsageError("collective --op " + q.op +
                         ": --tokens T (per rank), --topk K, --experts E and --token-bytes B are required");
    if (job.contains("bytes")) throw UsageError("--bytes: not used by " + q.op + " (the tokens set the traffic)");
  } else if (!job.contains("bytes")) {
    throw UsageError("collective: --bytes is required (e.g. 4096, 64K, 1M, 2G)");
  }
  q.fidelity = string_value(job, "fidelity", "flow");
  if (q.fidelity != "flow" && q.fidelity != "packet")
    throw UsageError("--fidelity: expected flow or packet, got '" + q.fidelity + "'");
  const std::vector<std::string>& algos = noc::collective_algorithms(q.op);
  q.algo = string_value(job, "algo", algos.front());
  if (std::find(algos.begin(), algos.end(), q.algo) == algos.end())
    throw UsageError(noc::unsupported_algorithm(q.op, q.algo, q.fidelity));
  if (job.contains("group") && q.algo != "hierarchical") throw UsageError("--group: only with --algo hierarchical");
  q.pipelined = q.algo == "double_tree" || q.op == "broadcast";
  if (job.contains("chunk_bytes") && (q.fidelity != "packet" || !q.pipelined))
    throw UsageError("--chunk-bytes: only for the pipelined algorithms (double_tree allreduce, broadcast) at "
                     "--fidelity packet; the flow level is their fluid limit");
  q.bytes = q.moe ? 0.0 : size_value(job["bytes"], "--bytes");
  if (job.contains("group")) q.cp.group = count_value(job["group"], "--group");
  if (job.contains("chunk_bytes")) {
    const double chunk = size_value(job["chunk_bytes"], "--chunk-bytes");
    const ParamInfo& info = noc::CollectiveParams::schema().find("chunk_bytes")->info;
    if (chunk > info.max)
      throw UsageError("--chunk-bytes: expected " + info.expected_form() + ", got " + text(job["chunk_bytes"]));
    q.cp.chunk_bytes = uint64_t(chunk);
  }
  return q;
}

noc::MoeTraffic moe_traffic(const json& job, const std::string& op) {
  noc::MoeTraffic mt;
  mt.tokens = count_value(job["tokens"], "--tokens");
  mt.topk = count_value(job["topk"], "--topk");
  mt.experts = count_value(job["experts"], "--experts");
  mt.token_bytes = size_value(job["token_bytes"], "--token-bytes");
  mt.seed = job.contains("seed") ? uint64_t(count_value(job["seed"], "--seed")) : 1;
  mt.combine = op == "moe_combine";
  if (mt.topk > mt.experts)
    throw UsageError("--topk: expected at most --experts (" + std::to_string(mt.experts) + "), got " +
                     std::to_string(mt.topk));
  return mt;
}

struct System {
  Topology t;
  std::string name, source;
  json resolved;  // every parameter of a preset or an edited one; null for a topology graph
};

System resolve_system(const json& job) {
  System s;
  const json& v = job["system"];
  const std::string spec = v.is_object() ? v.dump() : text(v);  // an edited preset object reads as inline JSON
  s.name = spec;
  // A generator spec ("dragonfly:4:2:2", "fullmesh:8x8x4", ...) has a colon
  // and is not a file; its links take link_bandwidth_gbps / link_latency_ns.
  const bool generated = spec.find(':') != std::string::npos && !is_file(spec) && spec.rfind('{', 0) != 0;
  const bool bw_given = job.contains("link_bandwidth_gbps"), lat_given = job.contains("link_latency_ns");
  if (!generated && (bw_given || lat_given))
    throw UsageError("--link-bandwidth-gbps / --link-latency-ns: only for a generated --system (" +
                     std::string(kGeneratorForms) + "), not a preset or a topology file");
  const double bw = bw_given ? number_value(job["link_bandwidth_gbps"], "--link-bandwidth-gbps") : kGeneratedLinkGbps;
  const double lat = lat_given ? number_value(job["link_latency_ns"], "--link-latency-ns") : kGeneratedLinkLatencyNs;
  if (!(bw > 0))
    throw UsageError("--link-bandwidth-gbps: expected a number > 0, got '" + text(job["link_bandwidth_gbps"]) + "'");
  if (!(lat >= 0))
    throw UsageError("--link-latency-ns: expected a number >= 0, got '" + text(job["link_latency_ns"]) + "'");
  s.t = generated ? parse_topology_spec(spec, bw, lat, &s.source, kMaxFlowNpus)
                  : load_system_or_file(spec, "a preset: " + preset_list() + ", or a topology .json file", &s.source,
                                        &s.name, &s.resolved);
  return s;
}

CollectiveResult simulate(const Request& q, const json& job, const Topology& t, const Topology& tf,
                          const noc::PacketParams& pp, const std::vector<int>& ranks) {
  const double bytes = q.bytes;
  const std::string& op = q.op;
  const std::string& algo = q.algo;
  if (q.fidelity == "packet")
    return q.moe ? noc::packet_moe(t, pp, moe_traffic(job, op), ranks, algo)
                 : noc::packet_collective(t, pp, op, algo, bytes, ranks, q.cp);
  // Both fidelities run the algorithm's one description (noc/collective_plan.hpp).
  if (q.moe) return noc::flow_moe(tf, moe_traffic(job, op), ranks, algo);
  return noc::flow_collective(tf, op, algo, bytes, ranks, q.cp);
}

json utilisation(const CollectiveResult& r, json* planes) {
  json tiers = json::array();
  for (const auto& u : r.tiers)
    tiers.push_back({{"tier", u.tier}, {"links", u.links}, {"bytes", u.bytes}, {"capacity_gbps", u.capacity_gbps},
                     {"utilization", u.utilization}});
  *planes = json::array();
  for (const auto& u : r.planes)
    planes->push_back({{"plane", u.plane}, {"links", u.links}, {"bytes", u.bytes}, {"capacity_gbps", u.capacity_gbps},
                       {"utilization", u.utilization}});
  return tiers;
}

void write_files(const RunFiles& files, const json& job, const json& resolved_system, const json& r) {
  files.create();
  write_json_file(files / "result.json", r);
  json config = job;
  if (!resolved_system.is_null()) config["system"] = resolved_system;
  write_json_file(files / "config.json", config);
  // The flow model has no component stats yet: the summary is the stats.
  json stats = {{"stats", json::object()}, {"info", json::object()}};
  for (const char* k : {"time_us", "algbw_gbps", "busbw_gbps"}) stats["stats"]["system.collective." + std::string(k)] = r[k];
  for (const auto& u : r.value("tiers", json::array())) {
    const std::string tier = "system.fabric.tier" + std::to_string(u["tier"].get<int>()) + ".";
    stats["stats"][tier + "bytes"] = u["bytes"];
    stats["stats"][tier + "utilization"] = u["utilization"];
    stats["info"][tier + "utilization"] = {{"desc", "Bytes carried / (link capacity x time), tier's links"},
                                           {"unit", "fraction"}};
  }
  write_json_file(files / "stats.json", stats);
}

}  // namespace

const Schema& CollectiveJob::schema() {
  static const Schema s = [] {
    Schema s("job.collective", "One collective on a system through the flow-level or packet-level fabric model");
    std::vector<std::string> algos;
    for (const auto& op : ops())
      for (const auto& a : noc::collective_algorithms(op))
        if (std::find(algos.begin(), algos.end(), a) == algos.end()) algos.push_back(a);
    const std::vector<std::string> moe = {"moe_dispatch", "moe_combine"};
    const char* size = "a byte count: an integer or a string with a binary suffix K, M or G (64K, 1M, 2G)";
    SchemaBuilder<CollectiveJob>(s)
        .choice(&CollectiveJob::kind, "kind", "collective", "Job kind", {"collective"})
        .derived(&CollectiveJob::name, "name", "", "Run name (default <system>__<op>)")
        .spec(&CollectiveJob::system, "system", "System: a preset, supercluster:<pod>:<K>, an edited preset "
              "{\"preset\", edits} (inline or a .json), a topology .json, or a generator (mesh:XxY, torus:XxY, "
              "ring:N, clos:E:G:S, dragonfly:A:P:H[:G], fullmesh:AxBx...)",
              "a system preset name, a generator, a .json path or an edited preset object", true)
        .choice(&CollectiveJob::op, "op", nullptr, "Collective", ops())
        .spec(&CollectiveJob::bytes, "bytes", "Buffer bytes per rank (not for moe_dispatch / moe_combine)", size,
              false)
        .derived(&CollectiveJob::ranks, "ranks", "NPUs", "Ranks: the system's first N NPUs (default all)", {2})
        .derived(&CollectiveJob::algo, "algo", "", "Algorithm (default the op's first): all-reduce ring, direct, "
                 "halving_doubling, hierarchical, double_tree; all-gather / reduce-scatter ring, direct; all-to-all "
                 "and MoE direct, pairwise; broadcast ring")
        .choice(&CollectiveJob::fidelity, "fidelity", "flow", "flow: max-min fair flow model; packet: the "
                "packet-level fabric (small systems)", {"flow", "packet"})
        .derived(&CollectiveJob::group, "group", "ranks", "Hierarchical all-reduce: ranks per group (default "
                 "npusim params collective)", {1})
        .required(&CollectiveJob::tokens, "tokens", "tokens", "Tokens per rank", {1}).when("op", moe)
        .required(&CollectiveJob::topk, "topk", "experts", "Experts each token goes to", {1}).when("op", moe)
        .required(&CollectiveJob::experts, "experts", "experts", "Experts, spread over the ranks", {1})
        .when("op", moe)
        .spec(&CollectiveJob::token_bytes, "token_bytes", "Bytes per token", size, true).when("op", moe)
        .derived(&CollectiveJob::seed, "seed", "", "Seed of the token routing (default 1)", {1}).when("op", moe)
        .derived(&CollectiveJob::packet_config, "packet_config", "", "A packet_fabric parameter .json (npusim "
                 "params packet_fabric)")
        .spec(&CollectiveJob::chunk_bytes, "chunk_bytes", "Pipeline chunk of double_tree and broadcast at packet "
              "fidelity (default npusim params collective)", size, false)
        .derived(&CollectiveJob::link_bandwidth_gbps, "link_bandwidth_gbps", "GB/s", "Links of a generated system "
                 "(default 32, E)")
        .derived(&CollectiveJob::link_latency_ns, "link_latency_ns", "ns", "Links of a generated system "
                 "(default 10, E)")
        .derived(&CollectiveJob::link_preset, "link_preset", "", "Link medium of links without their own: none, "
                 "electrical, optical, optical_lpo (npusim params link_media)");
    return s;
  }();
  return s;
}

json run_collective_job(const json& job, const RunFiles& files) {
  CollectiveJob::schema().check_known_keys(job, "job", "collective job");
  const Request q = read_request(job);
  const System sys = resolve_system(job);
  const Topology& t = sys.t;
  const int npus = static_cast<int>(t.endpoints().size());
  if (npus < 2) throw ConfigError(sys.name + ": a collective needs at least 2 NPUs, the system has " + std::to_string(npus));
  const int n = job.contains("ranks") ? ranks_value(job["ranks"], npus) : npus;
  std::vector<int> ranks(t.endpoints().begin(), t.endpoints().begin() + n);
  // Packet-fabric parameters: the defaults (noc/packet/packet_params.hpp),
  // or a packet_fabric JSON over them, then link_preset.
  const std::string packet_config = string_value(job, "packet_config"), link_preset = string_value(job, "link_preset");
  json pj = packet_config.empty() ? json::object()
                                  : read_json_file(packet_config, "packet-fabric config", "a packet_fabric object");
  if (!link_preset.empty()) pj["link"]["preset"] = link_preset;
  const noc::PacketParams pp = from_json<noc::PacketParams>(pj, "packet");
  // The flow level sees the packet level's links (medium latency, goodput
  // after headers and flit framing: noc/link_model.hpp) once a link model is
  // asked for; otherwise it takes the topology's bandwidths as goodput, as
  // the vendors' nominal figures are quoted.
  const bool link_model =
      q.fidelity == "packet" || !packet_config.empty() || !link_preset.empty() || noc::has_link_media(t);
  const Topology tv = link_model && q.fidelity == "flow" ? noc::flow_view(t, pp) : Topology();
  const CollectiveResult r = simulate(q, job, t, link_model && q.fidelity == "flow" ? tv : t, pp, ranks);

  json out = {{"op", q.op}, {"algo", q.algo}, {"ranks", n}, {"bytes", q.bytes}, {"system", sys.name},
              {"system_npus", npus}, {"fidelity", q.fidelity}, {"time_us", r.time_us}, {"algbw_gbps", r.algbw_gbps},
              {"busbw_gbps", r.busbw_gbps}, {"phases", r.phases}, {"simulated_phases", r.simulated_phases},
              {"link_model", link_model}, {"link_preset", pp.link.preset}, {"source", sys.source}};
  if (q.moe) out["bytes"] = r.bytes;  // routed bytes per rank
  // The algorithm parameters that shaped this run, so it can be rerun exactly.
  if (q.algo == "hierarchical") out["group"] = q.cp.group;
  if (q.pipelined && q.fidelity == "packet") out["chunk_bytes"] = q.cp.chunk_bytes;
  json planes;
  out["tiers"] = utilisation(r, &planes);
  out["planes"] = planes;
  out["name"] = job.contains("name") ? text(job["name"]) : sys.name + "__" + q.op;
  if (files.enabled()) write_files(files, job, sys.resolved, out);
  return out;
}

}  // namespace npusim
