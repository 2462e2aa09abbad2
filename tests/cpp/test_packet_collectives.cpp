// Collectives at packet level: the alpha-beta closed form on an ideal ring,
// and the error of the flow-level model against the packet model on small
// systems, for every collective.
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

TEST_CASE("flow-level error against the packet model on small systems, each collective", "[packet][collective]") {
  // The flow model has no headers, pipelines, credits or head-of-line
  // blocking. Measured (flow time / packet time - 1, default packet params):
  //   ring8:  ring collectives -10.8%, all-to-all -26.2%
  //   star16: ring collectives  -6.7%, all-to-all -10.6%
  //   clos32: ring collectives +10.2%, all-to-all -29.0%
  // Ring collectives: the 12.5% header + padding overhead (256 B payload in
  // 288 B of flits), less on the star where latency weighs more; on the Clos
  // the packet model is faster because its ring steps follow the data
  // dependencies while the flow model charges every step the slowest
  // (inter-leaf) path. All-to-all: the overhead plus head-of-line blocking
  // in input-queued switches with 2 VCs, which a fluid model cannot see.
  // Tolerances: 15% for ring collectives, 35% for all-to-all.
  PacketParams p = defaults_of<PacketParams>();
  ClosParams c;
  c.endpoints = 32;
  c.endpoints_per_group = 8;
  c.spines = 8;
  c.endpoint_bandwidth_gbps = c.uplink_bandwidth_gbps = 100;
  c.endpoint_latency_ns = 100;
  c.uplink_latency_ns = 200;
  struct Sys {
    const char* name;
    Topology t;
  };
  std::vector<Sys> systems;
  systems.push_back({"ring8 100GB/s", Topology::ring(8, 100, 200)});
  systems.push_back({"star16 900GB/s", Topology::star(16, 900, 150)});
  systems.push_back({"clos32 100GB/s", Topology::clos(c)});
  const double S = 4.0 * 1024 * 1024;
  std::printf("flow vs packet, %.0f B (error = flow time / packet time - 1):\n", S);
  for (const Sys& s : systems) {
    for (const char* op : {"allreduce", "allgather", "reducescatter", "alltoall"}) {
      const std::string o = op;
      CollectiveResult f = o == "allreduce"       ? ring_allreduce(s.t, S)
                           : o == "allgather"     ? ring_allgather(s.t, S)
                           : o == "reducescatter" ? ring_reduce_scatter(s.t, S)
                                                  : alltoall(s.t, S);
      CollectiveResult pk = packet_collective(s.t, p, o, o == "alltoall" ? "direct" : "ring", S);
      const double err = f.time_us / pk.time_us - 1;
      std::printf("  %-15s %-13s flow %9.3f us  packet %9.3f us  error %+6.1f%%\n", s.name, op, f.time_us,
                  pk.time_us, 100 * err);
      INFO(s.name << " " << op);
      CHECK(std::fabs(err) < (o == "alltoall" ? 0.35 : 0.15));
    }
  }
}

TEST_CASE("packet collectives refuse systems above the size limit", "[packet][collective]") {
  PacketParams p = defaults_of<PacketParams>();
  Topology big = Topology::star(1100, 100, 100);
  CHECK_THROWS_AS(packet_collective(big, p, "allreduce", "ring", 1e6), UsageError);
  CHECK_THROWS_WITH(packet_collective(big, p, "allreduce", "ring", 1e6), Contains("1024"));
  CHECK_THROWS_WITH(packet_collective(Topology::star(64, 100, 100), p, "alltoall", "direct", 64e9),
                    Contains("packet-level limit"));
}
