// Named systems: NPU counts, per-NPU bandwidth against the cited sources,
// and collectives on NVL72 against closed-form bounds.
#include <catch2/catch.hpp>

#include "noc/collectives_flow.hpp"
#include "noc/system_presets.hpp"

using namespace npusim;
using namespace npusim::noc;
using Catch::Matchers::Contains;

namespace {
// Sum of an NPU's outgoing link bandwidth (one direction).
double npu_out_bw(const Topology& t, int npu) {
  double s = 0;
  for (int l : t.out_links(npu)) s += t.link(l).bandwidth_gbps;
  return s;
}
}  // namespace

TEST_CASE("every system preset builds with its NPU count and cited per-NPU bandwidth", "[systems]") {
  struct Want {
    const char* name;
    int npus;
    double bw;  // GB/s per NPU, one direction, from the source
    double rdma = 0;  // GB/s per NPU RDMA NIC (SuperClusters)
  };
  const Want wants[] = {
      {"cloudmatrix384", 384, 392.0},             // P: arXiv 2506.12708
      {"atlas950_superpod", 8192, 16.3e6 / 8192},  // V: 16.3 PB/s over 8192 NPUs (~2 TB/s)
      {"atlas960_superpod", 15488, 34e6 / 15488},  // V: 34 PB/s over 15488 NPUs (~2.2 TB/s)
      {"nvl72", 72, 900.0},                        // V: 1.8 TB/s bidirectional per GPU
      // 400 Gb/s RDMA NIC per NPU (P: arXiv 2506.12708; E for Atlas 950)
      {"cloudmatrix384_cluster16", 16 * 384, 392.0, 50.0},
      {"atlas950_supercluster", 64 * 8192, 16.3e6 / 8192, 50.0},
      {"atlas950_supercluster_8pods", 8 * 8192, 16.3e6 / 8192, 50.0},
  };
  REQUIRE(system_names().size() == 7);
  for (const Want& w : wants) {
    INFO(w.name);
    SystemInfo info = system_info(w.name);
    CHECK(info.npus == w.npus);
    CHECK(info.npu_bandwidth_gbps == Approx(w.bw));
    CHECK(!info.source.empty());
    CHECK(info.scale_out_bandwidth_gbps == w.rdma);
    // The full Atlas 950 SuperCluster takes ~6 s and 1.1 GB to build: its
    // pods and scale-out tier are those of the 8-pod one, built here.
    if (w.npus > 100000) continue;
    Topology t = build_system(w.name);
    CHECK(static_cast<int>(t.endpoints().size()) == w.npus);
    for (int e : {t.endpoints().front(), t.endpoints().back()}) CHECK(npu_out_bw(t, e) == Approx(w.bw + w.rdma));
  }
  CHECK(system_info("atlas950_superpod").npu_bandwidth_gbps == Approx(2000).epsilon(0.01));
  CHECK(system_info("atlas960_superpod").npu_bandwidth_gbps == Approx(2200).epsilon(0.01));
  // CloudMatrix384 shape: 7 L1 per server, 112 L2.
  CHECK(build_system("cloudmatrix384").num_nodes() == 384 + 48 * 7 + 112);
}

TEST_CASE("sources carry confidence labels", "[systems]") {
  CHECK_THAT(system_info("cloudmatrix384").source, Contains("(P") && Contains("2506.12708") && Contains("(E"));
  CHECK_THAT(system_info("atlas950_superpod").source, Contains("(V") && Contains("(E"));
  CHECK_THAT(system_info("atlas960_superpod").source, Contains("(V") && Contains("(E"));
  CHECK_THAT(system_info("nvl72").source, Contains("(V") && Contains("(E"));
}

TEST_CASE("unknown system names list the valid ones", "[systems]") {
  CHECK_THROWS_AS(build_system("dgx"), ConfigError);
  CHECK_THROWS_WITH(build_system("dgx"), Contains("'dgx'") && Contains("cloudmatrix384") && Contains("nvl72") &&
                                             Contains("atlas960_superpod"));
  CHECK_THROWS_AS(system_info("dgx"), ConfigError);
}

TEST_CASE("nvl72 all-to-all reaches the per-GPU bound", "[systems]") {
  Topology t = build_system("nvl72");
  const double S = 72.0 * 16 * 1024 * 1024;  // 16 MiB to each peer
  CollectiveResult r = alltoall(t, S);
  CHECK(r.ranks == 72);
  CHECK(r.busbw_gbps == Approx(900).epsilon(0.01));
  CHECK(r.busbw_gbps <= 900.0);
}

TEST_CASE("nvl72 ring all-reduce matches the alpha-beta formula", "[systems]") {
  // Each ring step: S/n through GPU -> switch -> GPU, alpha = 2 x 150 ns.
  Topology t = build_system("nvl72");
  const int n = 72;
  const double B = 900, alpha = 300;
  for (double S : {1e6, 256e6, 4e9}) {
    CollectiveResult r = ring_allreduce(t, S);
    double expect_ns = 2.0 * (n - 1) * (S / n / B + alpha);
    CHECK(r.time_us * 1000 == Approx(expect_ns).epsilon(0.01));
  }
}

TEST_CASE("cloudmatrix384 all-to-all busbw is its 392 GB/s per NPU", "[systems]") {
  CollectiveResult r = alltoall(build_system("cloudmatrix384"), 384.0 * 1024 * 1024);
  CHECK(r.busbw_gbps == Approx(392).epsilon(0.01));
}
