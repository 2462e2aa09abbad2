// Collectives at packet level against their alpha-beta closed forms on
// ideal topologies (a ring, a one-switch star), and their errors. The flow
// vs packet error per collective is in test_collectives_fidelity.cpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include "noc/collectives_flow.hpp"
#include "noc/packet/collectives_packet.hpp"
#include "noc/topology.hpp"

using namespace npusim;
using namespace npusim::noc;
using Catch::Matchers::Contains;

TEST_CASE("packet ring all-reduce follows 2(n-1)/n S/B + 2(n-1) alpha", "[packet][collective]") {
  // 8 NPUs on a bidirectional ring, 100 GB/s, 200 ns links. Packets: 256 B
  // payload + 16 B header = 9 flits of 32 B, so the effective bandwidth is
  // B x 256/288. alpha per step = pipeline (3 ns) + link latency (200 ns):
  // a step ends when its last packet has arrived and the next starts at once.
  Topology t = Topology::ring(8, 100, 200);
  PacketParams p = defaults_of<PacketParams>();
  const int n = 8;
  const double S = 8.0 * 256 * 64;  // 64 full packets per chunk
  const double B = 100.0 * 256 / 288, alpha = 3 + 200;
  const double want_us = (2.0 * (n - 1) / n * S / B + 2.0 * (n - 1) * alpha) / 1000;
  CollectiveResult r = packet_collective(t, p, "allreduce", "ring", S);
  std::printf("ring all-reduce 8 x 100 GB/s, %.0f B: packet %.4f us, alpha-beta %.4f us (%.3f%%)\n", S, r.time_us,
              want_us, 100 * (r.time_us / want_us - 1));
  CHECK(r.time_us == Approx(want_us).epsilon(0.005));
  CHECK(r.phases == 2 * (n - 1));
  CHECK(r.busbw_gbps == Approx(r.algbw_gbps * 2 * (n - 1) / n));
}

TEST_CASE("packet collectives refuse systems above the size limit", "[packet][collective]") {
  PacketParams p = defaults_of<PacketParams>();
  Topology big = Topology::star(1100, 100, 100);
  CHECK_THROWS_AS(packet_collective(big, p, "allreduce", "ring", 1e6), UsageError);
  CHECK_THROWS_WITH(packet_collective(big, p, "allreduce", "ring", 1e6), Contains("1024"));
  CHECK_THROWS_WITH(packet_collective(Topology::star(64, 100, 100), p, "alltoall", "direct", 64e9),
                    Contains("packet-level limit"));
}

namespace {

// A lone message of `bytes` (whole 256 B packets, 9 flits of 32 B each with
// the 16 B header) over `hops` equal links, by packet_network.hpp's timing:
// hops x (pipeline + latency + flit) + (flits - 1) x flit. Default params:
// 3 ns pipeline (3 cycles at 1 GHz).
double lone_message_ns(double bytes, int hops, double bw_gbps, double lat_ns) {
  const double flit = 32 / bw_gbps, flits = bytes / 256 * 9;
  return hops * (3 + lat_ns + flit) + (flits - 1) * flit;
}

}  // namespace

TEST_CASE("packet halving-doubling all-reduce on a star = sum over 2 log2(n) exchanges", "[packet][collective]") {
  // One switch: every exchange is a permutation, two hops, no contention;
  // step s starts when the partner's step s-1 data arrived, so the time is
  // the sum of the lone-message times of the steps' sizes S/2 ... S/n ... S/2.
  // Tolerance 1e-4 relative: the model keeps time in whole femtoseconds and
  // matches the closed form to that rounding; any queueing or lost overlap
  // (a few flit times of 0.32 ns per step) would exceed it.
  const int n = 8;
  const double B = 100, lat = 200, S = n * 256.0 * 64;
  Topology t = Topology::star(n, B, lat);
  PacketParams p = defaults_of<PacketParams>();
  double want = 0;
  for (int d = n / 2; d >= 1; d /= 2) want += 2 * lone_message_ns(S / n * d, 2, B, lat);  // halving and doubling
  CollectiveResult r = packet_collective(t, p, "allreduce", "halving_doubling", S);
  std::printf("halving-doubling star8: packet %.4f us, closed form %.4f us\n", r.time_us, want / 1000);
  CHECK(r.time_us * 1000 == Approx(want).epsilon(1e-4));
  CHECK(r.phases == 6);
  CHECK(r.algo == "halving_doubling");
  CHECK_THROWS_WITH(packet_collective(Topology::star(6, B, lat), p, "allreduce", "halving_doubling", S),
                    Contains("power of two"));
}

