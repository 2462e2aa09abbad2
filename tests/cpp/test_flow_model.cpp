// Flow-level (fluid) fabric: max-min sharing, routing, collectives, errors.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>

#include "noc/collectives_flow.hpp"
#include "noc/flow_model.hpp"
#include "noc/system_presets.hpp"
#include "noc/topology.hpp"

using namespace npusim;
using namespace npusim::noc;
using Catch::Matchers::Contains;

namespace {

// 16 NPUs, 4 per leaf, 2 spines at half the endpoint rate: intra- and
// inter-leaf pairs get different rates.
ClosParams oversubscribed_leaf_spine() {
  ClosParams p;
  p.endpoints = 16;
  p.endpoints_per_group = 4;
  p.spines = 2;
  p.endpoint_bandwidth_gbps = 100;
  p.uplink_bandwidth_gbps = 50;
  return p;
}
json node(const char* n, const char* k = "npu") { return {{"name", n}, {"kind", k}}; }
json link(const char* s, const char* d, double bw, double lat, bool bidi = true) {
  return {{"src", s}, {"dst", d}, {"bandwidth_gbps", bw}, {"latency_ns", lat}, {"bidirectional", bidi}};
}
}  // namespace

TEST_CASE("one transfer on an ideal link takes latency + size/bandwidth", "[flow]") {
  Topology t = Topology::from_json({{"nodes", {node("a"), node("b")}}, {"links", {link("a", "b", 100, 500)}}});
  FlowModel m(t);
  int f = m.add_flow(t.node_id("a"), t.node_id("b"), 1e6, 0);
  m.run();
  CHECK(m.finish_ns(f) == Approx(500 + 1e6 / 100));
  CHECK(m.link_bytes()[0] == Approx(1e6));
}

TEST_CASE("two flows sharing a link get half each", "[flow]") {
  // a and b send to c through switch s; s->c is the shared bottleneck.
  Topology t = Topology::from_json(
      {{"nodes", {node("a"), node("b"), node("c"), node("s", "switch")}},
       {"links", {link("a", "s", 1000, 0), link("b", "s", 1000, 0), link("s", "c", 100, 0)}}});
  FlowModel m(t);
  int f1 = m.add_flow(t.node_id("a"), t.node_id("c"), 1000, 0);
  int f2 = m.add_flow(t.node_id("b"), t.node_id("c"), 1000, 0);
  m.run();
  CHECK(m.finish_ns(f1) == Approx(20.0));  // 1000 B at 50 B/ns
  CHECK(m.finish_ns(f2) == Approx(20.0));
}

TEST_CASE("max-min fairness on a 3-link chain, worked by hand", "[flow]") {
  // n0 -L1(10)-> n1 -L2(4)-> n2 -L3(10)-> n3, one direction, no latency.
  // f0 n0->n3 crosses all; f1 uses L1; f2, f3 use L2; f4 uses L3.
  // Filling: L2 saturates first at 4/3 (f0, f2, f3); then f1 = f4 = 10 - 4/3
  // = 26/3. f1, f4 (1200 B) end at 1200*3/26; f2 (400 B) at 400/(4/3) = 300;
  // then f0, f3 share L2 at 2 each: their 800 B left take 400 ns -> 700.
  Topology t = Topology::from_json(
      {{"nodes", {node("n0"), node("n1"), node("n2"), node("n3")}},
       {"links", {link("n0", "n1", 10, 0, false), link("n1", "n2", 4, 0, false), link("n2", "n3", 10, 0, false),
                  link("n3", "n0", 10, 0, false)}}});
  FlowModel m(t);
  int f0 = m.add_flow(0, 3, 1200, 0);
  int f1 = m.add_flow(0, 1, 1200, 0);
  int f2 = m.add_flow(1, 2, 400, 0);
  int f3 = m.add_flow(1, 2, 1200, 0);
  int f4 = m.add_flow(2, 3, 1200, 0);
  m.run();
  CHECK(m.finish_ns(f1) == Approx(1200.0 * 3 / 26));
  CHECK(m.finish_ns(f4) == Approx(1200.0 * 3 / 26));
  CHECK(m.finish_ns(f2) == Approx(300.0));
  CHECK(m.finish_ns(f0) == Approx(700.0));
  CHECK(m.finish_ns(f3) == Approx(700.0));
}

