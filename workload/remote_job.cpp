#include "workload/remote_job.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>

#include "sim/errors.hpp"
#include "sim/watchdog.hpp"
#include "sim/json_files.hpp"
#include "memory/memory_spec.hpp"
#include "models/remote_npu.hpp"
#include "models/system_spec.hpp"
#include "workload/mem_trace_player.hpp"
#include "noc/tlm_fabric.hpp"

namespace npusim {

namespace {

const char* kPatterns = "one, pairs, neighbour, alltoall or incast";

uint64_t positive_bytes(const json& job, const std::string& key, uint64_t dflt, uint64_t max) {
  if (!job.contains(key)) return dflt;
  const json& v = job[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 1 || uint64_t(v.get<int64_t>()) > max)
    throw ConfigError("job." + key + ": expected an integer byte count in [1, " + std::to_string(max) + "], got " +
                      v.dump());
  return uint64_t(v.get<int64_t>());
}

// Destinations of source k's accesses, in the order it cycles through them
// (empty: k is not a source).
std::vector<int> destinations(const std::string& pattern, int k, int n) {
  if (pattern == "one") return k == 0 ? std::vector<int>{1} : std::vector<int>{};
  if (pattern == "pairs") return (k ^ 1) < n ? std::vector<int>{k ^ 1} : std::vector<int>{};
  if (pattern == "neighbour") return {(k + 1) % n};
  if (pattern == "incast") return k == 0 ? std::vector<int>{} : std::vector<int>{0};
  std::vector<int> all;  // alltoall: k+1, k+2, ... so sources start on different targets
  for (int i = 1; i < n; ++i) all.push_back((k + i) % n);
  return all;
}

struct Npu : RemoteNpu {
  std::unique_ptr<MemTracePlayer> player;
  memory::MemTrace trace;
  uint64_t bytes = 0;
};

}  // namespace

const Schema& GeneratedLinks::schema() {
  static const Schema s = [] {
    Schema s("generated_links", "Links of a generated system");
    SchemaBuilder<GeneratedLinks>(s)
        .param(&GeneratedLinks::bandwidth_gbps, "bandwidth_gbps", "GB/s", 32.0, "Per direction, every link (E)",
               {1e-9})
        .param(&GeneratedLinks::latency_ns, "latency_ns", "ns", 10.0, "Per traversal, every link (E)", {1e-9});
    return s;
  }();
  return s;
}

const Schema& RemoteJob::schema() {
  static const Schema s = [] {
    Schema s("job.remote", "NPUs load from / store to each other's memory through the packet fabric (TLM)");
    SchemaBuilder<RemoteJob>(s)
        .choice(&RemoteJob::kind, "kind", "remote", "Job kind", {"remote"})
        .derived(&RemoteJob::name, "name", "", "Run name (default remote_<pattern>_<op>)")
        .spec(&RemoteJob::system, "system", "System: a preset, a topology .json or a generator (ring:N, mesh:XxY, "
              "torus:XxY, clos:E:G:S, dragonfly:A:P:H[:G], fullmesh:AxB...)",
              "a system preset name, a topology .json path or a generator", true)
        .choice(&RemoteJob::pattern, "pattern", "pairs", "Who accesses whom: one (0->1), pairs (k<->k^1), "
                "neighbour (k->k+1), alltoall, incast (all->0)", {"one", "pairs", "neighbour", "alltoall", "incast"})
        .choice(&RemoteJob::op, "op", "read", "Loads or stores", {"read", "write"})
        .param(&RemoteJob::bytes, "bytes", "byte", int64_t(1) << 20, "Bytes each source NPU moves",
               {1, double(1ull << 40)})
        .param(&RemoteJob::access_bytes, "access_bytes", "byte", 512, "Bytes per transaction: 64..4096 a load/store, "
               "larger a bulk RDMA-like transfer split into tlm_fabric.dma_bytes chunks", {1, double(1ull << 30)})
        .spec(&RemoteJob::memory, "memory", "Each NPU's memory: a preset name (fast model) or a config object "
              "(default ascend_910c, fast)", "a memory preset name or an object", false)
        .group(&RemoteJob::packet, "packet", "Packet-fabric parameters over the defaults (npusim params packet_fabric)")
        .group(&RemoteJob::tlm_fabric, "tlm_fabric", "TLM fabric parameters (npu_window_gib default: the memory's "
               "capacity)")
        .group(&RemoteJob::link, "link", "Links of a generated system")
        .param(&RemoteJob::watchdog_us, "watchdog_us", "us", 200.0, "Stall watchdog interval, > 0")
        .derived(&RemoteJob::system_description, "system_description", "", "Where the system came from (written "
                 "to config.json; ignored on input)");
    return s;
  }();
  return s;
}

json run_remote_job(const json& job, const RunFiles& files) {
  from_json<RemoteJob>(job, "job");  // every key and value checked, naming its path
  if (!job.is_object() || !job.contains("system") || !job["system"].is_string())
    throw ConfigError("job.system: expected a preset name, a topology .json path or a generator (ring:N, mesh:XxY, "
                      "torus:XxY, clos:E:G:S)");
  double bw = kGeneratedLinkGbps, lat = kGeneratedLinkLatencyNs;  // as `npusim noc` (E)
  if (job.contains("link")) {
    const json& l = job["link"];
    if (!l.is_object()) throw ConfigError("job.link: expected {\"bandwidth_gbps\": B, \"latency_ns\": L}");
    for (const auto& [k, v] : l.items()) {
      if ((k != "bandwidth_gbps" && k != "latency_ns") || !v.is_number() || !(v.get<double>() > 0))
        throw ConfigError("job.link." + k + ": expected bandwidth_gbps or latency_ns, a positive number");
      (k == "bandwidth_gbps" ? bw : lat) = v.get<double>();
    }
  }
  std::string source;
  const noc::Topology t = parse_topology_spec(job["system"].get<std::string>(), bw, lat, &source);
  return run_remote_job(job, t, source, files);
}

namespace {

// Who moves what: the job's traffic keys, checked against the system.
struct Traffic {
  std::string pattern, op;
  uint64_t bytes = 0, access = 0, accesses = 0;  // per source NPU; accesses = ceil(bytes / access)
};

Traffic check_traffic(const json& job, int n) {
  Traffic tr;
  tr.pattern = job.value("pattern", std::string("pairs"));
  const std::string& pattern = tr.pattern;
  if (pattern != "one" && pattern != "pairs" && pattern != "neighbour" && pattern != "alltoall" &&
      pattern != "incast")
    throw ConfigError("job.pattern: expected " + std::string(kPatterns) + ", got '" + pattern + "'");
  if (pattern == "pairs" && n % 2)
    throw ConfigError("job.pattern: pairs needs an even number of NPUs, the system has " + std::to_string(n));
  tr.op = job.value("op", std::string("read"));
  if (tr.op != "read" && tr.op != "write") throw ConfigError("job.op: expected read or write, got '" + tr.op + "'");
  tr.bytes = positive_bytes(job, "bytes", 1ull << 20, 1ull << 40);
  tr.access = positive_bytes(job, "access_bytes", 512, 1ull << 30);
  tr.accesses = (tr.bytes + tr.access - 1) / tr.access;
  if (tr.accesses > (1ull << 24))
    throw ConfigError("job.bytes: " + std::to_string(tr.accesses) + " accesses per NPU, above the limit of 2^24; "
                      "use larger access_bytes or fewer bytes");
  if (tr.accesses * uint64_t(n) > (1ull << 25))
    throw ConfigError("job.bytes: " + std::to_string(tr.accesses) + " accesses on each of " + std::to_string(n) +
                      " NPUs, above the limit of 2^25 in all (each is a trace record); use larger access_bytes, "
                      "fewer bytes or a smaller system");
  return tr;
}

// Each NPU's memory and the fabric's parameters, checked against the traffic.
struct FabricSetup {
  memory::MemoryConfig mc;
  noc::PacketParams pp;
  noc::TlmFabricParams fp;
};

FabricSetup resolve_fabric(const json& job, const Traffic& tr, int n) {
  json mem_json = job.contains("memory") ? job["memory"] : json("ascend_910c");
  if (mem_json.is_string()) mem_json = json{{"preset", mem_json}, {"fidelity", "fast"}};
  FabricSetup f{memory::resolve_memory(mem_json, "job.memory"), defaults_of<noc::PacketParams>(),
                defaults_of<noc::TlmFabricParams>()};
  if (job.contains("packet")) noc::PacketParams::schema().read(&f.pp, job["packet"], "job.packet");
  const uint64_t cap = f.mc.org.capacity_bytes();
  f.fp.npu_window_gib = std::ceil(double(cap) / double(1ull << 30));
  if (job.contains("tlm_fabric")) noc::TlmFabricParams::schema().read(&f.fp, job["tlm_fabric"], "job.tlm_fabric");
  if (f.fp.npu_window_gib * double(1ull << 30) < double(cap))
    throw ConfigError("job.tlm_fabric.npu_window_gib: " + std::to_string(f.fp.npu_window_gib) +
                      " GiB is smaller than the memory's " + std::to_string(double(cap) / double(1ull << 30)) + " GiB");
  if (tr.access > cap / uint64_t(n))
    throw ConfigError("job.access_bytes: " + std::to_string(tr.access) + " bytes per access; expected at most " +
                      std::to_string(cap / uint64_t(n)) + " (the memory's " + std::to_string(cap) +
                      " bytes split among " + std::to_string(n) + " sources, so each streams through its own slice)");
  if ((tr.access + uint64_t(f.fp.dma_bytes) - 1) / uint64_t(f.fp.dma_bytes) >= (1ull << 24))
    throw ConfigError("job.tlm_fabric.dma_bytes: " + std::to_string(f.fp.dma_bytes) + " B chunks split a " +
                      std::to_string(tr.access) + "-byte access into 2^24 or more; raise dma_bytes");
  return f;
}

// The fabric, the NPUs on it and the watchdog over them. Members are
// destroyed in reverse order of declaration, the order they were built in.
struct RemoteSystem {
  std::unique_ptr<noc::TlmFabric> fabric;
  std::unique_ptr<Watchdog> watchdog;
  std::vector<Npu> npus;
  std::vector<double> asked_of;  // bytes each NPU's memory must serve
};

// NPU k: its generated accesses, its player and its parts on the fabric.
// Each source streams through its own `slice` of a destination's memory, so
// incast sources do not share lines.
void build_npu(RemoteSystem& sys, int k, int n, const Traffic& tr, uint64_t slice, const memory::MemoryConfig& mc,
               stats::Group& root) {
  Npu& npu = sys.npus[size_t(k)];
  noc::TlmFabric& fabric = *sys.fabric;
  const std::string s = std::to_string(k);
  const std::vector<int> dst = destinations(tr.pattern, k, n);
  npu.trace.unit = memory::TimeUnit::Ps;
  npu.trace.source = "remote pattern '" + tr.pattern + "' (NPU " + s + ")";
  for (uint64_t i = 0; !dst.empty() && i < tr.accesses; ++i) {
    const int d = dst[i % dst.size()];
    const uint64_t size = std::min(tr.access, tr.bytes - i * tr.access);
    const uint64_t off = uint64_t(k) * slice + (i / dst.size() * tr.access) % slice;
    npu.trace.records.push_back({0, tr.op == "write", fabric.window_base(d) + off, uint32_t(size)});
    npu.bytes += size;
    sys.asked_of[size_t(d)] += double(size);
  }
  npu.player = std::make_unique<MemTracePlayer>(("npu" + s + "_player").c_str(), npu.trace,
                                                std::vector<uint64_t>(npu.trace.records.size(), 0), root);
  static_cast<RemoteNpu&>(npu) = make_remote_npu("npu" + s, k, fabric, mc, root);
  Watchdog& watchdog = *sys.watchdog;
  npu.player->socket.bind(npu.input());
  npu.player->set_watchdog(&watchdog);
  npu.mem->set_watchdog(&watchdog);
  watchdog.watch(npu.player.get());
  watchdog.watch(npu.mem.get());
  watchdog.watch(npu.route.get());
  watchdog.watch(npu.mux.get());
}

void build_remote_system(RemoteSystem& sys, const noc::Topology& t, const Traffic& tr, const FabricSetup& f,
                         double wd_us, stats::Group& root) {
  const int n = int(t.endpoints().size());
  sys.fabric = std::make_unique<noc::TlmFabric>("fabric", t, f.pp, f.fp, root);
  sys.watchdog = std::make_unique<Watchdog>("watchdog", sc_core::sc_time(wd_us, sc_core::SC_US), 4);
  sys.watchdog->watch(sys.fabric.get());
  sys.npus = std::vector<Npu>(static_cast<size_t>(n));
  sys.asked_of.assign(static_cast<size_t>(n), 0.0);
  const uint64_t cap = f.mc.org.capacity_bytes();
  const uint64_t slice = std::max<uint64_t>(tr.access, cap / uint64_t(n) / tr.access * tr.access);
  for (int k = 0; k < n; ++k) build_npu(sys, k, n, tr, slice, f.mc, root);
}

// What the sources saw: bytes asked and served, when the last answer came,
// and each source's bandwidth.
struct RemoteTotals {
  uint64_t asked = 0, end_ps = 0;
  double served = 0;
  json per_npu = json::array();
  double min_gbps = 1e300, sum_gbps = 0;
  int sources = 0;
};

// Conservation: every access answered once, every byte served once.
RemoteTotals check_conservation(const RemoteSystem& sys, const noc::Topology& t) {
  RemoteTotals r;
  for (int k = 0; k < int(sys.npus.size()); ++k) {
    const Npu& npu = sys.npus[size_t(k)];
    if (npu.player->received() != npu.trace.records.size() || npu.player->errors())
      throw ProtocolError("remote: NPU " + std::to_string(k) + " got " + std::to_string(npu.player->received()) +
                          " responses (" + std::to_string(npu.player->errors()) + " errors) for " +
                          std::to_string(npu.trace.records.size()) + " accesses");
    r.asked += npu.bytes;
    r.served += npu.mem->bytes_completed();
    if (npu.mem->bytes_completed() != sys.asked_of[size_t(k)])
      throw ProtocolError("remote: NPU " + std::to_string(k) + "'s memory served " +
                          std::to_string(uint64_t(npu.mem->bytes_completed())) + " bytes, " +
                          std::to_string(uint64_t(sys.asked_of[size_t(k)])) + " were asked of it");
    if (npu.trace.records.empty()) continue;
    const uint64_t last = npu.player->last_response_ps();
    r.end_ps = std::max(r.end_ps, last);
    const double gbps = last ? double(npu.bytes) / (double(last) / 1000.0) : 0.0;
    r.per_npu.push_back({{"npu", t.node(t.endpoints()[size_t(k)]).name}, {"bytes", npu.bytes}, {"gbps", gbps}});
    r.min_gbps = std::min(r.min_gbps, gbps);
    r.sum_gbps += gbps;
    ++r.sources;
  }
  const noc::TlmFabric& fabric = *sys.fabric;
  if (r.served != double(r.asked) || fabric.completed() != fabric.transactions() ||
      fabric.network().packets_delivered() != fabric.network().packets_created())
    throw ProtocolError("remote: conservation failed: " + std::to_string(r.asked) + " bytes asked, " +
                        std::to_string(uint64_t(r.served)) + " served; " + std::to_string(fabric.completed()) +
                        " of " + std::to_string(fabric.transactions()) + " transactions done; " +
                        std::to_string(fabric.network().packets_delivered()) + " of " +
                        std::to_string(fabric.network().packets_created()) + " packets delivered");
  return r;
}

// result.json of a remote job (without perf). Closes the network's stats
// window at the last answer.
json remote_result(const json& job, const noc::Topology& t, const std::string& system_desc, const Traffic& tr,
                   const memory::MemoryConfig& mc, noc::TlmFabric& fabric, const RemoteTotals& r,
                   const stats::Registry& registry) {
  const double time_ns = double(r.end_ps) / 1000.0;
  noc::PacketNetwork& net = fabric.network();
  net.finish_window(time_ns);
  double max_util = 0;
  const int top = net.busiest_link(time_ns, &max_util);
  const std::string busiest = top < 0 ? "" : t.node(t.link(top).src).name + "->" + t.node(t.link(top).dst).name;
  const auto flat = registry.flatten();
  auto get = [&](const std::string& key) { return stats::flat_value(flat, key); };
  const std::string lat = tr.op == "read" ? "system.fabric.read_latency" : "system.fabric.write_latency";
  return {
      {"name", job.value("name", "remote_" + tr.pattern + "_" + tr.op)},
      {"system", system_desc},
      {"npus", int(t.endpoints().size())},
      {"pattern", tr.pattern},
      {"op", tr.op},
      {"bytes_per_source", tr.bytes},
      {"access_bytes", tr.access},
      {"sources", r.sources},
      {"memory", mc.name},
      {"memory_fidelity", to_string(mc.fidelity)},
      {"time_us", time_ns / 1000.0},
      {"aggregate_gbps", time_ns > 0 ? double(r.asked) / time_ns : 0.0},
      {"per_npu_gbps", r.sources ? r.sum_gbps / r.sources : 0.0},
      {"min_npu_gbps", r.sources ? r.min_gbps : 0.0},
      {"avg_latency_ns", get(lat + "::mean") / 1000.0},
      {"p99_latency_ns", get(lat + "::p99") / 1000.0},
      {"max_latency_ns", get(lat + "::max") / 1000.0},
      {"transactions", fabric.transactions()},
      {"packets", net.packets_delivered()},
      {"max_link_utilization", max_util},
      {"busiest_link", busiest},
      {"per_npu", r.per_npu},
  };
}

// The files: the network's stats join the registry's in stats.txt and
// stats.json; config.json keeps "system" as given, so it reruns.
void write_remote_files(const RunFiles& out, const json& job, const std::string& system_desc, const FabricSetup& f,
                        const stats::Registry& registry, const noc::PacketNetwork& net, const json& result,
                        double wall) {
  std::ostringstream txt;
  registry.dump_text(txt);
  net.stats().dump_text(txt);
  json sj = registry.dump_json();
  const json nj = net.stats().dump_json();
  for (const char* part : {"stats", "info"})
    if (nj.contains(part) && sj.contains(part)) sj[part].update(nj[part]);
  json resolved = job;
  resolved["memory"] = to_json(f.mc);
  resolved["packet"] = to_json(f.pp);
  resolved["tlm_fabric"] = to_json(f.fp);
  resolved["system_description"] = system_desc;
  write_run_outputs(out, {txt.str(), sj, resolved, result, json{{"wall_s", wall}, {"events", net.events()}}});
}

}  // namespace

json run_remote_job(const json& job, const noc::Topology& t, const std::string& system_desc,
                       const RunFiles& files) {
  const auto wall0 = std::chrono::steady_clock::now();
  const int n = int(t.endpoints().size());
  if (n < 2) throw ConfigError("job.system: a remote run needs at least 2 NPUs, the system has " + std::to_string(n));
  const Traffic tr = check_traffic(job, n);
  const FabricSetup f = resolve_fabric(job, tr, n);
  const double wd_us = checked_watchdog_us(job.value("watchdog_us", 200.0));

  stats::Registry registry;
  stats::Group root(registry, "system");
  RemoteSystem sys;
  build_remote_system(sys, t, tr, f, wd_us, root);
  sim_start();
  sys.watchdog->check_drained();
  const RemoteTotals totals = check_conservation(sys, t);
  json result = remote_result(job, t, system_desc, tr, f.mc, *sys.fabric, totals, registry);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  if (files.enabled()) write_remote_files(files, job, system_desc, f, registry, sys.fabric->network(), result, wall);
  result["perf"] = {{"wall_s", wall}};
  return result;
}

}  // namespace npusim
