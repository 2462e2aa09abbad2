#include "apps/cli/collective_cmd.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>

#include "sim/errors.hpp"
#include "sim/json_files.hpp"
#include "noc/collective_params.hpp"
#include "noc/collectives_flow.hpp"
#include "noc/link_model.hpp"
#include "noc/packet/collectives_packet.hpp"
#include "noc/packet/packet_params.hpp"
#include "noc/system_presets.hpp"
#include "noc/topology.hpp"
#include "apps/cli/cli_common.hpp"
#include "apps/cli/noc_cmd.hpp"

namespace npusim::cli {

namespace {

using noc::CollectiveResult;
using noc::Topology;

const char* kGeneratorForms =
    "mesh:XxY, torus:XxY, ring:N, clos:E:G:S, dragonfly:A:P:H[:G], fullmesh:AxBx...";
// Generated systems at flow level stop where the generators do.
constexpr long long kMaxFlowNpus = 1LL << 22;

const char* kOps = "allreduce, allgather, reducescatter, alltoall, broadcast, moe_dispatch or moe_combine";

int parse_count(const std::string& flag, const std::string& text) {
  return static_cast<int>(parse_positive(flag, text, uint64_t(1) << 30));
}

std::string preset_list() {
  std::string s;
  for (const auto& n : noc::system_names()) s += (s.empty() ? "" : ", ") + n;
  return s + ", supercluster:<pod-preset>:<K>";
}

int parse_ranks(const std::string& text, int npus) {
  const std::string want = "--ranks: expected an integer in [2, " + std::to_string(npus) + "] (the system's NPUs), got '" +
                           text + "'";
  if (text.empty() || text.size() > 9) throw UsageError(want);
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw UsageError(want);
  int n = std::stoi(text);
  if (n < 2 || n > npus) throw UsageError(want);
  return n;
}

}  // namespace

double parse_size(const std::string& flag, const std::string& text) {
  const std::string want =
      flag + ": expected a positive byte count: an integer with an optional binary suffix K, M or G "
             "(e.g. 4096, 64K, 1M, 2G), got '" + text + "'";
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || i > 15) throw UsageError(want);
  double v = std::stod(text.substr(0, i));
  std::string suf = text.substr(i);
  if (!suf.empty()) {
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(suf[0])));
    std::string rest = suf.substr(1);
    if (c == 'K') v *= 1024.0;
    else if (c == 'M') v *= 1024.0 * 1024;
    else if (c == 'G') v *= 1024.0 * 1024 * 1024;
    else if (!(c == 'B' && rest.empty())) throw UsageError(want);
    if (c != 'B' && !rest.empty() && rest != "B" && rest != "iB") throw UsageError(want);
  }
  if (!(v > 0) || v > 1e18) throw UsageError(want);
  return v;
}