TEST_CASE("a flow starting later triggers a rate recomputation", "[flow]") {
  Topology t = Topology::from_json({{"nodes", {node("a"), node("b")}}, {"links", {link("a", "b", 10, 0)}}});
  FlowModel m(t);
  int f1 = m.add_flow(0, 1, 1000, 0);   // alone 0..50 at 10: 500 B left
  int f2 = m.add_flow(0, 1, 250, 50);   // then both at 5: f2 ends at 100
  m.run();
  CHECK(m.finish_ns(f2) == Approx(100.0));
  CHECK(m.finish_ns(f1) == Approx(125.0));  // 250 B left at 10 B/ns
}

TEST_CASE("ring all-reduce matches 2(n-1)/n*S/B + 2(n-1)*alpha", "[flow]") {
  // The fluid model has no per-packet effects, so the match is exact up to
  // floating point: tolerance 1e-9 relative.
  for (int n : {2, 4, 8, 16}) {
    const double B = 50, alpha = 1000, S = 64e6;
    Topology t = Topology::ring(n, B, alpha);
    CollectiveResult r = ring_allreduce(t, S);
    double expect_ns = 2.0 * (n - 1) / n * S / B + 2.0 * (n - 1) * alpha;
    CHECK(r.time_us * 1000 == Approx(expect_ns).epsilon(1e-9));
    CHECK(r.busbw_gbps == Approx(S / expect_ns * 2 * (n - 1) / n));
    CollectiveResult g = ring_allgather(t, S);
    CHECK(g.time_us * 1000 == Approx((n - 1) * (S / n / B + alpha)).epsilon(1e-9));
  }
}

TEST_CASE("all-to-all on a non-blocking Clos reaches the per-endpoint bound", "[flow]") {
  ClosParams p;
  p.endpoints = 64;
  p.endpoints_per_group = 8;
  p.spines = 8;
  p.endpoint_bandwidth_gbps = 100;
  p.uplink_bandwidth_gbps = 100;
  p.endpoint_latency_ns = 100;
  p.uplink_latency_ns = 200;
  Topology t = Topology::clos(p);
  const double S = 1e9;
  CollectiveResult r = alltoall(t, S);
  // Each NPU must push S(n-1)/n through its 100 GB/s link: busbw -> 100.
  // Latency (<= 600 ns of ~10 ms) keeps it within 0.1 %.
  CHECK(r.busbw_gbps == Approx(100).epsilon(1e-3));
  CHECK(r.busbw_gbps <= 100.0);
}

TEST_CASE("CloudMatrix384-like Clos: all-to-all busbw = 7 L1 links per NPU", "[flow]") {
  // 48 servers x 8 NPUs, 7 L1 switches per server, 112 L2 in 7 rails of 16
  // (hardware.md, Supernodes). 56 GB/s per NPU-L1 link gives 392 GB/s per
  // NPU; 16 uplinks of 28 GB/s per L1 match its 8 x 56 down: non-blocking.
  ClosParams p;
  p.endpoints = 384;
  p.endpoints_per_group = 8;
  p.leaves_per_group = 7;
  p.spines = 112;
  p.rails = true;
  p.endpoint_bandwidth_gbps = 56;
  p.uplink_bandwidth_gbps = 28;
  Topology t = Topology::clos(p);
  CHECK(t.num_nodes() == 384 + 48 * 7 + 112);
  CollectiveResult r = alltoall(t, 384e6);
  CHECK(r.busbw_gbps == Approx(392).epsilon(1e-3));
}

