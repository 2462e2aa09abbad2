// Packet-level fabric: closed-form timing, conservation, determinism,
// deadlock reports, malformed input. The fabric is plain C++ (its own event
// queue), so these run in the ordinary unit-test process.
#include <catch2/catch.hpp>

#include <cstdio>

#include "noc/packet/packet_network.hpp"
#include "noc/packet/synthetic_traffic.hpp"
#include "noc/topology.hpp"
#include "tests/cpp/packet_harness.hpp"

using namespace npusim;
using namespace npusim::noc;
using Catch::Matchers::Contains;

namespace {

using test::one_message_fs;

// One flit per ns, 8-flit packets, 3-cycle routers (packet_harness.hpp); 10 ns links.
PacketParams simple_params() { return test::unit_params(64); }

}  // namespace

TEST_CASE("mesh and torus generators", "[packet][topology]") {
  Topology m = Topology::mesh(8, 8, 32, 10);
  CHECK(m.endpoints().size() == 64);
  CHECK(m.num_links() == 2 * 2 * 7 * 8);  // 7 x 8 pairs per dimension, both directions
  CHECK(m.grid().x_size == 8);
  CHECK_FALSE(m.grid().wrap);
  Topology t = Topology::torus(4, 4, 32, 10);
  CHECK(t.num_links() == 4 * 16);  // 4 neighbours each
  CHECK(Topology::torus(2, 2, 32, 10).num_links() == Topology::mesh(2, 2, 32, 10).num_links());
  CHECK(Topology::ring(8, 32, 10).grid().wrap);
  CHECK_THROWS_WITH(Topology::mesh(0, 8, 32, 10), Contains("mesh") && Contains("0x8"));
  CHECK(t.link_between(0, 3) >= 0);  // the x wrap link
  CHECK(m.link_between(0, 7) < 0);
}

TEST_CASE("a lone packet takes hops x (pipeline + link latency + flit) + (flits-1) x flit", "[packet]") {
  const PacketParams p = simple_params();
  const uint64_t P = 3000000, L = 10000000, tf = 1000000, F = 8;  // fs
  SECTION("3 hops along a mesh row (NPUs hold the routers)") {
    Topology t = Topology::mesh(4, 1, 32, 10);
    const uint64_t want = 3 * (P + L + tf) + (F - 1) * tf;  // 49 ns
    CHECK(one_message_fs(t, p, 0, 3, 240) == want);
  }
  SECTION("4 hops through a leaf-spine Clos (NPU -> L1 -> L2 -> L1 -> NPU)") {
    ClosParams c;
    c.endpoints = 16;
    c.endpoints_per_group = 4;
    c.spines = 2;
    c.endpoint_bandwidth_gbps = c.uplink_bandwidth_gbps = 32;
    c.endpoint_latency_ns = c.uplink_latency_ns = 10;
    Topology t = Topology::clos(c);
    const uint64_t want = 4 * (P + L + tf) + (F - 1) * tf;  // 63 ns
    CHECK(one_message_fs(t, p, 0, 9, 240) == want);
    CHECK(one_message_fs(t, p, 0, 1, 240) == 2 * (P + L + tf) + (F - 1) * tf);
  }
  SECTION("serdes latency adds per hop; a partial flit is padded") {
    PacketParams q = p;
    q.link.serdes_ns = 5;
    Topology t = Topology::mesh(3, 1, 32, 10);
    // 100 B + 16 B header = 4 flits (116 B padded to 128).
    CHECK(one_message_fs(t, q, 0, 2, 100) == 2 * (P + L + 5000000 + tf) + 3 * tf);
  }
}

TEST_CASE("one transfer of S bytes = latency + S/B x (MTU + header)/MTU", "[packet]") {
  const PacketParams p = simple_params();
  Topology t = Topology::mesh(3, 1, 32, 10);
  const uint64_t S = 240 * 4000;  // 4000 full packets
  // Latency = the head flit's: 2 x (3 + 10 + 1) ns. The head flit's own
  // serialisation is in both terms, so the exact time is one flit (1 ns)
  // less than the sum; the link never idles between packets.
  const double lat_ns = one_message_fs(t, p, 0, 2, 240) / 1e6 - 7.0;
  const double want_ns = lat_ns + S / 32.0 * (240.0 + 16.0) / 240.0;
  const double got_ns = one_message_fs(t, p, 0, 2, S) / 1e6;
  std::printf("transfer %llu B over 2 hops: %.3f ns, closed form %.3f ns\n", (unsigned long long)S, got_ns, want_ns);
  CHECK(got_ns == Approx(want_ns - 1.0).epsilon(1e-12));
  CHECK(got_ns == Approx(want_ns).epsilon(1e-4));
}

