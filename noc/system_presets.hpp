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
#pragma once
#include <string>
#include <vector>

#include "noc/topology.hpp"

namespace npusim::noc {

struct SystemInfo {
  std::string name;
  int npus = 0;
  double npu_bandwidth_gbps = 0;  // per NPU, one direction (GB/s)
  std::string source;             // citations with V/P/R/E labels
};

// Valid preset names, in a fixed order.
std::vector<std::string> system_names();
// Metadata of a preset; ConfigError listing the valid names if unknown.
SystemInfo system_info(const std::string& name);
// The preset's topology; ConfigError listing the valid names if unknown.
Topology build_system(const std::string& name);

}  // namespace npusim::noc