json collective_json(const std::vector<std::string>& args, bool* as_json_out, json* resolved_system) {
  std::string system, op, bytes_text, ranks_text, algo, fidelity = "flow", packet_config, link_preset;
  std::string group_text, tokens_text, topk_text, experts_text, token_bytes_text, seed_text, chunk_text;
  std::string link_bw_text, link_lat_text;
  bool as_json = false;
  for (size_t i = 0; i < args.size();) {
    const std::string& f = args[i];
    auto value = [&] { return flag_value(args, &i); };
    if (f == "--system") system = value();
    else if (f == "--op") op = value();
    else if (f == "--bytes") bytes_text = value();
    else if (f == "--ranks") ranks_text = value();
    else if (f == "--algo") algo = value();
    else if (f == "--fidelity") fidelity = value();
    else if (f == "--group") group_text = value();
    else if (f == "--tokens") tokens_text = value();
    else if (f == "--topk") topk_text = value();
    else if (f == "--experts") experts_text = value();
    else if (f == "--token-bytes") token_bytes_text = value();
    else if (f == "--seed") seed_text = value();
    else if (f == "--packet-config") packet_config = value();
    else if (f == "--link-preset") link_preset = value();
    else if (f == "--link-bandwidth-gbps") link_bw_text = value();
    else if (f == "--link-latency-ns") link_lat_text = value();
    else if (f == "--chunk-bytes") chunk_text = value();
    else if (f == "--json") { as_json = true; ++i; }
    else throw UsageError("unknown argument '" + f + "' for 'collective'");
  }
  if (system.empty())
    throw UsageError("collective: --system is required (a preset: " + preset_list() +
                     "; an edited preset, inline or in a .json file: {\"preset\": ..., \"ub\": {...}}; a "
                     "topology .json file; or a generator: " + kGeneratorForms + ")");
  if (op.empty()) throw UsageError(std::string("collective: --op is required (") + kOps + ")");
  const bool moe = op == "moe_dispatch" || op == "moe_combine";
  if (op != "allreduce" && op != "allgather" && op != "reducescatter" && op != "alltoall" && op != "broadcast" && !moe)
    throw UsageError(std::string("--op: expected ") + kOps + ", got '" + op + "'");
  if (moe) {
    if (tokens_text.empty() || topk_text.empty() || experts_text.empty() || token_bytes_text.empty())
      throw UsageError("collective --op " + op +
                       ": --tokens T (per rank), --topk K, --experts E and --token-bytes B are required");
    if (!bytes_text.empty()) throw UsageError("--bytes: not used by " + op + " (the tokens set the traffic)");
  } else if (bytes_text.empty()) {
    throw UsageError("collective: --bytes is required (e.g. 4096, 64K, 1M, 2G)");
  }
  if (fidelity != "flow" && fidelity != "packet")
    throw UsageError("--fidelity: expected flow or packet, got '" + fidelity + "'");
  const std::vector<std::string>& algos = noc::collective_algorithms(op);
  if (algo.empty()) algo = algos.front();
  if (std::find(algos.begin(), algos.end(), algo) == algos.end())
    throw UsageError(noc::unsupported_algorithm(op, algo, fidelity));
  if (!group_text.empty() && algo != "hierarchical") throw UsageError("--group: only with --algo hierarchical");
  const bool pipelined = algo == "double_tree" || op == "broadcast";
  if (!chunk_text.empty() && (fidelity != "packet" || !pipelined))
    throw UsageError("--chunk-bytes: only for the pipelined algorithms (double_tree allreduce, broadcast) at "
                     "--fidelity packet; the flow level is their fluid limit");
  const double bytes = moe ? 0.0 : parse_size("--bytes", bytes_text);
  noc::CollectiveParams cp = defaults_of<noc::CollectiveParams>();
  if (!group_text.empty()) cp.group = parse_count("--group", group_text);
  if (!chunk_text.empty()) {
    const double chunk = parse_size("--chunk-bytes", chunk_text);
    const ParamInfo& info = noc::CollectiveParams::schema().find("chunk_bytes")->info;
    if (chunk > info.max) throw UsageError("--chunk-bytes: expected " + info.expected_form() + ", got " + chunk_text);
    cp.chunk_bytes = uint64_t(chunk);
  }

  std::string source, system_name = system;
  json resolved;
  // A generator spec ("dragonfly:4:2:2", "fullmesh:8x8x4", ...) has a colon
  // and is not a file; its links get --link-bandwidth-gbps / -latency-ns.
  const bool generated = system.find(':') != std::string::npos && !is_file(system) && system.rfind('{', 0) != 0;
  if (!generated && (!link_bw_text.empty() || !link_lat_text.empty()))
    throw UsageError("--link-bandwidth-gbps / --link-latency-ns: only for a generated --system (" +
                     std::string(kGeneratorForms) + "), not a preset or a topology file");
  const double link_bw = link_bw_text.empty() ? kGeneratedLinkGbps : parse_double("--link-bandwidth-gbps", link_bw_text);
  const double link_lat =
      link_lat_text.empty() ? kGeneratedLinkLatencyNs : parse_double("--link-latency-ns", link_lat_text);
  if (!(link_bw > 0)) throw UsageError("--link-bandwidth-gbps: expected a number > 0, got '" + link_bw_text + "'");
  if (!(link_lat >= 0)) throw UsageError("--link-latency-ns: expected a number >= 0, got '" + link_lat_text + "'");
  Topology t = generated ? parse_topology_spec(system, link_bw, link_lat, &source, kMaxFlowNpus)
                         : load_system_or_file(system, "a preset: " + preset_list() + ", or a topology .json file", &source,
                                              &system_name, &resolved);
  if (resolved_system) *resolved_system = resolved;
  const int npus = static_cast<int>(t.endpoints().size());
  if (npus < 2) throw ConfigError(system_name + ": a collective needs at least 2 NPUs, the system has " + std::to_string(npus));
  const int n = ranks_text.empty() ? npus : parse_ranks(ranks_text, npus);
  std::vector<int> ranks(t.endpoints().begin(), t.endpoints().begin() + n);

  auto moe_traffic = [&] {
    noc::MoeTraffic mt;
    mt.tokens = parse_count("--tokens", tokens_text);
    mt.topk = parse_count("--topk", topk_text);
    mt.experts = parse_count("--experts", experts_text);
    mt.token_bytes = parse_size("--token-bytes", token_bytes_text);
    mt.seed = seed_text.empty() ? 1 : uint64_t(parse_count("--seed", seed_text));
    mt.combine = op == "moe_combine";
    if (mt.topk > mt.experts)
      throw UsageError("--topk: expected at most --experts (" + std::to_string(mt.experts) + "), got " +
                       std::to_string(mt.topk));
    return mt;
  };
  // Packet-fabric parameters: the defaults (noc/packet/packet_params.hpp),
  // or a packet_fabric JSON over them, then --link-preset.
  json pj = packet_config.empty() ? json::object()
                                  : read_json_file(packet_config, "packet-fabric config", "a packet_fabric object");
  if (!link_preset.empty()) pj["link"]["preset"] = link_preset;
  const noc::PacketParams pp = from_json<noc::PacketParams>(pj, "packet");
  // The flow level sees the packet level's links (medium latency, goodput
  // after headers and flit framing: noc/link_model.hpp) once a link model is
  // asked for; otherwise it takes the topology's bandwidths as goodput, as
  // the vendors' nominal figures are quoted.
  const bool link_model = fidelity == "packet" || !packet_config.empty() || !link_preset.empty() || noc::has_link_media(t);
  const Topology tv = link_model && fidelity == "flow" ? noc::flow_view(t, pp) : Topology();
  const Topology& tf = link_model && fidelity == "flow" ? tv : t;
  CollectiveResult r;
  if (fidelity == "packet") {
    r = moe ? noc::packet_moe(t, pp, moe_traffic(), ranks, algo) : noc::packet_collective(t, pp, op, algo, bytes, ranks, cp);
  } else if (moe) {
    r = algo == "pairwise" ? noc::moe_pairwise(tf, moe_traffic(), ranks) : noc::moe_alltoallv(tf, moe_traffic(), ranks);
  } else if (op == "broadcast") r = noc::broadcast(tf, bytes, ranks);
  else if (algo == "halving_doubling") r = noc::halving_doubling_allreduce(tf, bytes, ranks);
  else if (algo == "double_tree") r = noc::double_tree_allreduce(tf, bytes, ranks);
  else if (algo == "hierarchical")
    r = noc::hierarchical_allreduce(tf, bytes, cp.group, ranks);
  else if (algo == "pairwise") r = noc::pairwise_alltoall(tf, bytes, ranks);
  else if (algo == "direct") r = noc::direct_collective(tf, op, bytes, ranks);
  else if (op == "allreduce") r = noc::ring_allreduce(tf, bytes, ranks);
  else if (op == "allgather") r = noc::ring_allgather(tf, bytes, ranks);
  else r = noc::ring_reduce_scatter(tf, bytes, ranks);

  json out = {{"op", op},
              {"algo", algo},
              {"ranks", n},
              {"bytes", bytes},
              {"system", system_name},
              {"system_npus", npus},
              {"fidelity", fidelity},
              {"time_us", r.time_us},
              {"algbw_gbps", r.algbw_gbps},
              {"busbw_gbps", r.busbw_gbps},
              {"phases", r.phases},
              {"simulated_phases", r.simulated_phases},
              {"link_model", link_model},
              {"link_preset", pp.link.preset},
              {"source", source}};
  if (moe) out["bytes"] = r.bytes;  // routed bytes per rank
  // The algorithm parameters that shaped this run, so it can be rerun exactly.
  if (algo == "hierarchical") out["group"] = cp.group;
  if (pipelined && fidelity == "packet") out["chunk_bytes"] = cp.chunk_bytes;
  json tiers = json::array();
  for (const auto& u : r.tiers)
    tiers.push_back({{"tier", u.tier}, {"links", u.links}, {"bytes", u.bytes}, {"capacity_gbps", u.capacity_gbps},
                     {"utilization", u.utilization}});
  out["tiers"] = tiers;
  json planes = json::array();
  for (const auto& u : r.planes)
    planes.push_back({{"plane", u.plane}, {"links", u.links}, {"bytes", u.bytes}, {"capacity_gbps", u.capacity_gbps},
                      {"utilization", u.utilization}});
  out["planes"] = planes;
  if (as_json_out) *as_json_out = as_json;
  return out;
}

