#include "workload/replay_job.hpp"

#include <chrono>
#include <deque>
#include <sstream>

#include "models/system_spec.hpp"
#include "noc/collectives_flow.hpp"
#include "noc/packet/packet_params.hpp"
#include "sim/json_files.hpp"
#include "sim/stats.hpp"
#include "workload/graph_executor.hpp"
#include "workload/graph_trace.hpp"
#include "workload/node_costs.hpp"
#include "workload/opgraph.hpp"
#include "workload/rank_chips.hpp"
#include "workload/replay_stats.hpp"
#include "workload/replay_timeline.hpp"

namespace npusim {

const Schema& ReplayJob::schema() {
  static const Schema s = [] {
    Schema s("job.replay", "Operator graphs (opgraph .jsonl) run on a system's chips and fabric");
    SchemaBuilder<ReplayJob>(s)
        .choice(&ReplayJob::kind, "kind", "replay", "Job kind", {"replay"})
        .derived(&ReplayJob::name, "name", "", "Run name (default <system>__<trace name>)")
        .spec(&ReplayJob::system, "system", "System: a preset, an edited preset (JSON), a topology .json or a "
              "generator (mesh:8x8, clos:E:G:S, ...)", "a system preset name, a .json path, a generator or an object",
              true)
        .spec(&ReplayJob::trace, "trace", "Operator graph: an opgraph .jsonl (traces/opgraph.md) or a Chakra ET "
              "prefix (traces/chakra.md); or give jobs",
              "a path", false)
        .spec(&ReplayJob::chip, "chip", "Chip of every rank, or {\"a-b\": chip, ...} per rank range (default: "
              "the trace header's chips)", "a chip preset, .json, object or rank-range object", false)
        .spec(&ReplayJob::chips, "chips", "Per-rank chips {\"0-191\": \"ascend_910c\", ...} (overrides chip)",
              "an object of rank ranges", false)
        .spec(&ReplayJob::jobs, "jobs", "Several graphs on one system: [{trace, ranks: [NPU indices] or \"a-b\", "
              "start_us, name, chip, slowdown, delays}]", "a list of objects", false)
        .spec(&ReplayJob::slowdown, "slowdown", "Stragglers: {\"rank or a-b\": factor >= 1} stretching local "
              "compute", "an object of rank ranges", false)
        .spec(&ReplayJob::delays, "delays", "Injected waits: {\"node name or id\": ns} before those nodes start",
              "an object", false)
        .choice(&ReplayJob::fidelity, "fidelity", ComputeFidelity::Fast, "Compute ops: fast (tile model) or "
                "cycle (ChipSim, one forked process per distinct op)")
        .choice(&ReplayJob::fabric, "fabric", FabricFidelity::Flow, "Communication: flow (max-min fair) or "
                "packet (input-queued VC routers; small systems)")
        .derived(&ReplayJob::op_cache, "op_cache", "", "Directory of the persistent op-result cache (default none)")
        .param(&ReplayJob::parallel, "parallel", "processes", 2, "Cycle-level ops simulated at once", {1, 256})
        .param(&ReplayJob::host_link_gbps, "host_link_gbps", "GB/s", 64.0, "Host <-> HBM copy bandwidth per NPU "
               "(E: PCIe 5.0 x16, 64 GB/s per direction)", {1e-3})
        .derived(&ReplayJob::packet_config, "packet_config", "", "A packet_fabric parameter .json")
        .derived(&ReplayJob::timeline, "timeline", "", "Perfetto trace of the run (default none)")
        .derived(&ReplayJob::timeline_ranks, "timeline_ranks", "", "Ranks on the timeline, e.g. \"0-7\" "
                 "(default: the first 16)");
    return s;
  }();
  return s;
}

namespace {

using workload::OpGraph;
using workload::PlacedGraph;

struct JobSpec {
  std::string name, trace;
  OpGraph graph;
  std::vector<int> placement;  // rank -> index among the system's NPUs
  double start_ns = 0;
  json chip, slowdown, delays;
};

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// "a-b", a list of NPU indices, or absent (the first `ranks` NPUs).
std::vector<int> placement_of(const json& v, int ranks, int npus, const std::string& path) {
  std::vector<int> p;
  if (v.is_null()) {
    for (int r = 0; r < ranks; ++r) p.push_back(r);
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    const size_t dash = s.find('-');
    try {
      const int a = std::stoi(s.substr(0, dash)), b = dash == std::string::npos ? a : std::stoi(s.substr(dash + 1));
      for (int r = a; r <= b; ++r) p.push_back(r);
    } catch (const std::exception&) {
      throw ConfigError(path + ": expected \"a-b\" (NPU indices) or a list of NPU indices, got '" + s + "'");
    }
  } else if (v.is_array()) {
    for (const json& x : v) {
      if (!x.is_number_integer()) throw ConfigError(path + ": expected a list of NPU indices (integers)");
      p.push_back(x.get<int>());
    }
  } else {
    throw ConfigError(path + ": expected \"a-b\" or a list of NPU indices");
  }
  if (int(p.size()) != ranks)
    throw ConfigError(path + ": places " + std::to_string(p.size()) + " ranks, the trace has " + std::to_string(ranks));
  for (int x : p)
    if (x < 0 || x >= npus)
      throw ConfigError(path + ": NPU index " + std::to_string(x) + " is outside the system's 0.." +
                        std::to_string(npus - 1));
  return p;
}

JobSpec job_spec(const json& j, const json& parent, const std::string& path, int npus) {
  if (!j.contains("trace") || !j["trace"].is_string())
    throw ConfigError(path + ".trace: expected the path of an opgraph .jsonl or a Chakra ET prefix");
  JobSpec s;
  s.trace = j["trace"].get<std::string>();
  s.graph = workload::read_graph_trace(s.trace);
  s.name = j.contains("name") ? text_of(j["name"]) : (s.graph.name.empty() ? s.trace : s.graph.name);
  s.placement = placement_of(j.value("ranks", json()), s.graph.ranks, npus, path + ".ranks");
  const double start_us = j.value("start_us", 0.0);
  if (!(start_us >= 0)) throw ConfigError(path + ".start_us: expected a time >= 0");
  s.start_ns = start_us * 1e3;
  s.chip = j.contains("chips") ? j["chips"] : j.contains("chip") ? j["chip"] : parent.value("chips", json());
  if (s.chip.is_null()) s.chip = parent.value("chip", json());
  if (s.chip.is_null()) s.chip = s.graph.chips;
  if (s.chip.is_null())
    throw ConfigError(path + ".chip: no chip given (expected a chip preset, in the job or the trace header)");
  s.slowdown = j.contains("slowdown") ? j["slowdown"] : parent.value("slowdown", json());
  s.delays = j.contains("delays") ? j["delays"] : parent.value("delays", json());
  for (const auto& [k, _] : j.items())
    if (k != "trace" && k != "name" && k != "ranks" && k != "start_us" && k != "chip" && k != "chips" &&
        k != "slowdown" && k != "delays")
      throw ConfigError(path + "." + k + ": unknown key for a replay job entry; expected one of: trace, name, "
                        "ranks, start_us, chip, chips, slowdown, delays");
  return s;
}

std::vector<double> slowdown_of(const json& v, int ranks, const std::string& path) {
  std::vector<double> f(size_t(ranks), 1.0);
  if (v.is_null()) return f;
  if (!workload::is_rank_mapping(v)) throw ConfigError(path + ": expected {\"rank\" or \"a-b\": factor >= 1}");
  for (const auto& [k, x] : v.items()) {
    if (!x.is_number() || !(x.get<double>() >= 1))
      throw ConfigError(path + "." + k + ": expected a slowdown factor >= 1");
    const size_t dash = k.find('-');
    const int a = std::stoi(k.substr(0, dash)), b = dash == std::string::npos ? a : std::stoi(k.substr(dash + 1));
    if (a > b || b >= ranks) throw ConfigError(path + "." + k + ": ranks outside 0.." + std::to_string(ranks - 1));
    for (int r = a; r <= b; ++r) f[size_t(r)] = x.get<double>();
  }
  return f;
}

std::vector<double> delays_of(const json& v, const OpGraph& g, const std::string& path) {
  if (v.is_null()) return {};
  if (!v.is_object()) throw ConfigError(path + ": expected {\"node name or id\": ns}");
  std::vector<double> d(g.nodes.size(), 0.0);
  for (const auto& [k, x] : v.items()) {
    if (!x.is_number() || !(x.get<double>() >= 0)) throw ConfigError(path + "." + k + ": expected ns >= 0");
    bool found = false;
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].name == k || std::to_string(g.nodes[i].id) == k) {
        d[i] += x.get<double>();
        found = true;
      }
    if (!found) throw ConfigError(path + "." + k + ": no node of " + g.source + " has this name or id");
  }
  return d;
}

