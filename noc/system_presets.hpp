// Named systems (supernodes) as flow-level fabric topologies.
//
// Every preset carries a `source` string that says where each number comes
// from, with the confidence labels of /work/shared/reference/hardware.md:
// V = vendor announcement, P = paper, R = report / write-up, E = our
// estimate (the string says how it was derived). Only the per-NPU
// bandwidth and NPU count are sourced for the Atlas SuperPoDs; their
// two-tier Clos shape and all link latencies are estimates.
//
// The supernode presets' numbers live in noc/system_params.cpp as
// SystemParams, which users can edit (system_from_json); this file is the
// catalogue of names and metadata.
//
// SuperClusters (noc/supercluster.hpp) are supernodes joined by a
// scale-out RDMA tier: bundled ones are in the catalogue, any
// "supercluster:<pod-preset>:<K>" spec builds K copies of a supernode
// preset with the default scale-out parameters, and the JSON form
// (supercluster_from_json) takes an edited pod and scale-out parameters.
#pragma once
#include <string>
#include <vector>

#include "sim/params.hpp"
#include "noc/topology.hpp"

namespace npusim::noc {

struct SystemInfo {
  std::string name;
  int npus = 0;
  double npu_bandwidth_gbps = 0;  // per NPU, one direction (GB/s), inside its supernode
  std::string source;             // citations with V/P/R/E labels
  int supernodes = 1;             // > 1: a SuperCluster of this many pods
  double scale_out_bandwidth_gbps = 0;  // per NPU RDMA NIC, one direction (0: none)
};

// Valid preset names, in a fixed order.
std::vector<std::string> system_names();
// Metadata of a preset or supercluster spec; ConfigError listing the valid
// names if unknown, naming the bad field of a malformed spec.
SystemInfo system_info(const std::string& name);
// The preset's (or spec's) topology; errors as system_info.
Topology build_system(const std::string& name);

// A SuperCluster from JSON, with its scale-out tier spelled out:
// {"supercluster": {"pod": <supernode preset name, or an edited preset
//   {"preset": ..., <edits>}>, "supernodes": K, "scale_out": {ScaleOutParams
//   keys}}} (scale_out optional: the presets' defaults). ConfigError naming
// the key path. *source cites the pod and the scale-out tier; *resolved
// gets the same form with every parameter (the pod as {"preset", every
// parameter}), which reads back to the same topology.
Topology supercluster_from_json(const json& j, const std::string& path, std::string* source = nullptr,
                                json* resolved = nullptr);
// The resolved JSON form of a SuperCluster preset or supercluster:<pod>:<K>
// spec (null for other names), so a run can record what it simulated.
json supercluster_resolved(const std::string& name);

}  // namespace npusim::noc
