// Editable supernode presets (noc/system_params): unedited presets build the
// very topology they always did, edits change what they should, and bad
// edits name their key path.
#include <catch2/catch.hpp>

#include "noc/collectives_flow.hpp"
#include "noc/system_params.hpp"
#include "noc/system_presets.hpp"

using namespace npusim;
using namespace npusim::noc;
using Catch::Matchers::Contains;

namespace {

// The presets as they were built before they became SystemParams (the old
// clos_system(npus, per_group, leaves, per_rail, bw) of system_presets.cpp).
Topology old_clos(int npus, int per_group, int leaves, int per_rail, double npu_bw) {
  ClosParams p;
  p.endpoints = npus;
  p.endpoints_per_group = per_group;
  p.leaves_per_group = leaves;
  p.spines = leaves * per_rail;
  p.rails = true;
  p.endpoint_bandwidth_gbps = npu_bw / leaves;
  p.uplink_bandwidth_gbps = per_group * (npu_bw / leaves) / per_rail;
  p.endpoint_latency_ns = 150;
  p.uplink_latency_ns = 250;
  return Topology::clos(p);
}

// Exact equality: same nodes in the same order, same links with bit-equal
// bandwidths and latencies, so every result computed on them is identical.
void require_same(const Topology& a, const Topology& b) {
  REQUIRE(a.num_nodes() == b.num_nodes());
  REQUIRE(a.num_links() == b.num_links());
  for (int i = 0; i < a.num_nodes(); ++i) {
    REQUIRE(a.node(i).name == b.node(i).name);
    REQUIRE(a.node(i).kind == b.node(i).kind);
  }
  for (int i = 0; i < a.num_links(); ++i) {
    REQUIRE(a.link(i).src == b.link(i).src);
    REQUIRE(a.link(i).dst == b.link(i).dst);
    REQUIRE(a.link(i).bandwidth_gbps == b.link(i).bandwidth_gbps);
    REQUIRE(a.link(i).latency_ns == b.link(i).latency_ns);
  }
  REQUIRE(a.endpoints_forward() == b.endpoints_forward());
}

int switches(const Topology& t) { return t.num_nodes() - static_cast<int>(t.endpoints().size()); }

SystemParams edited(const char* preset, const json& edits) {
  json spec = edits;
  spec["preset"] = preset;
  return system_from_json(spec);
}

}  // namespace

TEST_CASE("unedited presets build the same topology as before they were parameters", "[system-params]") {
  require_same(build_system("cloudmatrix384"), old_clos(384, 8, 7, 16, 392.0));
  require_same(build_system("atlas950_superpod"), old_clos(8192, 64, 8, 16, 16.3e6 / 8192));
  require_same(build_system("atlas960_superpod"), old_clos(15488, 88, 8, 11, 34e6 / 15488));
  require_same(build_system("nvl72"), Topology::star(72, 900.0, 150));
  // The name, the {"preset"} form and an empty edit all take the same path.
  require_same(build_system("cloudmatrix384", json::object()), build_system("cloudmatrix384"));
  require_same(build_system(system_from_json(json{{"preset", "nvl72"}})), build_system("nvl72"));
}

TEST_CASE("system presets' metadata comes from their parameters", "[system-params]") {
  for (const SystemParams& p : supernode_presets()) {
    INFO(p.name);
    const SystemInfo info = system_info(p.name);
    CHECK(info.npus == p.npus);
    CHECK(info.npu_bandwidth_gbps == p.ub.link.bandwidth_gbps);
    CHECK(info.source == p.source);
  }
  const SystemParams cm = system_params("cloudmatrix384");
  CHECK(cm.servers() == 48);
  CHECK(cm.ub.l2.radix == 48);
  CHECK(cm.l2_switches() == 112);  // P: 112 L2 UB switches
  CHECK(system_params("atlas950_superpod").l2_switches() == 128);
  CHECK(system_params("atlas960_superpod").l2_switches() == 88);
  CHECK_THROWS_WITH(system_params("dgx"), Contains("'dgx'") && Contains("cloudmatrix384") && Contains("nvl72"));
}

TEST_CASE("resolved parameters round-trip through JSON", "[system-params]") {
  const SystemParams p = edited("cloudmatrix384", {{"ub", {{"link", {{"bandwidth_gbps", 800}}}, {"l2", {{"radix", 96}}}}}});
  const json j = system_to_json(p, "cloudmatrix384");
  CHECK(j["preset"] == "cloudmatrix384");
  CHECK(j["ub"]["link"]["bandwidth_gbps"] == 800.0);
  CHECK(to_json(system_from_json(j)) == to_json(p));
  // A single_switch preset's full record reads back too (its unused Clos
  // fields equal the preset's, so they are not edits).
  const json nv = system_to_json(system_params("nvl72"), "nvl72");
  CHECK(to_json(system_from_json(nv)) == to_json(system_params("nvl72")));
}