int run_collective_command(const std::vector<std::string>& args) {
  bool as_json = false;
  const json out = collective_json(args, &as_json);
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

json collective_job(const json& job, json* config) {
  // The job's keys are the command's flags: one validation path for both.
  static const char* kKeys[] = {"kind",   "name",    "system",      "op",   "bytes",         "ranks",
                                "algo",   "fidelity", "group",      "tokens", "topk",        "experts",
                                "token_bytes", "seed", "packet_config", "chunk_bytes", "link_bandwidth_gbps",
                                "link_latency_ns", "link_preset"};
  std::vector<std::string> args;
  for (auto it = job.begin(); it != job.end(); ++it) {
    bool known = false;
    for (const char* k : kKeys) known = known || it.key() == k;
    if (!known)
      throw ConfigError("job." + it.key() + ": unknown key for a collective job; expected one of: kind, name, "
                        "system, op, bytes, ranks, algo, fidelity, group, tokens, topk, experts, token_bytes, seed, "
                        "packet_config, chunk_bytes, link_bandwidth_gbps, link_latency_ns, link_preset");
    if (it.key() == "kind" || it.key() == "name") continue;
    const json& v = it.value();
    if (it.key() == "system" && v.is_object()) {  // an edited preset: the command reads it inline
      args.push_back("--system");
      args.push_back(v.dump());
      continue;
    }
    if (!v.is_string() && !v.is_number())
      throw ConfigError("job." + it.key() + ": expected a string or a number, got " + v.dump());
    std::string flag = "--" + it.key();
    for (auto& ch : flag)
      if (ch == '_') ch = '-';
    args.push_back(flag);
    args.push_back(v.is_string() ? v.get<std::string>() : (v.is_number_integer() ? std::to_string(v.get<int64_t>())
                                                                                  : std::to_string(v.get<double>())));
  }
  try {
    json resolved;
    json out = collective_json(args, nullptr, &resolved);
    out["name"] = job.value("name", out["system"].get<std::string>() + "__" + out["op"].get<std::string>());
    if (config) {
      *config = job;
      if (!resolved.is_null()) (*config)["system"] = resolved;
    }
    return out;
  } catch (const UsageError& e) {
    throw ConfigError(std::string("job: ") + e.what());
  }
}

}  // namespace npusim::cli