// A key given as text (a command-line flag): inline JSON ("{...}", "[...]")
// is parsed; a .json file holding a rank mapping, a list or an object is
// read (a chip .json stays a path: resolve_chip reads chip files itself).
json spec_value(const json& v, const std::string& path) {
  if (!v.is_string()) return v;
  const std::string s = v.get<std::string>();
  if (!s.empty() && (s[0] == '{' || s[0] == '[')) {
    json j = json::parse(s, nullptr, false);
    if (j.is_discarded()) throw ConfigError(path + ": not valid JSON: " + s);
    return j;
  }
  if (s.size() > 5 && s.compare(s.size() - 5, 5, ".json") == 0 && is_file(s)) {
    json j = read_json_file(s, path, "a JSON object or list");
    if (workload::is_rank_mapping(j) || j.is_array() || path != "job.chip") return j;
  }
  return v;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct System {
  noc::Topology t;
  std::string name, source;
};

System system_of(const json& v) {
  System s;
  const std::string spec = text_of(v);
  const bool generated = spec.find(':') != std::string::npos && !is_file(spec) && spec.rfind('{', 0) != 0;
  s.t = generated ? parse_topology_spec(spec, kGeneratedLinkGbps, kGeneratedLinkLatencyNs, &s.source, 1 << 20)
                  : load_system_or_file(spec, "a system preset, a topology .json file or a generator", &s.source,
                                        &s.name);
  if (s.name.empty()) s.name = spec;
  return s;
}

std::unique_ptr<workload::CommEngine> comm_of(const ReplayJob& spec, const noc::Topology& t) {
  if (spec.fabric == FabricFidelity::Flow) return workload::make_flow_comm(t);
  const json pj = spec.packet_config.empty()
                      ? json::object()
                      : read_json_file(spec.packet_config, "packet-fabric config", "a packet_fabric object");
  return workload::make_packet_comm(t, from_json<noc::PacketParams>(pj, "packet"));
}

json tiers_json(const noc::Topology& t, const std::vector<double>& link_bytes, double ns) {
  json tiers = json::array();
  for (const auto& u : noc::tier_use(t, link_bytes, ns))
    tiers.push_back({{"tier", u.tier}, {"links", u.links}, {"bytes", u.bytes}, {"capacity_gbps", u.capacity_gbps},
                     {"utilization", u.utilization}});
  return tiers;
}

json planes_json(const noc::Topology& t, const std::vector<double>& link_bytes, double ns) {
  json planes = json::array();
  for (const auto& u : noc::plane_use(t, link_bytes, ns))
    planes.push_back({{"plane", u.plane}, {"links", u.links}, {"bytes", u.bytes}, {"capacity_gbps", u.capacity_gbps},
                      {"utilization", u.utilization}});
  return planes;
}

// Per-job entries and per-rank times.
void job_results(const std::vector<JobSpec>& specs, const std::vector<PlacedGraph>& placed,
                 const std::vector<workload::RankChips>& chips, const workload::ExecResult& r, json* jobs_out,
                 json* ranks_out) {
  *jobs_out = json::array();
  *ranks_out = json::array();
  for (size_t j = 0; j < placed.size(); ++j) {
    double end = placed[j].start_ns;
    for (size_t i = 0; i < placed[j].graph->nodes.size(); ++i) end = std::max(end, r.nodes[r.offset[j] + i].end);
    const double window = end - placed[j].start_ns;
    const workload::JobTraffic& tr = r.traffic[j];
    jobs_out->push_back({{"name", placed[j].name}, {"trace", specs[j].trace}, {"ranks", specs[j].graph.ranks},
                         {"nodes", specs[j].graph.nodes.size()}, {"start_us", placed[j].start_ns / 1e3},
                         {"end_us", end / 1e3}, {"time_us", window / 1e3}, {"bytes", tr.delivered_bytes},
                         {"transfers", tr.transfers}, {"collectives", tr.collectives}});
    const std::vector<workload::RankTime> times = workload::rank_times(placed[j], r, j, window);
    for (size_t k = 0; k < times.size(); ++k) {
      const workload::RankTime& t = times[k];
      ranks_out->push_back({{"job", placed[j].name}, {"rank", k}, {"npu", specs[j].placement[k]},
                            {"chip", chips[j].of(int(k)).name}, {"busy_us", t.busy_ns / 1e3},
                            {"compute_us", t.compute_ns / 1e3}, {"comm_us", t.comm_ns / 1e3},
                            {"exposed_comm_us", t.exposed_comm_ns / 1e3}, {"idle_us", t.idle_ns / 1e3},
                            {"busy", window > 0 ? t.busy_ns / window : 0.0}});
    }
  }
}

// stats.txt / stats.json: the summary as gem5-style scalars.
void write_replay_files(const RunFiles& files, const json& job, const json& out, const json& perf) {
  stats::Registry registry;
  stats::Group root(registry, "system");
  stats::Group replay(&root, "replay");
  std::deque<stats::Scalar> s;
  auto add = [&](stats::Group& g, const std::string& name, double v, const char* unit, const char* desc) {
    s.emplace_back(g, name, desc, unit).set(v);
  };
  add(replay, "time_us", out["time_us"].get<double>(), "us", "Makespan: last node end over all jobs");
  add(replay, "op_cache_hits", out["op_cache"]["hits"].get<double>(), "count", "Compute nodes served by the op cache");
  add(replay, "op_cache_misses", out["op_cache"]["misses"].get<double>(), "count", "Distinct ops simulated");
  add(replay, "events", out["events"].get<double>(), "count", "Executor events");
  std::deque<stats::Group> groups;
  for (const json& u : out["tiers"]) {
    groups.emplace_back(&root, "fabric_tier" + std::to_string(u["tier"].get<int>()));
    add(groups.back(), "bytes", u["bytes"].get<double>(), "byte", "Payload bytes carried by the tier's links");
    add(groups.back(), "utilization", u["utilization"].get<double>(), "fraction",
        "Bytes / (link capacity x makespan), the tier's links");
  }
  std::ostringstream txt;
  registry.dump_text(txt);
  write_run_outputs(files, {txt.str(), registry.dump_json(), job, out, perf});
}

}  // namespace