TEST_CASE("aggregate all-to-all equals per-flow simulation on symmetric topologies", "[flow]") {
  // Oversubscribed leaf-spine (2 spines for 4 NPUs per leaf): intra-leaf and
  // inter-leaf pairs get different rates; the per-hop-distance groups must
  // reproduce what 240 individual flows give.
  ClosParams p = oversubscribed_leaf_spine();
  std::vector<Topology> topos{Topology::clos(p), Topology::ring(9, 40, 300), Topology::star(12, 100, 50)};
  p.leaves_per_group = 2;  // CloudMatrix-like: every NPU on 2 L1s, rails of spines
  p.rails = true;
  p.spines = 4;
  topos.push_back(Topology::clos(p));
  for (const Topology& t : topos) {
    const double b = 1e6;
    FlowModel agg(t), each(t);
    agg.add_all_to_all(t.endpoints(), b, 0);
    for (int s : t.endpoints())
      for (int d : t.endpoints())
        if (s != d) each.add_flow(s, d, b, 0);
    agg.run();
    each.run();
    CHECK(agg.max_finish_ns() == Approx(each.max_finish_ns()).epsilon(1e-9));
    for (int l = 0; l < t.num_links(); ++l) CHECK(agg.link_bytes()[l] == Approx(each.link_bytes()[l]));
  }
}

namespace {
// Reference ring all-reduce: one step simulated with n individual flows, each
// routed by a fresh per-destination BFS (Topology::route_uncached), i.e. the
// path without any shared/cached routing.
CollectiveResult reference_ring_allreduce(const Topology& t, double bytes, const std::vector<int>& ranks) {
  const size_t n = ranks.size();
  FlowModel m(t);
  for (size_t i = 0; i < n; ++i) {
    FlowGroup g;
    g.links = t.route_uncached(ranks[i], ranks[(i + 1) % n]);
    for (const auto& s : g.links) g.latency_ns += s.fraction * t.link(s.link).latency_ns;
    g.bytes = bytes / n;
    m.add_group(std::move(g));
  }
  m.run();
  double time_ns = m.max_finish_ns() * 2.0 * (n - 1);
  CollectiveResult r;
  r.time_us = time_ns / 1000.0;
  r.algbw_gbps = bytes / time_ns;
  r.busbw_gbps = r.algbw_gbps * 2.0 * (n - 1) / n;
  return r;
}

void check_ring_matches_reference(const Topology& t, std::vector<int> ranks) {
  if (ranks.empty()) ranks = t.endpoints();
  const double bytes = 96e6;
  CollectiveResult fast = ring_allreduce(t, bytes, ranks);
  CollectiveResult ref = reference_ring_allreduce(t, bytes, ranks);
  CHECK(fast.time_us == Approx(ref.time_us).epsilon(1e-9));
  CHECK(fast.algbw_gbps == Approx(ref.algbw_gbps).epsilon(1e-9));
  CHECK(fast.busbw_gbps == Approx(ref.busbw_gbps).epsilon(1e-9));
}
}  // namespace

TEST_CASE("shared-BFS routing equals per-destination routing; ring results unchanged", "[flow]") {
  // Small oversubscribed leaf-spine (4 NPUs per leaf, 2 spines at half rate),
  // its rail variant, and forwarding topologies (ring, mesh) where no
  // sharing applies.
  ClosParams p = oversubscribed_leaf_spine();
  std::vector<Topology> topos{Topology::clos(p), Topology::ring(9, 40, 300), Topology::full_mesh(5, 40, 100),
                              Topology::star(6, 100, 50)};
  p.leaves_per_group = 2;
  p.rails = true;
  p.spines = 4;
  topos.push_back(Topology::clos(p));
  for (const Topology& t : topos) {
    for (int s : t.endpoints())
      for (int d : t.endpoints()) {
        auto a = t.route(s, d), b = t.route_uncached(s, d);
        REQUIRE(a.size() == b.size());
        for (size_t i = 0; i < a.size(); ++i) {
          CHECK(a[i].link == b[i].link);
          CHECK(a[i].fraction == b[i].fraction);
        }
      }
    check_ring_matches_reference(t, {});
    // A scrambled rank order makes ring neighbours cross leaves unevenly.
    std::vector<int> ranks = t.endpoints();
    for (size_t i = 0; i < ranks.size(); ++i) std::swap(ranks[i], ranks[(i * 7 + 3) % ranks.size()]);
    check_ring_matches_reference(t, ranks);
  }
  Topology cm = build_system("cloudmatrix384");
  check_ring_matches_reference(cm, {});
  std::vector<int> ranks = cm.endpoints();
  for (size_t i = 0; i < ranks.size(); ++i) std::swap(ranks[i], ranks[(i * 37 + 11) % ranks.size()]);
  check_ring_matches_reference(cm, ranks);
}

