#include "noc/supercluster.hpp"

#include <algorithm>

namespace npusim::noc {

const Schema& ScaleOutParams::schema() {
  static const Schema s = [] {
    Schema s("scale_out", "Scale-out RDMA tier joining supernodes: a NIC per NPU into a leaf/spine Clos");
    SchemaBuilder<ScaleOutParams>(s)
        .param(&ScaleOutParams::nic_bandwidth_gbps, "nic_bandwidth_gbps", "GB/s", 50.0,
               "Per NPU NIC, each direction (50 GB/s = 400 Gb/s, CloudMatrix384's RDMA plane, P)", {1e-9, 1e9})
        .param(&ScaleOutParams::nic_latency_ns, "nic_latency_ns", "ns", 1000.0,
               "NPU-leaf link traversal incl. NIC processing (E)", {0, 1e9})
        .param(&ScaleOutParams::npus_per_leaf, "npus_per_leaf", "", 64, "NPUs under one RDMA leaf switch",
               {1, 1 << 16})
        .param(&ScaleOutParams::spines, "spines", "", 16,
               "RDMA spine switches; every leaf links to each (unused with a single leaf)", {1, 1 << 16})
        .param(&ScaleOutParams::uplink_latency_ns, "uplink_latency_ns", "ns", 600.0,
               "Leaf-spine link traversal incl. switching (E)", {0, 1e9})
        .param(&ScaleOutParams::oversubscription, "oversubscription", "", 1.0,
               "Leaf downlink / uplink bandwidth (1 = non-blocking)", {1e-3, 1e3})
        .param(&ScaleOutParams::cost, "cost", "", 0,
               "Routing cost of an RDMA link; 0 = auto (pod nodes x largest pod link cost: intra-pod traffic "
               "never takes RDMA)",
               {0, kMaxLinkCost});
    return s;
  }();
  return s;
}

Topology supercluster(const Topology& pod, int pods, const ScaleOutParams& p) {
  if (pods < 1) throw ConfigError("supercluster.pods: expected >= 1 supernodes, got " + std::to_string(pods));
  if (p.npus_per_leaf < 1 || p.spines < 1 || !(p.nic_bandwidth_gbps > 0) || !(p.oversubscription > 0))
    throw ConfigError("scale_out: npus_per_leaf, spines, nic_bandwidth_gbps and oversubscription must be > 0");
  for (int i = 0; i < pod.num_planes(); ++i)
    if (pod.plane_name(i) == kRdmaPlane)
      throw ConfigError(std::string("supercluster: the pod already has a '") + kRdmaPlane +
                        "' plane; expected a supernode without a scale-out tier");
  int cost = p.cost;
  if (cost == 0) {
    const long long auto_cost = static_cast<long long>(pod.num_nodes()) * pod.max_link_cost();
    if (auto_cost > kMaxLinkCost)
      throw ConfigError("scale_out.cost: the automatic cost (" + std::to_string(auto_cost) + " = pod nodes x largest "
                        "pod link cost) exceeds " + std::to_string(kMaxLinkCost) + "; set scale_out.cost explicitly");
    cost = static_cast<int>(std::max(1LL, auto_cost));
  }
  Topology t;
  std::vector<int> pod_plane(size_t(pod.num_planes()));
  for (int i = 0; i < pod.num_planes(); ++i) pod_plane[size_t(i)] = t.plane_id(pod.plane_name(i));
  const int rdma = t.plane_id(kRdmaPlane);
  const int pn = pod.num_nodes();
  for (int k = 0; k < pods; ++k) {
    const std::string prefix = "sn" + std::to_string(k) + ".";
    for (int i = 0; i < pn; ++i) t.add_node(prefix + pod.node(i).name, pod.node(i).kind);
    for (int l = 0; l < pod.num_links(); ++l) {
      const Link& L = pod.link(l);
      const int id = t.add_link(k * pn + L.src, k * pn + L.dst, L.bandwidth_gbps, L.latency_ns,
                                pod_plane[size_t(pod.link_plane(l))], pod.link_cost(l));
      if (!L.medium.empty() || L.length_m >= 0) t.set_link_medium(id, L.medium, L.length_m);
    }
  }
  const std::vector<int> npus = t.endpoints();  // pod-major
  const int n = static_cast<int>(npus.size());
  const int leaves = (n + p.npus_per_leaf - 1) / p.npus_per_leaf;
  std::vector<int> leaf(static_cast<size_t>(leaves)), spine;
  for (int i = 0; i < leaves; ++i) leaf[size_t(i)] = t.add_node("rdma_leaf" + std::to_string(i), NodeKind::Switch);
  if (leaves > 1)
    for (int j = 0; j < p.spines; ++j) spine.push_back(t.add_node("rdma_spine" + std::to_string(j), NodeKind::Switch));
  for (int i = 0; i < n; ++i)
    t.add_bidi(npus[size_t(i)], leaf[size_t(i / p.npus_per_leaf)], p.nic_bandwidth_gbps, p.nic_latency_ns, rdma, cost);
  // Uplinks sized from a full leaf so every leaf's up capacity is the same
  // (down / oversubscription).
  const double up = p.npus_per_leaf * p.nic_bandwidth_gbps / (p.oversubscription * p.spines);
  for (int l : leaf)
    for (int s : spine) t.add_bidi(l, s, up, p.uplink_latency_ns, rdma, cost);
  t.set_endpoints_forward(pod.endpoints_forward());
  t.validate();
  return t;
}

}  // namespace npusim::noc
