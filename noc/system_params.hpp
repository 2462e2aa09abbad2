// A supernode's shape as parameters: the bundled presets (CloudMatrix384,
// Atlas 950/960 SuperPoD, NVL72) are each a SystemParams with cited numbers,
// and one builder turns any SystemParams -- a preset or a user's edit of
// one -- into a flow-level Topology. Editing `ub.link.bandwidth_gbps` or
// `ub.l2.radix` and rebuilding is how a what-if is asked.
//
// Two shapes:
//  - two_tier_clos: `npus_per_server` NPUs per server (or cabinet) each link
//    to all `ub.l1.switches_per_server` L1 switches of their server, with
//    the per-NPU bandwidth split evenly over those links. L1 switch j of
//    every server belongs to sub-plane j; it has `ub.l1.uplinks` ports up to
//    the L2 switches of its sub-plane. An L2 switch has `ub.l2.radix` ports
//    and links to the L1 switch j of every server, radix / servers ports to
//    each, so a sub-plane has uplinks * servers / radix L2 switches. Uplinks
//    are sized non-blocking (a server's down-bandwidth equals its up-
//    bandwidth). Parallel ports between one L1 and one L2 are one link of
//    their summed bandwidth (the same to the fluid model).
//  - single_switch: every NPU links to one non-blocking switch (NVL72's
//    NVLink switch trays); the server, L1 and L2 parameters do not apply.
#pragma once
#include <string>
#include <vector>

#include "sim/params.hpp"
#include "noc/topology.hpp"

namespace npusim::noc {

NPUSIM_ENUM(SystemTopology, (TwoTierClos, "two_tier_clos"), (SingleSwitch, "single_switch"));

struct UbLinkParams {
  double bandwidth_gbps = 392;  // per NPU, one direction, all of its UB links together
  double latency_ns = 150;      // NPU <-> L1 link traversal
  static const Schema& schema();
};

struct UbL1Params {
  int switches_per_server = 7;
  int uplinks = 16;  // ports per L1 switch toward its L2 sub-plane
  static const Schema& schema();
};

struct UbL2Params {
  int radix = 48;          // ports per L2 switch
  double latency_ns = 250;  // L1 <-> L2 link traversal
  static const Schema& schema();
};

struct UbParams {
  UbLinkParams link;
  UbL1Params l1;
  UbL2Params l2;
  static const Schema& schema();
};

struct SystemParams {
  std::string name, source;
  SystemTopology topology = SystemTopology::TwoTierClos;
  int npus = 384;
  int npus_per_server = 8;
  UbParams ub;
  static const Schema& schema();

  bool is_clos() const { return topology == SystemTopology::TwoTierClos; }
  int servers() const { return (npus + npus_per_server - 1) / npus_per_server; }
  // L2 switches per sub-plane and in total (0 when one server needs no L2).
  int l2_per_plane() const;
  int l2_switches() const { return l2_per_plane() * ub.l1.switches_per_server; }
};

// Supernode presets, in a fixed order; each has a `source` with V/P/R/E
// labels (see /work/shared/reference/hardware.md).
const std::vector<SystemParams>& supernode_presets();
// A preset's parameters; ConfigError listing the valid names if unknown.
SystemParams system_params(const std::string& preset);

// A system as JSON: a preset name, or {"preset": name, <overrides>} where
// the overrides are SystemParams keys (e.g. {"ub": {"link":
// {"bandwidth_gbps": 800}}}). Unknown keys, bad values and shapes the
// builder cannot make are ConfigErrors naming `path`.key.
SystemParams system_from_json(const json& spec, const std::string& path = "system");
// {"preset": <preset>, every parameter}: what a run records so it can be
// rerun exactly; system_from_json reads it back.
json system_to_json(const SystemParams& p, const std::string& preset);

// Checks the relations a single range cannot express (radix vs servers,
// uplinks vs radix); ConfigError naming `path`.key.
void validate_system(const SystemParams& p, const std::string& path = "system");
Topology build_system(const SystemParams& p);
// build_system(system_params(preset)) with `overrides` applied first.
Topology build_system(const std::string& preset, const json& overrides);

}  // namespace npusim::noc
