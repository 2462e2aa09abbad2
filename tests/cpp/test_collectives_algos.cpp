// Flow-level collective algorithms beyond the ring (halving-doubling,
// hierarchical, broadcast, MoE all-to-all-v) against their alpha-beta closed
// forms on ideal topologies, and per-tier link accounting. The fluid model
// has no packet effects, so closed forms match to 1e-9 relative.
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/errors.hpp"
#include "sim/params.hpp"
#include "noc/collectives_flow.hpp"
#include "noc/packet/collectives_packet.hpp"
#include "noc/topology.hpp"

using namespace npusim;
using namespace npusim::noc;
using Catch::Matchers::Contains;

TEST_CASE("halving-doubling all-reduce = 2 log2(n) alpha + 2(n-1)/n S/B on a full mesh", "[flow][collectives]") {
  for (int n : {2, 4, 8, 16}) {
    const double B = 50, alpha = 700, S = 32e6;
    Topology t = Topology::full_mesh(n, B, alpha);  // every partner one dedicated link away
    CollectiveResult r = halving_doubling_allreduce(t, S);
    const double expect = 2 * std::log2(n) * alpha + 2.0 * (n - 1) / n * S / B;
    CHECK(r.time_us * 1000 == Approx(expect).epsilon(1e-9));
    CHECK(r.phases == 2 * int(std::log2(n)));
    CHECK(r.algo == "halving_doubling");
  }
  CHECK_THROWS_WITH(halving_doubling_allreduce(Topology::full_mesh(6, 50, 1), 1e6), Contains("power of two"));
}

TEST_CASE("hierarchical all-reduce = intra ring RS + inter rings + intra ring AG", "[flow][collectives]") {
  const double B = 40, alpha = 500, S = 48e6;
  const int n = 12, g = 4, m = n / g;
  Topology t = Topology::full_mesh(n, B, alpha);
  CollectiveResult r = hierarchical_allreduce(t, S, g);
  const double expect = 2 * (g - 1) * (alpha + S / g / B) + 2 * (m - 1) * (alpha + S / g / m / B);
  CHECK(r.time_us * 1000 == Approx(expect).epsilon(1e-9));
  CHECK(r.busbw_gbps == Approx(S / expect * 2.0 * (n - 1) / n));
  // group 1 and group n are the flat ring.
  CHECK(hierarchical_allreduce(t, S, 1).time_us == Approx(ring_allreduce(t, S).time_us).epsilon(1e-9));
  CHECK(hierarchical_allreduce(t, S, n).time_us == Approx(ring_allreduce(t, S).time_us).epsilon(1e-9));
  CHECK_THROWS_WITH(hierarchical_allreduce(t, S, 5), Contains("does not divide 12"));
}

TEST_CASE("pipelined broadcast = S/B + (n-1) alpha along the chain", "[flow][collectives]") {
  const double B = 25, alpha = 300, S = 8e6;
  for (int n : {2, 5, 9}) {
    CollectiveResult r = broadcast(Topology::ring(n, B, alpha), S);
    CHECK(r.time_us * 1000 == Approx(S / B + (n - 1) * alpha).epsilon(1e-9));
    CHECK(r.busbw_gbps == Approx(r.algbw_gbps));
  }
}

TEST_CASE("per-tier bytes: a ring all-reduce through one switch crosses tier 1 twice per chunk", "[flow][collectives]") {
  const int n = 8;
  const double S = 16e6;
  Topology t = Topology::star(n, 100, 200);
  CollectiveResult r = ring_allreduce(t, S);
  REQUIRE(r.tiers.size() == 1);
  CHECK(r.tiers[0].links == 2 * n);
  // 2(n-1) steps, n flows of S/n each, each flow on an up and a down link.
  CHECK(r.tiers[0].bytes == Approx(2.0 * (n - 1) * n * (S / n) * 2).epsilon(1e-12));
  CHECK(r.tiers[0].utilization > 0.5);
  CHECK(r.tiers[0].utilization <= 1.0 + 1e-9);
  // A two-level Clos has two tiers; an all-to-all loads both.
  ClosParams p;
  p.endpoints = 16;
  p.endpoints_per_group = 4;
  p.spines = 4;
  CollectiveResult a = alltoall(Topology::clos(p), 16e6);
  REQUIRE(a.tiers.size() == 2);
  CHECK(a.tiers[0].bytes > 0);
  CHECK(a.tiers[1].bytes > 0);
}

