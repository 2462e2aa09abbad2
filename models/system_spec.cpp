#include "models/system_spec.hpp"

#include <algorithm>
#include <cctype>
#include <sys/stat.h>

#include "sim/errors.hpp"
#include "sim/json_files.hpp"
#include "models/onchip_mesh.hpp"
#include "noc/system_params.hpp"
#include "noc/system_presets.hpp"
#include "npu/chip/chip_presets.hpp"

namespace npusim {

using noc::Topology;

const char* const kTopologyForms =
    "mesh:XxY, torus:XxY, ring:N, clos:E:G:S (E NPUs, G per leaf, S spines), dragonfly:A:P:H[:G] (A routers per "
    "group, P NPUs per router, H global links per router, G groups, default A*H+1), fullmesh:AxBx... (nD-FullMesh, "
    "one size per dimension), chip:<chip preset> (its on-chip mesh), a preset, supercluster:<pod>:<K> or a topology .json file";

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

int parse_nonneg_int(const std::string& flag, const std::string& text) {
  const std::string want = flag + ": expected a non-negative integer, got '" + text + "'";
  if (text.empty() || text.size() > 12) throw UsageError(want);
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw UsageError(want);
  return static_cast<int>(std::min<long long>(std::stoll(text), 2000000000LL));
}

uint64_t parse_positive(const std::string& flag, const std::string& text, uint64_t max) {
  const std::string want = flag + ": expected a positive integer, got '" + text + "'";
  if (text.empty() || text.size() > 19) throw UsageError(want);
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw UsageError(want);
  const uint64_t v = std::stoull(text);
  if (v == 0 || v > max) throw UsageError(want);
  return v;
}

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

namespace {

std::vector<int> parse_dims(const std::string& spec, const std::string& body, char sep, size_t count) {
  std::vector<int> out;
  std::string cur;
  for (size_t i = 0; i <= body.size(); ++i) {
    if (i == body.size() || body[i] == sep) {
      out.push_back(parse_nonneg_int("--topology " + spec, cur));
      cur.clear();
    } else {
      cur += body[i];
    }
  }
  if (out.size() != count)
    throw UsageError(std::string("--topology: cannot read '") + spec + "'; expected " + kTopologyForms);
  return out;
}


noc::Topology from_params(const noc::SystemParams& p, const std::string& preset, std::string* source,
                          std::string* name, json* resolved) {
  if (source) *source = p.source;
  if (name) *name = p.name;
  if (resolved) *resolved = noc::system_to_json(p, preset);
  return noc::build_system(p);
}

}  // namespace

noc::Topology load_system_or_file(const std::string& spec, const std::string& expected, std::string* source,
                                  std::string* name, json* resolved) {
  if (resolved) *resolved = nullptr;
  if (name) *name = spec;
  if (!spec.empty() && spec[0] == '{') {
    json j;
    try {
      j = json::parse(spec);
    } catch (const json::parse_error& e) {
      throw ConfigError("system: inline JSON does not parse (" + std::string(e.what()) +
                        "); expected {\"preset\": <name>, <edited parameters>}");
    }
    if (j.is_object() && j.contains("supercluster")) return noc::supercluster_from_json(j, "system", source, resolved);
    const noc::SystemParams p = noc::system_from_json(j, "system");
    return from_params(p, j["preset"].get<std::string>(), source, name, resolved);
  }
  const bool looks_like_file = is_file(spec) || spec.find('/') != std::string::npos ||
                               (spec.size() > 5 && spec.compare(spec.size() - 5, 5, ".json") == 0);
  if (!looks_like_file) {
    if (source) *source = noc::system_info(spec).source;  // ConfigError listing the presets
    if (resolved) {
      for (const noc::SystemParams& p : noc::supernode_presets())
        if (p.name == spec) *resolved = noc::system_to_json(p, spec);
      if (resolved->is_null()) *resolved = noc::supercluster_resolved(spec);
    }
    return noc::build_system(spec);
  }
  if (!is_file(spec)) throw ConfigError(spec + ": cannot open topology file (expected " + expected + ")");
  const json j = read_json_file(spec, "topology", "a topology object {nodes, links}");
  if (j.is_object() && j.contains("supercluster")) return noc::supercluster_from_json(j, spec, source, resolved);
  if (j.is_object() && j.contains("preset")) {
    const noc::SystemParams p = noc::system_from_json(j, spec + ": system");
    return from_params(p, j["preset"].get<std::string>(), source, name, resolved);
  }
  if (j.is_object() && !j.contains("nodes") && !j.contains("links") && !j.contains("generator"))
    throw ConfigError(spec + ": expected an edited system {\"preset\": <name>, <edited parameters>}, a topology "
                      "graph {\"nodes\": [...], \"links\": [...]}, a generated one {\"generator\": ...} or a "
                      "SuperCluster {\"supercluster\": {...}}; it has none of the keys 'preset', 'nodes', 'generator', "
                      "'supercluster'");
  if (source) {
    *source = "topology file " + spec;
    if (j.is_object() && j.contains("source") && j["source"].is_string())
      *source += ": " + j["source"].get<std::string>();
  }
  return noc::Topology::from_json(j, spec);
}


Topology parse_topology_spec(const std::string& spec, double bw, double lat, std::string* source, long long max_npus) {
  const size_t colon = spec.find(':');
  // '{...}' is an edited system preset and supercluster:<pod>:<K> a
  // SuperCluster (load_system_or_file), not generators.
  if (colon != std::string::npos && !is_file(spec) && spec.rfind('{', 0) != 0 && spec.rfind("supercluster:", 0) != 0) {
    const std::string kind = spec.substr(0, colon), body = spec.substr(colon + 1);
    if (source) *source = spec + " (generated; links " + std::to_string(bw) + " GB/s, " + std::to_string(lat) + " ns)";
    // Refuse oversized generators before building them (the packet level
    // stops at kMaxNocNpus anyway).
    auto cap = [&](double npus) {
      if (npus > double(max_npus))
        throw UsageError("--topology " + spec + ": " + std::to_string(static_cast<long long>(std::min(npus, 9e18))) +
                         " NPUs, above the " + (max_npus == kMaxNocNpus ? "packet-level " : "") + "limit of " +
                         std::to_string(max_npus));
    };
    if (kind == "mesh" || kind == "torus") {
      auto d = parse_dims(spec, body, 'x', 2);
      cap(double(d[0]) * d[1]);
      return kind == "mesh" ? Topology::mesh(d[0], d[1], bw, lat) : Topology::torus(d[0], d[1], bw, lat);
    }
    if (kind == "ring") {
      const int n = parse_dims(spec, body, 'x', 1)[0];
      cap(n);
      return Topology::ring(n, bw, lat);
    }
    if (kind == "clos") {
      auto d = parse_dims(spec, body, ':', 3);
      cap(d[0]);
      noc::ClosParams p;
      p.endpoints = d[0];
      p.endpoints_per_group = d[1];
      p.spines = d[2];
      p.endpoint_bandwidth_gbps = bw;
      p.endpoint_latency_ns = lat;
      // Non-blocking: G down-links = S up-links per leaf.
      p.uplink_bandwidth_gbps = d[2] > 0 ? bw * d[1] / d[2] : bw;
      p.uplink_latency_ns = lat;
      json j = to_json(p);  // range checks with key paths
      return Topology::clos(from_json<noc::ClosParams>(j, "clos"));
    }
    if (kind == "chip") {
      // The on-chip mesh a chip model uses with chip.noc.topology = "mesh"
      // (its links; routers follow this command's flags).
      npu::ChipConfig cfg = npu::chip_config_from_json(npu::chip_preset(body), "chip");
      cfg.noc.topology = npu::OnChipTopology::Mesh;
      OnChipMesh m = onchip_mesh(cfg);
      if (source) *source = spec + " (" + m.describe() + ", at " + std::to_string(cfg.clock_ghz) + " GHz)";
      return std::move(m.topology);
    }
    if (kind == "dragonfly") {
      const size_t fields = std::count(body.begin(), body.end(), ':') + 1;
      auto d = parse_dims(spec, body, ':', fields == 4 ? 4 : 3);
      noc::DragonflyParams p = defaults_of<noc::DragonflyParams>();
      p.routers_per_group = d[0];
      p.npus_per_router = d[1];
      p.global_per_router = d[2];
      p.groups = fields == 4 ? d[3] : 0;
      cap(double(p.groups > 0 ? p.groups : double(d[0]) * d[2] + 1) * d[0] * d[1]);
      p.terminal_bandwidth_gbps = p.local_bandwidth_gbps = p.global_bandwidth_gbps = bw;
      p.terminal_latency_ns = p.local_latency_ns = p.global_latency_ns = lat;
      json j = to_json(p);  // range checks with key paths
      return Topology::dragonfly(from_json<noc::DragonflyParams>(j, "dragonfly"));
    }
    if (kind == "fullmesh") {
      auto sizes = parse_dims(spec, body, 'x', std::count(body.begin(), body.end(), 'x') + 1);
      double npus = 1;
      for (int s : sizes) npus *= s;
      cap(npus);
      std::vector<noc::FullMeshDim> dims;
      for (int s : sizes) dims.push_back({s, bw, lat});
      return Topology::nd_fullmesh(dims);
    }
    throw UsageError("--topology: unknown generator '" + kind + "'; expected " + kTopologyForms);
  }
  return load_system_or_file(spec, kTopologyForms, source);
}

}  // namespace npusim