TEST_CASE("editing the L2 radix or the L1 uplinks changes the L2 switch count", "[system-params]") {
  // CloudMatrix384: 48 servers x 7 L1, 16 uplinks per L1. Radix 96 = 2 ports
  // to each server's L1 -> 16 / 2 = 8 L2 per sub-plane, 56 in all; radix 768
  // -> one L2 per sub-plane (a single 768-port switch per plane).
  const int npus = 384, l1 = 48 * 7;
  CHECK(switches(build_system("cloudmatrix384")) == l1 + 112);
  for (auto [radix, l2] : {std::pair{96, 56}, std::pair{192, 28}, std::pair{768, 7}}) {
    INFO("radix " << radix);
    const SystemParams p = edited("cloudmatrix384", {{"ub", {{"l2", {{"radix", radix}}}}}});
    CHECK(p.l2_switches() == l2);
    const Topology t = build_system(p);
    CHECK(static_cast<int>(t.endpoints().size()) == npus);
    CHECK(switches(t) == l1 + l2);
    // Same per-NPU and per-L1 up bandwidth: bundled ports, non-blocking.
    const int leaf = t.node_id("l1_0_0"), spine = t.node_id("l2_0");
    CHECK(t.link(t.link_between(leaf, spine)).bandwidth_gbps == Approx(28.0 * radix / 48).epsilon(1e-12));
  }
  // Fewer uplinks per L1 (radix 48 = one port per server): fewer L2.
  CHECK(switches(build_system("cloudmatrix384", {{"ub", {{"l1", {{"uplinks", 8}}}}}})) == l1 + 7 * 8);
  // More L1 switches per server: more sub-planes.
  CHECK(switches(build_system("cloudmatrix384", {{"ub", {{"l1", {{"switches_per_server", 8}}}}}})) ==
        48 * 8 + 8 * 16);
  // Atlas 950: 128 cabinets, radix 256 -> 16 / 2 = 8 L2 per rail x 8 rails.
  CHECK(edited("atlas950_superpod", {{"ub", {{"l2", {{"radix", 256}}}}}}).l2_switches() == 64);
}

TEST_CASE("doubling the UB bandwidth halves a bandwidth-bound all-to-all", "[system-params]") {
  // 1 MiB to each of 383 peers: the fixed 0.8 us path latency is < 1% of
  // the ~1 ms transfer, so time scales as 1/bandwidth within 1%.
  const double S = 384.0 * 1024 * 1024;
  const CollectiveResult base = alltoall(build_system("cloudmatrix384"), S);
  const CollectiveResult fast = alltoall(build_system("cloudmatrix384", {{"ub", {{"link", {{"bandwidth_gbps", 784}}}}}}), S);
  CHECK(fast.time_us / base.time_us == Approx(0.5).epsilon(0.01));
  CHECK(fast.busbw_gbps == Approx(2 * base.busbw_gbps).epsilon(0.01));
}

TEST_CASE("a single-server Clos is the single switch with another name", "[system-params]") {
  // NVL72 rebuilt as one server of 72 NPUs on one L1 switch: the same star.
  const SystemParams p = edited("nvl72", {{"topology", "two_tier_clos"}, {"npus_per_server", 72},
                                          {"ub", {{"l1", {{"switches_per_server", 1}}}}}});
  const Topology t = build_system(p);
  CHECK(switches(t) == 1);
  CHECK(p.l2_switches() == 0);
  const double S = 72.0 * 1024 * 1024;
  // Identical graphs up to node names: identical fluid results (exact).
  CHECK(alltoall(t, S).time_us == alltoall(build_system("nvl72"), S).time_us);
}

TEST_CASE("bad system edits name the key path and the expected form", "[system-params]") {
  auto err = [](const json& spec) {
    try {
      system_from_json(spec);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const json cm = {{"preset", "cloudmatrix384"}};
  auto with = [&](const json& edits) {
    json j = cm;
    j.update(edits);
    return err(j);
  };
  CHECK_THAT(with({{"ub", {{"link", {{"bandwith_gbps", 800}}}}}}),
             Contains("system.ub.link.bandwith_gbps: unknown parameter") && Contains("bandwidth_gbps"));
  CHECK_THAT(with({{"ub", {{"link", {{"bandwidth_gbps", -1}}}}}}),
             Contains("system.ub.link.bandwidth_gbps: expected a number in") && Contains("GB/s") && Contains("-1"));
  CHECK_THAT(with({{"ub", {{"link", {{"bandwidth_gbps", "fast"}}}}}}), Contains("system.ub.link.bandwidth_gbps"));
  CHECK_THAT(with({{"ub", {{"l2", {{"radix", 40}}}}}}),
             Contains("system.ub.l2.radix: expected a multiple of the servers (48"));
  CHECK_THAT(with({{"ub", {{"l2", {{"radix", 48 * 3}}}}}}),
             Contains("system.ub.l1.uplinks: expected a multiple of ub.l2.radix / servers") && Contains("= 3"));
  CHECK_THAT(with({{"ub", {{"l2", {{"radix", 2.5}}}}}}), Contains("system.ub.l2.radix: expected an integer"));
  CHECK_THAT(with({{"npus", 1}}), Contains("system.npus: expected an integer in [2,"));
  CHECK_THAT(with({{"topology", "ring"}}), Contains("system.topology: expected one of 'two_tier_clos'"));
  CHECK_THAT(with({{"uplinks", 4}}), Contains("system.uplinks: unknown parameter of system"));
  CHECK_THAT(err({{"preset", "nvl72"}, {"ub", {{"l2", {{"radix", 96}}}}}}),
             Contains("system.ub.l2.radix: not used by a single_switch system") && Contains("system.topology"));
  CHECK_THAT(err({{"preset", "nvl72"}, {"npus_per_server", 4}}), Contains("system.npus_per_server: not used"));
  CHECK_THAT(err({{"preset", "dgx"}}), Contains("system.preset: unknown preset 'dgx'") && Contains("nvl72"));
  CHECK_THAT(err({{"ub", {{"l2", {{"radix", 96}}}}}}), Contains("system.preset: missing"));
  CHECK_THAT(err(json::array()), Contains("system: expected a preset name or {\"preset\""));
  CHECK_THAT(err("dgx"), Contains("unknown preset 'dgx'"));
  CHECK_THROWS_WITH(build_system("cloudmatrix384", json::array()), Contains("overrides must be an object"));
}