TEST_CASE("MoE dispatch: every routed token is counted once, time is the busiest port's", "[flow][collectives]") {
  const int n = 16;
  const double B = 100, alpha = 0;
  Topology t = Topology::star(n, B, alpha);
  MoeTraffic mt;
  mt.tokens = 256;
  mt.topk = 8;
  mt.experts = 64;
  mt.token_bytes = 7168;
  mt.seed = 7;
  CollectiveResult d = moe_alltoallv(t, mt);
  // S = routed bytes per rank: every token goes to topk experts.
  CHECK(d.bytes == Approx(double(mt.tokens) * mt.topk * mt.token_bytes));
  // Non-local bytes cross an up and a down link; local ones cross none.
  const double tier1 = d.tiers[0].bytes;
  CHECK(tier1 <= 2 * d.bytes * n);
  CHECK(tier1 >= 2 * d.bytes * n * (n - 1) / n * 0.8);
  // Max-min sharing on a star: no port can beat its own bytes / B, and the
  // uniform random routing keeps ports within a few percent of each other.
  const double busiest = d.bytes * (n - 1) / n / B;  // mean per-port send time
  CHECK(d.time_us * 1000 >= 0.9 * busiest);
  CHECK(d.time_us * 1000 <= 1.5 * busiest);
  // Combine moves the transposed matrix: same bytes on the same tier.
  mt.combine = true;
  CollectiveResult c = moe_alltoallv(t, mt);
  CHECK(c.tiers[0].bytes == Approx(tier1));
  // Deterministic per seed.
  mt.combine = false;
  CHECK(moe_alltoallv(t, mt).time_us == d.time_us);
  mt.topk = 0;
  CHECK_THROWS_WITH(moe_alltoallv(t, mt), Contains("topk"));
}

TEST_CASE("double binary tree all-reduce = S/B + 2 depth alpha on a full mesh", "[flow][collectives]") {
  // Every tree edge has its own link on a full mesh, but a node sends up
  // (or down) in both trees at once on different links: each phase drains
  // S/2 per edge at B, then pays depth x alpha of pipeline fill.
  const double B = 50, alpha = 400, S = 64e6;
  for (int n : {3, 8, 13}) {
    int depth = 0;
    while ((2 << depth) - 1 < n) ++depth;
    CollectiveResult r = double_tree_allreduce(Topology::full_mesh(n, B, alpha), S);
    CHECK(r.time_us * 1000 == Approx(2 * (S / 2 / B + depth * alpha)).epsilon(1e-9));
    CHECK(r.algo == "double_tree");
  }
  // Large n: log-depth latency beats the ring's 2(n-1) alpha for small buffers.
  Topology big = Topology::full_mesh(64, B, alpha);
  CHECK(double_tree_allreduce(big, 4096).time_us < ring_allreduce(big, 4096).time_us);
}

TEST_CASE("MoE dispatch at packet level: every message arrives; flow level within its stated error", "[flow][collectives]") {
  Topology t = Topology::star(16, 100, 150);
  MoeTraffic mt;
  mt.tokens = 64;
  mt.topk = 8;
  mt.experts = 64;
  mt.token_bytes = 7168;
  const CollectiveResult f = moe_alltoallv(t, mt);
  const CollectiveResult p = packet_moe(t, defaults_of<PacketParams>(), mt);
  CHECK(p.bytes == f.bytes);  // same seeded token matrix
  // Measured: packet level ~20% slower (16 B headers per 256 B MTU, and
  // head-of-line blocking in the switch that a fluid model cannot see).
  const double err = f.time_us / p.time_us - 1;
  INFO("flow " << f.time_us << " us, packet " << p.time_us << " us, error " << 100 * err << "%");
  CHECK(err <= 0.0);
  CHECK(err >= -0.35);
}
