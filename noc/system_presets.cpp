#include "noc/system_presets.hpp"

#include <cctype>

#include "sim/errors.hpp"
#include "noc/supercluster.hpp"
#include "noc/system_params.hpp"

namespace npusim::noc {

namespace {

// SuperClusters: a supernode preset, K of them, over the default scale-out
// tier (ScaleOutParams: 400 Gb/s NIC per NPU, P for CloudMatrix384, E later).
struct ClusterShape {
  const char* name;
  const char* pod;
  int pods;
  const char* why;  // the pod count's source
};
constexpr ClusterShape kClusters[] = {
    {"cloudmatrix384_cluster16", "cloudmatrix384", 16,
     "16 x CloudMatrix384 over the RDMA plane (P: the paper's RDMA plane joins supernodes; 16 supernodes is our "
     "choice, E: a scale the flow model runs in under a second; R: CloudMatrix clusters of up to 432 supernodes "
     "are reported)"},
    {"atlas950_supercluster", "atlas950_superpod", 64,
     "Atlas 950 SuperCluster: 64 x Atlas 950 SuperPoD = 524,288 Ascend 950DT, RoCE / UBoE between SuperPoDs (V: "
     "Huawei Connect 2025). Flow level: hierarchical all-reduce (group 8192) takes ~3 min and 2.6 GB; an "
     "all-to-all (n^2 = 2.7e11 pairs) is out of reach, use atlas950_supercluster_8pods"},
    {"atlas950_supercluster_8pods", "atlas950_superpod", 8,
     "Atlas 950 SuperCluster scaled to 8 of its 64 SuperPoDs (V: 64 x Atlas 950 SuperPoD = 524,288 NPUs, RoCE / "
     "UBoE between SuperPoDs, Huawei Connect 2025); 8 pods = 65,536 NPUs (E: a size whose collectives run in "
     "seconds; the full one is atlas950_supercluster)"},
};
constexpr const char* kScaleOutSource =
    "scale-out RDMA tier: one NIC per NPU at 400 Gb/s = 50 GB/s unidirectional (P: CloudMatrix384 RDMA plane, "
    "arXiv 2506.12708; E for later systems: no per-NPU scale-out figure published); leaf/spine Clos of RDMA "
    "switches, 64 NPUs per leaf and 16 spines, non-blocking (E: 51.2 Tb/s switches as 64 x 400G down + 64 x 400G "
    "up, spines of unbounded radix standing for a multi-tier non-blocking fabric); latency 1000 ns NPU-leaf incl. "
    "NIC + 600 ns leaf-spine (E: ~0.5 us RoCE NIC per side, ~0.5 us switch port-to-port, ~20 m fibre; 3.2 us "
    "NPU -> NPU across a spine, in the 2-4 us range of RoCE small-message latency); RDMA links routed only "
    "between supernodes (routing cost above any intra-supernode path; the CloudMatrix paper keeps "
    "intra-supernode traffic on UB)";
constexpr const char* kSpecPrefix = "supercluster:";
constexpr int kMaxClusterNpus = 1 << 20;

// A SuperCluster fully resolved: what every entry point builds from.
struct Cluster {
  SystemParams pod;
  std::string pod_preset;  // the preset the pod was edited from
  int supernodes = 1;
  ScaleOutParams scale_out = defaults_of<ScaleOutParams>();
};

SystemInfo cluster_info(const std::string& name, const Cluster& c, const std::string& why) {
  SystemInfo s;
  s.name = name;
  s.npus = c.pod.npus * c.supernodes;
  s.npu_bandwidth_gbps = c.pod.ub.link.bandwidth_gbps;
  s.supernodes = c.supernodes;
  s.scale_out_bandwidth_gbps = c.scale_out.nic_bandwidth_gbps;
  s.source = why + ". Each supernode: " + c.pod.source + ". " + kScaleOutSource;
  return s;
}

json cluster_json(const Cluster& c) {
  return {{"supercluster",
           {{"pod", system_to_json(c.pod, c.pod_preset)}, {"supernodes", c.supernodes},
            {"scale_out", to_json(c.scale_out)}}}};
}

Topology build_cluster(const Cluster& c) { return supercluster(build_system(c.pod), c.supernodes, c.scale_out); }

// The supernode presets plus the bundled SuperClusters.
const std::vector<SystemInfo>& table() {
  static const std::vector<SystemInfo> t = [] {
    std::vector<SystemInfo> v;
    for (const SystemParams& p : supernode_presets()) v.push_back({p.name, p.npus, p.ub.link.bandwidth_gbps, p.source});
    for (const ClusterShape& s : kClusters) {
      Cluster c;
      c.pod = system_params(s.pod);
      c.pod_preset = s.pod;
      c.supernodes = s.pods;
      v.push_back(cluster_info(s.name, c, s.why));
    }
    return v;
  }();
  return t;
}

const SystemInfo* find(const std::string& name) {
  for (const auto& s : table())
    if (s.name == name) return &s;
  return nullptr;
}

std::string supernode_list() {
  std::string valid;
  for (const SystemParams& p : supernode_presets()) valid += (valid.empty() ? "" : ", ") + p.name;
  return valid;
}

[[noreturn]] void unknown(const std::string& name) {
  std::string valid;
  for (const auto& n : system_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw ConfigError("system: unknown preset '" + name + "'; expected one of " + valid +
                    ", or supercluster:<pod-preset>:<K>");
}

void check_size(const Cluster& c, const std::string& what) {
  if (static_cast<long long>(c.supernodes) * c.pod.npus > kMaxClusterNpus)
    throw ConfigError(what + ": " + std::to_string(c.supernodes) + " x " + std::to_string(c.pod.npus) +
                      " NPUs exceeds " + std::to_string(kMaxClusterNpus));
}

bool is_spec(const std::string& name) { return name.rfind(kSpecPrefix, 0) == 0; }

// "supercluster:<pod>:<K>" or a bundled SuperCluster name -> its Cluster;
// false for other names. ConfigError naming the spec's field.
bool named_cluster(const std::string& name, Cluster* out, std::string* why) {
  for (const ClusterShape& s : kClusters)
    if (name == s.name) {
      out->pod = system_params(s.pod);
      out->pod_preset = s.pod;
      out->supernodes = s.pods;
      *why = s.why;
      return true;
    }
  if (!is_spec(name)) return false;
  const std::string form = "expected supercluster:<pod-preset>:<K> (e.g. supercluster:cloudmatrix384:4)";
  const std::string rest = name.substr(std::string(kSpecPrefix).size());
  const size_t colon = rest.find(':');
  if (colon == std::string::npos || rest.find(':', colon + 1) != std::string::npos)
    throw ConfigError("system '" + name + "': " + form);
  const std::string pod = rest.substr(0, colon), k = rest.substr(colon + 1);
  bool known = false;
  for (const SystemParams& p : supernode_presets()) known = known || p.name == pod;
  if (!known)
    throw ConfigError("system '" + name + "': <pod-preset> '" + pod + "' is not a supernode preset; expected one of " +
                      supernode_list());
  out->pod = system_params(pod);
  out->pod_preset = pod;
  bool digits = !k.empty() && k.size() <= 7;
  for (char c : k) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  const long long K = digits ? std::stoll(k) : 0;
  if (K < 1 || K * out->pod.npus > kMaxClusterNpus)
    throw ConfigError("system '" + name + "': <K> (supernodes) expected an integer >= 1 with K x " +
                      std::to_string(out->pod.npus) + " NPUs <= " + std::to_string(kMaxClusterNpus) + ", got '" + k +
                      "'");
  out->supernodes = static_cast<int>(K);
  *why = std::to_string(K) + " x " + pod + " over a scale-out RDMA tier (count: user spec)";
  return true;
}

}  // namespace

std::vector<std::string> system_names() {
  std::vector<std::string> v;
  for (const auto& s : table()) v.push_back(s.name);
  return v;
}

SystemInfo system_info(const std::string& name) {
  if (is_spec(name)) {
    Cluster c;
    std::string why;
    named_cluster(name, &c, &why);
    return cluster_info(name, c, why);
  }
  const SystemInfo* s = find(name);
  if (!s) unknown(name);
  return *s;
}

Topology build_system(const std::string& name) {
  Cluster c;
  std::string why;
  if (named_cluster(name, &c, &why)) return build_cluster(c);
  if (!find(name)) unknown(name);
  return build_system(system_params(name));
}

json supercluster_resolved(const std::string& name) {
  Cluster c;
  std::string why;
  return named_cluster(name, &c, &why) ? cluster_json(c) : json(nullptr);
}

Topology supercluster_from_json(const json& j, const std::string& path, std::string* source, json* resolved) {
  if (!j.is_object() || !j.contains("supercluster") || j.size() != 1)
    throw ConfigError(path + ": expected {\"supercluster\": {\"pod\": ..., \"supernodes\": K, \"scale_out\": {...}}}");
  const std::string p = join_path(path, "supercluster");
  const json& body = j["supercluster"];
  if (!body.is_object() || !body.contains("pod") || !body.contains("supernodes"))
    throw ConfigError(p + ": expected an object with 'pod' and 'supernodes' (and optionally 'scale_out')");
  for (auto it = body.begin(); it != body.end(); ++it)
    if (it.key() != "pod" && it.key() != "supernodes" && it.key() != "scale_out")
      throw ConfigError(join_path(p, it.key()) + ": unknown key; expected pod, supernodes, scale_out");
  Cluster c;
  const std::string pod_path = join_path(p, "pod");
  const json& pod = body["pod"];
  if (pod.is_string()) {
    bool known = false;
    for (const SystemParams& s : supernode_presets()) known = known || s.name == pod.get<std::string>();
    if (!known)
      throw ConfigError(pod_path + ": '" + pod.get<std::string>() + "' is not a supernode preset; expected one of " +
                        supernode_list() + " (or an edited preset {\"preset\": ..., <edits>})");
    c.pod_preset = pod.get<std::string>();
  } else if (pod.is_object() && pod.contains("preset") && pod["preset"].is_string()) {
    c.pod_preset = pod["preset"].get<std::string>();
  }
  c.pod = system_from_json(pod, pod_path);  // names the key path of a bad edit
  const json& k = body["supernodes"];
  if (!k.is_number_integer() || k.get<long long>() < 1 || k.get<long long>() > kMaxClusterNpus)
    throw ConfigError(join_path(p, "supernodes") + ": expected an integer >= 1, got " + k.dump());
  c.supernodes = static_cast<int>(k.get<long long>());
  check_size(c, join_path(p, "supernodes"));
  if (body.contains("scale_out")) c.scale_out = from_json<ScaleOutParams>(body["scale_out"], join_path(p, "scale_out"));
  if (source)
    *source = std::to_string(c.supernodes) + " x " + c.pod.name + " over a scale-out RDMA tier with parameters " +
              to_json(c.scale_out).dump() + " (user file; defaults: " + kScaleOutSource + "). Each supernode: " +
              c.pod.source;
  if (resolved) *resolved = cluster_json(c);
  return build_cluster(c);
}

}  // namespace npusim::noc