TEST_CASE("every packet is delivered exactly once and credits are conserved", "[packet]") {
  PacketParams p = simple_params();
  TrafficParams tp = defaults_of<TrafficParams>();
  tp.rate = 0.3;
  tp.measure_cycles = 3000;
  tp.warmup_cycles = 500;
  for (const char* pattern : {"uniform", "permutation", "transpose", "hotspot", "alltoall", "incast"}) {
    tp.pattern = parse_enum<TrafficPattern>(pattern, "pattern");
    TrafficResult r = run_synthetic(Topology::mesh(4, 4, 32, 10), p, tp);
    INFO(pattern);
    CHECK(r.packets_created > 100);
    CHECK(r.packets_created == r.packets_delivered);
    CHECK(r.credits_conserved);
  }
  // Message level: count deliveries per message on a Clos with iSLIP and
  // adaptive routing.
  ClosParams c;
  c.endpoints = 16;
  c.endpoints_per_group = 4;
  c.spines = 2;
  Topology t = Topology::clos(c);
  p.sw.allocator = AllocatorKind::Islip;
  p.sw.islip_iterations = 2;
  for (const char* algo : {"updown", "ecmp", "adaptive"}) {
    p.routing.algorithm = parse_enum<RoutingAlgorithm>(algo, "algorithm");
    PacketNetwork net(t, p);
    INFO(algo);
    test::check_all_pairs_delivered_once(net, 1000);
  }
}

TEST_CASE("same seed, same stats; another seed, other stats", "[packet]") {
  PacketParams p = simple_params();
  TrafficParams tp = defaults_of<TrafficParams>();
  tp.rate = 0.35;
  tp.measure_cycles = 3000;
  Topology t = Topology::mesh(4, 4, 32, 10);
  const json a = run_synthetic(t, p, tp, true).to_json();
  const json b = run_synthetic(t, p, tp, true).to_json();
  CHECK(a.dump() == b.dump());
  p.seed = 7;
  const json c = run_synthetic(t, p, tp, true).to_json();
  CHECK(a.dump() != c.dump());
}

TEST_CASE("8x8 mesh latency-load curve: flat, then rising, saturating below capacity", "[packet]") {
  PacketParams p = simple_params();
  p.sw.buffer_flits = 32;
  TrafficParams tp = defaults_of<TrafficParams>();
  tp.pattern = TrafficPattern::Uniform;
  tp.measure_cycles = 5000;
  Topology t = Topology::mesh(8, 8, 32, 10);
  std::vector<double> rates = {0.05, 0.15, 0.25, 0.35, 0.45, 0.6, 0.8};
  std::vector<TrafficResult> res;
  std::printf("8x8 mesh, uniform random, dor, 2 VCs x 32 flits, 8-flit packets:\n");
  std::printf("  offered  accepted  avg_ns   p99_ns\n");
  for (double r : rates) {
    tp.rate = r;
    res.push_back(run_synthetic(t, p, tp));
    std::printf("  %.3f    %.4f    %7.1f  %7.1f\n", res.back().offered_rate, res.back().accepted_rate,
                res.back().avg_latency_ns, res.back().p99_latency_ns);
  }
  // Zero-load latency: mean hops (16/3 for uniform random on 8x8 without
  // self) x 14 ns + 7 ns, plus a little queueing.
  CHECK(res[0].avg_latency_ns == Approx(16.0 / 3 * 14 + 7).epsilon(0.05));
  // Flat at low load: within 15% of zero-load up to 25% load.
  CHECK(res[2].avg_latency_ns < 1.15 * res[0].avg_latency_ns);
  // Accepted follows offered below saturation.
  for (int i = 0; i < 3; ++i) CHECK(res[i].accepted_rate == Approx(res[i].offered_rate).epsilon(0.03));
  // Rises: latency grows monotonically with load and blows up past saturation.
  for (size_t i = 1; i < res.size(); ++i) CHECK(res[i].avg_latency_ns > res[i - 1].avg_latency_ns * 0.99);
  CHECK(res.back().avg_latency_ns > 5 * res[0].avg_latency_ns);
  // Saturation below 100% and below the bisection bound of 0.5 (uniform on a
  // k x k mesh: 4/k of a link per node), but above a third of it.
  const double sat = res.back().accepted_rate;
  std::printf("  saturation throughput %.3f of a link per node (bisection bound 0.5)\n", sat);
  CHECK(sat < 0.5);
  CHECK(sat > 0.3);
  CHECK(res.back().saturated);
}