TEST_CASE("pairwise all-to-all on a star = (n-1) x (latency + S/n/B), both fidelities", "[packet][collective]") {
  const int n = 8;
  const double B = 100, lat = 200, S = n * 256.0 * 32;
  Topology t = Topology::star(n, B, lat);
  // Flow level: each step a permutation at full link rate, 2 link latencies;
  // exact in the fluid model (1e-9 relative).
  CollectiveResult f = pairwise_alltoall(t, S);
  CHECK(f.time_us * 1000 == Approx((n - 1) * (2 * lat + S / n / B)).epsilon(1e-9));
  CHECK(f.phases == n - 1);
  CHECK(f.algo == "pairwise");
  // Packet level: step k+1 once step k's send and receive are done: the sum
  // of n-1 lone-message times (headers: B x 256/288). 1e-4 as above.
  CollectiveResult pk = packet_collective(t, defaults_of<PacketParams>(), "alltoall", "pairwise", S);
  const double want = (n - 1) * lone_message_ns(S / n, 2, B, lat);
  std::printf("pairwise star8: packet %.4f us, closed form %.4f us, flow %.4f us\n", pk.time_us, want / 1000,
              f.time_us);
  CHECK(pk.time_us * 1000 == Approx(want).epsilon(1e-4));
  CHECK(pk.phases == n - 1);
  CHECK(pk.busbw_gbps == Approx(pk.algbw_gbps * (n - 1) / n));
}

TEST_CASE("pairwise MoE all-to-all-v on a star = sum over steps of the step's largest pair", "[packet][collective]") {
  const int n = 8;
  const double B = 100, lat = 200;
  Topology t = Topology::star(n, B, lat);
  MoeTraffic m;
  m.tokens = 64;
  m.topk = 4;
  m.experts = 32;
  m.token_bytes = 7168;
  const std::vector<double> send = moe_send_bytes(n, m);
  // Flow level: each step is a permutation through the switch, every pair
  // at the full link rate; the step lasts as long as its largest pair.
  // Exact in the fluid model (1e-9 relative).
  double want = 0;
  for (int k = 1; k < n; ++k) {
    double step = 0;
    for (int i = 0; i < n; ++i) {
      const double b = send[size_t(i) * n + size_t((i + k) % n)];
      if (b > 0) step = std::max(step, 2 * lat + b / B);
    }
    want += step;
  }
  CollectiveResult f = moe_pairwise(t, m);
  CHECK(f.time_us * 1000 == Approx(want).epsilon(1e-9));
  CHECK(f.phases == n - 1);
  CHECK(f.algo == "pairwise");
  // Combine sends the transposed matrix: different pairs, same total bytes.
  MoeTraffic c = m;
  c.combine = true;
  const std::vector<double> back = moe_send_bytes(n, c);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) CHECK(back[size_t(i) * n + size_t(j)] == send[size_t(j) * n + size_t(i)]);
  // Packet level: a rank sends one pair at a time, each after the previous
  // was delivered, so it takes at least the sum of its own lone-message
  // times (1e-4: fs rounding). Ranks drift apart without a barrier, so two
  // senders can meet at a receiver: above that bound, not below it.
  CollectiveResult pk = packet_moe(t, defaults_of<PacketParams>(), m, {}, "pairwise");
  double chain = 0;
  for (int i = 0; i < n; ++i) {
    double own = 0;
    for (int k = 1; k < n; ++k) {
      const double b = send[size_t(i) * n + size_t((i + k) % n)];
      if (b > 0) own += lone_message_ns(b, 2, B, lat);
    }
    chain = std::max(chain, own);
  }
  std::printf("pairwise MoE star8: packet %.4f us, own-chain bound %.4f us, flow %.4f us\n", pk.time_us,
              chain / 1000, f.time_us);
  CHECK(pk.time_us * 1000 >= chain * (1 - 1e-4));
  CHECK(pk.time_us < 2 * f.time_us);  // measured 1.38x: drift and receiver contention, not a lost message
  CHECK(pk.bytes == Approx(f.bytes));
  CHECK(pk.phases == n - 1);
  CHECK_THROWS_WITH(packet_moe(t, defaults_of<PacketParams>(), m, {}, "ring"), Contains("available: direct, pairwise"));
}

TEST_CASE("packet hierarchical all-reduce on a star = intra rings + inter rings", "[packet][collective]") {
  // 16 NPUs in groups of 4: 2(g-1) intra steps of S/g and 2(m-1) inter steps
  // of S/(g m), each a contention-free permutation through the switch. 1e-4
  // as above.
  const int n = 16, g = 4, m = n / g;
  const double B = 100, lat = 200, S = n * 256.0 * 16;
  Topology t = Topology::star(n, B, lat);
  CollectiveParams c = defaults_of<CollectiveParams>();
  c.group = g;
  CollectiveResult r = packet_collective(t, defaults_of<PacketParams>(), "allreduce", "hierarchical", S, {}, c);
  const double want = 2 * (g - 1) * lone_message_ns(S / g, 2, B, lat) + 2 * (m - 1) * lone_message_ns(S / g / m, 2, B, lat);
  std::printf("hierarchical star16 g4: packet %.4f us, closed form %.4f us\n", r.time_us, want / 1000);
  CHECK(r.time_us * 1000 == Approx(want).epsilon(1e-4));
  CHECK(r.phases == 2 * (g - 1) + 2 * (m - 1));
  c.group = 5;
  CHECK_THROWS_WITH(packet_collective(t, defaults_of<PacketParams>(), "allreduce", "hierarchical", S, {}, c),
                    Contains("does not divide 16"));
}