json run_replay_job(const json& job, const RunFiles& files) {
  const auto wall0 = std::chrono::steady_clock::now();
  ReplayJob::schema().check_known_keys(job, "job", "replay job");
  json norm = job;
  for (const char* k : {"chip", "chips", "jobs", "slowdown", "delays"})
    if (norm.contains(k)) norm[k] = spec_value(norm[k], std::string("job.") + k);
  // A list is not a schema value form (spec keys are strings or objects):
  // jobs is read here.
  const json jobs = norm.contains("jobs") ? norm["jobs"] : json();
  if (!jobs.is_null() && !jobs.is_array())
    throw ConfigError("job.jobs: expected a list of {trace, ranks, start_us, name, chip, slowdown, delays}");
  norm.erase("jobs");
  const ReplayJob spec = from_json<ReplayJob>(norm, "job");
  const System sys = system_of(spec.system);
  const int npus = static_cast<int>(sys.t.endpoints().size());
  if (spec.trace.is_null() == jobs.is_null())
    throw ConfigError("job.trace: give either trace (one graph) or jobs (several), not both or neither");
  std::vector<JobSpec> specs;
  if (!spec.trace.is_null()) {
    specs.push_back(job_spec(json{{"trace", spec.trace}}, norm, "job", npus));
  } else {
    if (jobs.empty()) throw ConfigError("job.jobs: expected a non-empty list of jobs");
    for (size_t i = 0; i < jobs.size(); ++i)
      specs.push_back(job_spec(jobs[i], norm, "job.jobs[" + std::to_string(i) + "]", npus));
  }
  const double read_s = seconds_since(wall0);
  workload::OpCache cache(spec.op_cache, int(spec.parallel));
  std::vector<workload::RankChips> chips;
  std::vector<PlacedGraph> placed;
  for (size_t j = 0; j < specs.size(); ++j) {
    JobSpec& s = specs[j];
    const std::string path = specs.size() == 1 ? "job" : "job.jobs[" + std::to_string(j) + "]";
    chips.emplace_back(s.chip, s.graph.ranks, path + ".chip");
    workload::CostOptions o;
    o.fidelity = to_string(spec.fidelity);
    o.host_link_gbps = spec.host_link_gbps;
    o.slowdown = slowdown_of(s.slowdown, s.graph.ranks, path + ".slowdown");
    PlacedGraph p;
    p.graph = &s.graph;
    p.name = s.name;
    for (int x : s.placement) p.npu.push_back(sys.t.endpoints()[size_t(x)]);
    p.local_ns = workload::node_costs(s.graph, chips.back(), o, cache);
    p.delay_ns = delays_of(s.delays, s.graph, path + ".delays");
    p.start_ns = s.start_ns;
    placed.push_back(std::move(p));
  }
  const double cost_s = seconds_since(wall0) - read_s;
  std::unique_ptr<workload::CommEngine> comm = comm_of(spec, sys.t);
  workload::GraphExecutor exec(sys.t, *comm, defaults_of<noc::CollectiveParams>());
  std::unique_ptr<workload::ReplayTimeline> timeline;
  if (!spec.timeline.empty()) {
    timeline = std::make_unique<workload::ReplayTimeline>(spec.timeline, sys.t, spec.timeline_ranks);
    exec.on_fabric_step = [&](double ns, const workload::CommEngine& c) { timeline->sample(ns, c); };
  }
  const workload::ExecResult r = exec.run(placed);
  const double exec_s = seconds_since(wall0) - read_s - cost_s;
  if (timeline) timeline->write(placed, r);

  json jobs_out, ranks_out;
  job_results(specs, placed, chips, r, &jobs_out, &ranks_out);
  json out = {{"name", spec.name.empty() ? sys.name + "__" + specs[0].name : spec.name},
              {"system", sys.name}, {"system_npus", npus}, {"fidelity", to_string(spec.fidelity)},
              {"fabric", to_string(spec.fabric)}, {"time_us", r.end_ns / 1e3}, {"num_ranks", ranks_out.size()},
              {"ranks", ranks_out}, {"jobs", jobs_out}, {"critical_path", workload::critical_path(placed, r)},
              {"tiers", tiers_json(sys.t, r.link_bytes, r.end_ns)}, {"planes", planes_json(sys.t, r.link_bytes, r.end_ns)},
              {"op_cache", {{"hits", cache.hits()}, {"misses", cache.misses()}, {"loaded", cache.loaded()},
                            {"distinct", cache.distinct()}}},
              {"events", r.events}};
  // Where the time went: reading and checking the graphs, timing the
  // local nodes (simulating distinct ops), running the executor and fabric.
  const json perf = {{"wall_s", seconds_since(wall0)}, {"read_s", read_s}, {"cost_s", cost_s}, {"exec_s", exec_s},
                     {"events_per_s", exec_s > 0 ? double(r.events) / exec_s : 0.0}};
  if (files.enabled()) write_replay_files(files, job, out, perf);
  out["perf"] = perf;
  return out;
}

}  // namespace npusim