TEST_CASE("a deadlocking routing config is reported with who holds what", "[packet]") {
  // Minimal adaptive routing on a ring with one VC, no dateline and no
  // escape VCs: under full load every ring buffer fills with packets waiting
  // on the next one.
  PacketParams p = simple_params();
  p.sw.vcs = 1;
  p.sw.buffer_flits = 16;
  p.routing.algorithm = RoutingAlgorithm::Adaptive;
  p.routing.escape_vc = false;
  p.stall_check_ns = 20000;
  TrafficParams tp = defaults_of<TrafficParams>();
  tp.rate = 1.0;
  tp.measure_cycles = 20000;
  Topology ring = Topology::ring(8, 32, 10);
  try {
    run_synthetic(ring, p, tp);
    FAIL("expected a StallError");
  } catch (const StallError& e) {
    const std::string msg = e.what();
    std::printf("%s\n", msg.substr(0, 600).c_str());
    CHECK_THAT(msg, Contains("stalled") && Contains("holds") && Contains("waits for link") &&
                        Contains("credits 0") && Contains("adaptive"));
  }
  // The bundled configurations drain under the same full load: dimension
  // order with dateline VCs on a ring and a torus, up/down on a Clos.
  p.sw.vcs = 2;
  p.routing.algorithm = RoutingAlgorithm::Auto;
  tp.measure_cycles = 5000;
  ClosParams c;
  c.endpoints = 32;
  c.endpoints_per_group = 8;
  c.spines = 2;
  for (const Topology& t : {ring, Topology::torus(4, 4, 32, 10), Topology::clos(c)}) {
    for (const char* pattern : {"uniform", "alltoall"}) {
      tp.pattern = parse_enum<TrafficPattern>(pattern, "pattern");
      TrafficResult r = run_synthetic(t, p, tp);
      INFO(t.num_nodes() << " nodes, " << pattern << ", routing " << r.routing);
      CHECK(r.packets_delivered == r.packets_created);
      CHECK(r.credits_conserved);
    }
  }
}

TEST_CASE("bad packet-fabric configurations are ConfigErrors naming the key", "[packet]") {
  Topology mesh = Topology::mesh(4, 4, 32, 10);
  PacketParams p = simple_params();
  p.sw.buffer_flits = 4;
  CHECK_THROWS_AS(PacketNetwork(mesh, p), ConfigError);
  CHECK_THROWS_WITH(PacketNetwork(mesh, p), Contains("switch.buffer_flits") && Contains("8 flits"));
  p = simple_params();
  p.routing.algorithm = RoutingAlgorithm::Dor;
  ClosParams c;
  c.endpoints = 8;
  c.endpoints_per_group = 4;
  c.spines = 1;
  CHECK_THROWS_WITH(PacketNetwork(Topology::clos(c), p), Contains("routing.algorithm") && Contains("dor"));
  p.sw.vcs = 1;
  CHECK_THROWS_WITH(PacketNetwork(Topology::ring(6, 32, 10), p), Contains("switch.vcs") && Contains("dateline"));
  CHECK_THROWS_WITH(from_json<PacketParams>(json{{"switch", {{"vc", 2}}}}, "noc"), Contains("noc.switch.vc"));
  CHECK_THROWS_WITH(from_json<PacketParams>(json{{"switch", {{"allocator", "wavefront"}}}}, "noc"),
                    Contains("noc.switch.allocator") && Contains("islip"));
  CHECK_THROWS_WITH(from_json<PacketParams>(json{{"routing", {{"algorithm", "valiant"}}}}, "noc"),
                    Contains("noc.routing.algorithm"));
  TrafficParams tp = defaults_of<TrafficParams>();
  tp.pattern = TrafficPattern::Transpose;
  CHECK_THROWS_WITH(run_synthetic(Topology::mesh(4, 2, 32, 10), simple_params(), tp),
                    Contains("traffic.pattern") && Contains("square"));
  tp.pattern = TrafficPattern::Uniform;
  tp.packet_bytes = 1000;
  CHECK_THROWS_WITH(run_synthetic(mesh, simple_params(), tp), Contains("traffic.packet_bytes"));
  PacketNetwork net(mesh, simple_params());
  CHECK_THROWS_WITH(net.send(0, 0, 10, 0), Contains("same node"));
  CHECK_THROWS_WITH(net.send(0, 1, 0, 0), Contains("at least 1 byte"));
}