TEST_CASE("packet chain broadcast = (C + n - 2) chunk times + (n-1) hop latencies", "[packet][collective]") {
  // A chain of n NPUs on a ring, C chunks: the first link streams all C
  // chunks back to back; every later hop adds one chunk time (a node
  // forwards a chunk once it has all of it) and its pipeline + latency.
  // 1e-4 as above. A smaller chunk approaches the flow level's fluid limit
  // S/B + (n-1) latency.
  const int n = 6, C = 8;
  const double B = 100, lat = 200, chunk = 256.0 * 64, S = C * chunk;
  Topology t = Topology::ring(n, B, lat);
  CollectiveParams c = defaults_of<CollectiveParams>();
  c.chunk_bytes = uint64_t(chunk);
  const PacketParams p = defaults_of<PacketParams>();
  CollectiveResult r = packet_collective(t, p, "broadcast", "ring", S, {}, c);
  const double flit = 32 / B, chunk_ns = chunk / 256 * 9 * flit;
  const double want = (C + n - 2) * chunk_ns + (n - 1) * (3 + lat);
  std::printf("chain broadcast ring6, %d chunks: packet %.4f us, closed form %.4f us\n", C, r.time_us, want / 1000);
  CHECK(r.time_us * 1000 == Approx(want).epsilon(1e-4));
  CHECK(r.busbw_gbps == Approx(r.algbw_gbps));
  const double fluid_us = broadcast(t, S).time_us;
  c.chunk_bytes = uint64_t(chunk / 8);
  const double finer_us = packet_collective(t, p, "broadcast", "ring", S, {}, c).time_us;
  CHECK(finer_us < r.time_us);
  CHECK(std::fabs(finer_us / fluid_us - 1) < std::fabs(r.time_us / fluid_us - 1));
}

TEST_CASE("packet double-tree all-reduce pipelines its chunks and moves every byte", "[packet][collective]") {
  const int n = 16;
  const double B = 100, lat = 200, S = 2 * 256.0 * 1024;  // 256 KiB per tree
  Topology t = Topology::star(n, B, lat);
  const PacketParams p = defaults_of<PacketParams>();
  CollectiveParams c = defaults_of<CollectiveParams>();
  c.chunk_bytes = 256 * 64;  // 16 chunks per tree
  CollectiveResult r = packet_collective(t, p, "allreduce", "double_tree", S, {}, c);
  // Each tree's half crosses its n-1 edges up and down, two links each on a
  // star, at 9 flits of 32 B per 256 B packet: exact.
  REQUIRE(r.tiers.size() == 1);
  CHECK(r.tiers[0].bytes == Approx(2 * 2 * (n - 1) * (S / 2) * 2 * 288 / 256).epsilon(1e-12));
  // Unpipelined (one chunk per tree) every level waits for the whole half:
  // pipelining must beat it by far (here by more than 2x; tree depth 4).
  c.chunk_bytes = uint64_t(S / 2);
  CollectiveResult whole = packet_collective(t, p, "allreduce", "double_tree", S, {}, c);
  std::printf("double tree star16: %.3f us with 16 chunks per tree, %.3f us with one\n", r.time_us, whole.time_us);
  CHECK(whole.time_us > 2 * r.time_us);
  // Deterministic: the same run again gives the same time to the femtosecond.
  c.chunk_bytes = 256 * 64;
  CHECK(packet_collective(t, p, "allreduce", "double_tree", S, {}, c).time_us == r.time_us);
}

TEST_CASE("packet collectives name op, algorithm and fidelity when refusing", "[packet][collective]") {
  const PacketParams p = defaults_of<PacketParams>();
  Topology t = Topology::star(4, 100, 100);
  CHECK_THROWS_AS(packet_collective(t, p, "allgather", "double_tree", 1e6), ConfigError);
  CHECK_THROWS_WITH(packet_collective(t, p, "allgather", "double_tree", 1e6),
                    Contains("--algo double_tree: not available for --op allgather at --fidelity packet; "
                             "available: ring, direct"));
  CHECK_THROWS_WITH(packet_collective(t, p, "alltoall", "ring", 1e6), Contains("available: direct, pairwise"));
  CHECK_THROWS_WITH(packet_collective(t, p, "allreduce", "ring", 1e6, {0, 4}), Contains("rank 4 is not an npu"));
  CHECK_THROWS_WITH(direct_collective(t, "broadcast", 1e6), Contains("--op broadcast at --fidelity flow"));
}