TEST_CASE("ECMP splits evenly over equal-cost next hops", "[flow]") {
  ClosParams p;
  p.endpoints = 4;
  p.endpoints_per_group = 2;
  p.spines = 4;
  Topology t = Topology::clos(p);
  auto r = t.route(0, 3);  // npu0 -> leaf0 -> 4 spines -> leaf1 -> npu3
  double spine_links = 0;
  for (auto s : r)
    if (s.fraction == Approx(0.25)) ++spine_links;
  CHECK(r.size() == 10);
  CHECK(spine_links == 8);
}

TEST_CASE("malformed topology JSON names the node or link", "[flow]") {
  json ok_nodes = {node("a"), node("b")};
  CHECK_THROWS_WITH(Topology::from_json({{"nodes", ok_nodes}, {"links", {link("a", "zz", 10, 1)}}}),
                    Contains("links[0]") && Contains("unknown node 'zz'"));
  CHECK_THROWS_WITH(Topology::from_json({{"nodes", {node("a"), node("a")}}, {"links", json::array()}}),
                    Contains("nodes[1]") && Contains("duplicate node 'a'"));
  CHECK_THROWS_WITH(Topology::from_json({{"nodes", ok_nodes}, {"links", {link("a", "b", 0, 1)}}}),
                    Contains("links[0] (a -> b)") && Contains("bandwidth_gbps must be > 0"));
  CHECK_THROWS_WITH(Topology::from_json({{"nodes", ok_nodes}, {"links", {link("a", "b", -5, 1)}}}),
                    Contains("bandwidth_gbps must be > 0"));
  CHECK_THROWS_WITH(
      Topology::from_json({{"nodes", {node("a"), node("b"), node("c")}}, {"links", {link("a", "b", 10, 1)}}}),
      Contains("'c'") && Contains("disconnected"));
  CHECK_THROWS_WITH(Topology::from_json({{"nodes", {node("a"), {{"name", "b"}, {"kind", "router"}}}},
                                         {"links", json::array()}}),
                    Contains("nodes[1].kind"));
  CHECK_THROWS_WITH(Topology::from_json({{"nodes", ok_nodes}, {"links", {{{"src", "a"}, {"dst", "b"}}}}}),
                    Contains("links[0]") && Contains("bandwidth_gbps"));
  CHECK_THROWS_WITH(Topology::from_json({{"nodes", ok_nodes}, {"links", {link("a", "b", 10, 1)}}, {"foo", 1}}),
                    Contains("topology.foo"));
  CHECK_THROWS_AS(Topology::from_json({{"nodes", ok_nodes}, {"links", {link("a", "b", 10, 1)}}, {"foo", 1}}),
                  ConfigError);
}

TEST_CASE("15488-endpoint all-to-all on a 2-level Clos (timed)", "[.][flow_big]") {
  // Atlas 960 SuperPoD size: 484 leaves x 32 NPUs, 32 spines, non-blocking.
  auto t0 = std::chrono::steady_clock::now();
  ClosParams p;
  p.endpoints = 15488;
  p.endpoints_per_group = 32;
  p.spines = 32;
  p.endpoint_bandwidth_gbps = 400;
  p.uplink_bandwidth_gbps = 400;
  Topology t = Topology::clos(p);
  auto t1 = std::chrono::steady_clock::now();
  const double S = 15488.0 * 1e5;  // 100 kB to each peer
  CollectiveResult r = alltoall(t, S);
  auto t2 = std::chrono::steady_clock::now();
  std::printf("flow_big: 15488-NPU all-to-all: build %.2f s, simulate %.2f s; time %.1f us, busbw %.2f GB/s\n",
              std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count(),
              r.time_us, r.busbw_gbps);
  CHECK(r.busbw_gbps == Approx(400).epsilon(1e-3));
}
