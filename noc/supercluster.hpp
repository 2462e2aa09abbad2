// A SuperCluster: K supernodes (pods) whose NPUs also attach, through one
// RDMA NIC each, to a scale-out leaf/spine fabric (CloudMatrix384's RDMA
// plane, arXiv 2506.12708; Atlas 950/960 SuperCluster's RoCE/UBoE tier).
//
// The pods keep their own links (and planes); the scale-out links are plane
// "rdma" with a routing cost larger than any loop-free path inside a pod,
// so minimum-cost routing (Topology) keeps every intra-pod route on the pod
// fabric and sends inter-pod routes over the fewest RDMA hops: NPU -> RDMA
// leaf [-> spine -> RDMA leaf] -> NPU. NPUs never relay scale-out traffic
// (they did not in the pod either: the pods we build are switched).
//
// Node names: pod k's nodes are prefixed "sn<k>."; the scale-out switches
// are "rdma_leaf<i>" and "rdma_spine<j>". NPU ids are pod-major: the NPUs of
// pod k are endpoints [k x P, (k+1) x P), so a hierarchical all-reduce with
// group = P runs its intra-group rings inside pods and its inter-group rings
// over RDMA.
#pragma once
#include <string>

#include "sim/params.hpp"
#include "noc/topology.hpp"

namespace npusim::noc {

struct ScaleOutParams {
  // 400 Gb/s per NPU unidirectional: CloudMatrix384's RDMA plane (P: arXiv
  // 2506.12708, Sec. 3); used for later systems too unless told (E).
  double nic_bandwidth_gbps = 50;
  // E: RoCE NIC processing (~0.5 us per side) + SerDes/cable to the leaf.
  double nic_latency_ns = 1000;
  int npus_per_leaf = 64;  // E: a 51.2 Tb/s switch as 64 x 400G down + 64 x 400G up
  int spines = 16;
  // E: Ethernet switch port-to-port ~0.5 us + ~20 m of fibre (0.1 us).
  double uplink_latency_ns = 600;
  double oversubscription = 1;  // leaf downlink / uplink bandwidth; 1 = non-blocking
  int cost = 0;                 // routing cost of each RDMA link; 0 = auto (see supercluster())
  static const Schema& schema();
};

// K copies of `pod` joined by the scale-out fabric. ConfigError (naming
// the parameter) on pods < 1 or a pod that already has an "rdma" plane.
// Auto cost = the pod's node count x its largest link cost: more than any
// loop-free path inside a pod, so even one RDMA hop outweighs every pod
// path. An explicit cost below half the pod's diameter lets some intra-pod
// routes take the RDMA plane (cost 1 = plain fewest-hops routing).
Topology supercluster(const Topology& pod, int pods, const ScaleOutParams& p);

// The plane name of the scale-out links.
constexpr const char* kRdmaPlane = "rdma";

}  // namespace npusim::noc
