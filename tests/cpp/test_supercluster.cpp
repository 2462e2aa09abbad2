// SuperCluster: supernodes joined by a scale-out RDMA tier, routed by link
// cost so intra-supernode traffic stays on the pod fabric. Route planes,
// closed forms for an inter-supernode transfer and a hierarchical
// all-reduce, the packet-level fabric on the same graph, malformed specs.
#include <catch2/catch.hpp>

#include "noc/collectives_flow.hpp"
#include "noc/flow_model.hpp"
#include "noc/packet/packet_network.hpp"
#include "noc/supercluster.hpp"
#include "noc/system_presets.hpp"

using namespace npusim;
using namespace npusim::noc;
using Catch::Matchers::Contains;

namespace {

constexpr int kPodNpus = 16, kPods = 4;
constexpr double kUb = 100, kNic = 25;  // GB/s

// A 16-NPU pod: 4 groups of 4 under one leaf each, 4 spines; every link
// 100 GB/s, so the pod is non-blocking (4 x 100 down = 4 x 100 up per leaf).
Topology pod16() {
  ClosParams c;
  c.endpoints = kPodNpus;
  c.endpoints_per_group = 4;
  c.spines = 4;
  c.endpoint_bandwidth_gbps = c.uplink_bandwidth_gbps = kUb;
  c.endpoint_latency_ns = 100;
  c.uplink_latency_ns = 200;
  return Topology::clos(c);
}

// 8 NPUs per RDMA leaf (two UB groups: so some same-pod pairs sit under one
// RDMA leaf but under different UB leaves), 2 spines: uplinks 8 x 25 / 2 =
// 100 GB/s, non-blocking.
ScaleOutParams scale_out() {
  ScaleOutParams s = defaults_of<ScaleOutParams>();
  s.nic_bandwidth_gbps = kNic;
  s.npus_per_leaf = 8;
  s.spines = 2;
  return s;
}

Topology small_cluster(int cost = 0) {
  ScaleOutParams s = scale_out();
  s.cost = cost;
  return supercluster(pod16(), kPods, s);
}

int pod_of(const Topology& t, int npu) {
  const auto& e = t.endpoints();
  return int(std::find(e.begin(), e.end(), npu) - e.begin()) / kPodNpus;
}

bool on_rdma(const Topology& t, int link) { return t.plane_name(t.link_plane(link)) == kRdmaPlane; }

}  // namespace

TEST_CASE("supercluster shape: pods, NICs, RDMA leaves and spines", "[supercluster]") {
  Topology t = small_cluster();
  const Topology pod = pod16();
  CHECK(t.endpoints().size() == size_t(kPods * kPodNpus));
  // 8 RDMA leaves + 2 spines beside the pods' nodes.
  CHECK(t.num_nodes() == kPods * pod.num_nodes() + 8 + 2);
  CHECK(t.num_links() == kPods * pod.num_links() + 2 * 64 + 2 * 8 * 2);
  CHECK(t.num_planes() == 2);
  CHECK(t.plane_name(0) == kDefaultPlane);
  CHECK(t.node(t.endpoints()[17]).name == "sn1.npu1");
  // Auto cost: pod nodes x 1 (a pod path never costs that much).
  for (int l = 0; l < t.num_links(); ++l) CHECK(t.link_cost(l) == (on_rdma(t, l) ? pod.num_nodes() : 1));
}

TEST_CASE("routes inside a supernode never touch RDMA; routes between supernodes use only RDMA", "[supercluster]") {
  Topology t = small_cluster();
  int inter = 0;
  std::vector<int> full, order;
  for (int d : t.endpoints()) {
    // Reference distances with every node (NPUs included) searched: each
    // route's cost (sum of fraction x link cost) must be the minimum.
    std::vector<char> no_expand(size_t(t.num_nodes()), 0);
    no_expand[size_t(d)] = 1;
    t.cost_distances_to(d, no_expand, full, order, true);
    for (int s : t.endpoints()) {
      if (s == d) continue;
      double cost = 0;
      for (const auto& ls : t.route(s, d)) cost += ls.fraction * t.link_cost(ls.link);
      CHECK(cost == Approx(full[size_t(s)]).epsilon(1e-12));  // fractions sum in floating point
    }
  }
  for (int s : t.endpoints())
    for (int d : t.endpoints()) {
      if (s == d) continue;
      const auto r = t.route(s, d), ref = t.route_uncached(s, d);
      REQUIRE(r.size() == ref.size());
      double frac_rdma = 0;
      for (size_t i = 0; i < r.size(); ++i) {
        CHECK(r[i].link == ref[i].link);
        CHECK(r[i].fraction == ref[i].fraction);
        if (on_rdma(t, r[i].link)) frac_rdma += r[i].fraction;
      }
      double total = 0;
      for (const auto& ls : r) total += ls.fraction;
      if (pod_of(t, s) == pod_of(t, d)) {
        CHECK(frac_rdma == 0);
      } else {
        ++inter;
        CHECK(frac_rdma == Approx(total).epsilon(1e-12));  // all of it (sum of fractions, exact up to rounding)
        CHECK(total == Approx(4).epsilon(1e-12));          // NIC, leaf-spine, spine-leaf, NIC
      }
    }
  CHECK(inter == kPods * kPodNpus * (kPods - 1) * kPodNpus);
}

TEST_CASE("without the RDMA cost, fewest-hops routing would put intra-pod traffic on RDMA", "[supercluster]") {
  // npu0 and npu7 of a pod: 4 UB hops (different UB leaves) but 2 RDMA hops
  // (same RDMA leaf). Cost 1 = plain shortest-hop routing.
  Topology t = small_cluster(1);
  const auto r = t.route(t.endpoints()[0], t.endpoints()[7]);
  REQUIRE(r.size() == 2);
  CHECK(on_rdma(t, r[0].link));
  Topology good = small_cluster();
  for (const auto& ls : good.route(good.endpoints()[0], good.endpoints()[7])) CHECK_FALSE(on_rdma(good, ls.link));
}

TEST_CASE("an inter-supernode transfer is bound by the NIC", "[supercluster]") {
  // pod 0 npu 0 (RDMA leaf 0) -> pod 1 npu 0 (RDMA leaf 2): NIC up, spine,
  // NIC down. time = B / NIC + 2 x 1000 ns + 2 x 600 ns (default latencies).
  // The fluid model computes this in closed form: tolerance 1e-9 relative.
  Topology t = small_cluster();
  const double B = 64e6;
  FlowModel m(t);
  const int id = m.add_flow(t.endpoints()[0], t.endpoints()[kPodNpus], B, 0);
  m.run();
  CHECK(m.finish_ns(id) == Approx(B / kNic + 2 * 1000 + 2 * 600).epsilon(1e-9));
  // A second flow out of the same NPU to another pod halves each one's rate.
  FlowModel two(t);
  const int a = two.add_flow(t.endpoints()[0], t.endpoints()[kPodNpus], B, 0);
  two.add_flow(t.endpoints()[0], t.endpoints()[2 * kPodNpus + 9], B, 0);
  two.run();
  CHECK(two.finish_ns(a) == Approx(2 * B / kNic + 3200).epsilon(1e-9));
}

TEST_CASE("hierarchical all-reduce over a SuperCluster: closed form and per-plane bytes", "[supercluster]") {
  // group = pod: 2(g-1) ring steps of S/g inside each pod on UB (every NPU
  // sends one flow at 100 GB/s; the slowest crosses UB spines: 600 ns), then
  // 2(m-1) ring steps of S/(g m) across pods on RDMA (25 GB/s NICs, 3200 ns
  // across an RDMA spine). The fluid model is exact here (each NPU link
  // carries one flow per direction): tolerance 1e-9 relative.
  Topology t = small_cluster();
  const int g = kPodNpus, m = kPods, n = g * m;
  const double S = 256e6;
  CollectiveResult r = hierarchical_allreduce(t, S, g);
  const double want_ns = 2.0 * (g - 1) * (S / g / kUb + 600) + 2.0 * (m - 1) * (S / g / m / kNic + 3200);
  CHECK(r.time_us * 1000 == Approx(want_ns).epsilon(1e-9));
  CHECK(r.ranks == n);
  REQUIRE(r.planes.size() == 2);
  CHECK(r.planes[0].plane == kDefaultPlane);
  CHECK(r.planes[1].plane == kRdmaPlane);
  // RDMA: 2(m-1) steps x n flows x S/(g m) over 4 link-equivalents each
  // (NIC up, leaf->spines, spines->leaf, NIC down).
  CHECK(r.planes[1].bytes == Approx(2.0 * (m - 1) * n * S / (g * m) * 4).epsilon(1e-9));
  // UB: 2(g-1) steps; per pod 12 ring flows stay under a leaf (2 links) and
  // 4 cross spines (4 link-equivalents), S/g each.
  CHECK(r.planes[0].bytes == Approx(2.0 * (g - 1) * m * (12 * 2 + 4 * 4) * S / g).epsilon(1e-9));
  // The intra-pod phase alone puts nothing on RDMA.
  double rdma = 0;
  FlowModel probe(t);
  for (int i = 0; i < n; ++i) probe.add_flow(t.endpoints()[i], t.endpoints()[i / g * g + (i + 1) % g], 1e6, 0);
  probe.run();
  for (int l = 0; l < t.num_links(); ++l)
    if (on_rdma(t, l)) rdma += probe.link_bytes()[l];
  CHECK(rdma == 0);
}

TEST_CASE("all-to-all over a SuperCluster groups intra- and inter-pod pairs by path cost", "[supercluster]") {
  // The aggregated all-to-all (one flow group per path cost) must match
  // n^2 individual flows, link by link, with costs as without.
  Topology t = small_cluster();
  const double b = 1e6;
  FlowModel agg(t), each(t);
  const auto ids = agg.add_all_to_all(t.endpoints(), b, 0);
  CHECK(ids.size() == 3);  // same UB leaf (cost 2), across UB spines (4), across pods (4 x RDMA cost)
  for (int s : t.endpoints())
    for (int d : t.endpoints())
      if (s != d) each.add_flow(s, d, b, 0);
  agg.run();
  each.run();
  CHECK(agg.max_finish_ns() == Approx(each.max_finish_ns()).epsilon(1e-9));
  double rdma = 0;
  for (int l = 0; l < t.num_links(); ++l) {
    CHECK(agg.link_bytes()[l] == Approx(each.link_bytes()[l]).epsilon(1e-9));
    if (on_rdma(t, l)) rdma += agg.link_bytes()[l];
  }
  // Inter-pod pairs x b x 4 link-equivalents.
  CHECK(rdma == Approx(double(kPods * kPodNpus) * (kPods - 1) * kPodNpus * b * 4).epsilon(1e-9));
}

TEST_CASE("packet level on a SuperCluster: delivered, credits conserved, intra-pod packets off RDMA",
          "[supercluster][packet]") {
  Topology t = small_cluster();
  PacketParams p = defaults_of<PacketParams>();
  for (const char* algo : {"updown", "ecmp"}) {
    for (bool inter : {false, true}) {
      INFO(algo << (inter ? " inter-pod" : " intra-pod"));
      p.routing.algorithm = parse_enum<RoutingAlgorithm>(algo, "algorithm");
      PacketNetwork net(t, p);
      uint64_t want = 0;
      // Intra: all-to-all inside every pod. Inter: each NPU to the same NPU
      // of the next two pods.
      for (int s = 0; s < kPods * kPodNpus; ++s)
        for (int d = 0; d < kPods * kPodNpus; ++d) {
          const bool same = s / kPodNpus == d / kPodNpus;
          const bool pick = inter ? (d % kPodNpus == s % kPodNpus && !same && (d / kPodNpus - s / kPodNpus + kPods) % kPods <= 2)
                                  : (same && s != d);
          if (!pick) continue;
          net.send(t.endpoints()[s], t.endpoints()[d], 4096, 0);
          want += (4096 + p.packet.mtu_bytes - 1) / p.packet.mtu_bytes;
        }
      net.run();
      CHECK(net.packets_delivered() == want);
      CHECK(net.packets_outstanding() == 0);
      std::string why;
      CHECK(net.credits_conserved(&why));
      INFO(why);
      double rdma = 0, ub = 0;
      for (int l = 0; l < t.num_links(); ++l) (on_rdma(t, l) ? rdma : ub) += net.link_flits(l);
      if (inter) {
        CHECK(rdma > 0);
        CHECK(ub == 0);  // pod-to-pod packets never ride a pod's UB links
      } else {
        CHECK(ub > 0);
        CHECK(rdma == 0);
      }
    }
  }
}

TEST_CASE("supercluster specs and bundled clusters", "[supercluster][systems]") {
  SystemInfo i = system_info("supercluster:cloudmatrix384:4");
  CHECK(i.npus == 4 * 384);
  CHECK(i.supernodes == 4);
  CHECK(i.scale_out_bandwidth_gbps == 50);
  CHECK_THAT(i.source, Contains("(P") && Contains("(E") && Contains("2506.12708"));
  Topology t = build_system("supercluster:cloudmatrix384:2");
  CHECK(t.endpoints().size() == 768);
  CHECK_THAT(system_info("cloudmatrix384_cluster16").source, Contains("(P") && Contains("(E"));
  CHECK_THAT(system_info("atlas950_supercluster_8pods").source, Contains("(V") && Contains("524,288") && Contains("(E"));
  CHECK_THAT(system_info("atlas950_supercluster").source, Contains("(V") && Contains("524,288"));
  CHECK(system_info("atlas950_supercluster").supernodes == 64);
  // On CloudMatrix384 pods the NPUs of one server share their 7 L1s and
  // their RDMA leaf: one BFS class per server, the routes stay on UB.
  const int a = t.endpoints()[0], b = t.endpoints()[383], c = t.endpoints()[384];
  for (const auto& ls : t.route(a, b)) CHECK(t.plane_name(t.link_plane(ls.link)) != kRdmaPlane);
  for (const auto& ls : t.route(a, c)) CHECK(t.plane_name(t.link_plane(ls.link)) == kRdmaPlane);
}

TEST_CASE("malformed supercluster specs and parameters name the field", "[supercluster]") {
  CHECK_THROWS_AS(build_system("supercluster:cloudmatrix384"), ConfigError);
  CHECK_THROWS_WITH(build_system("supercluster:cloudmatrix384"), Contains("supercluster:<pod-preset>:<K>"));
  CHECK_THROWS_WITH(build_system("supercluster:cloudmatrix384:2:3"), Contains("supercluster:<pod-preset>:<K>"));
  CHECK_THROWS_WITH(build_system("supercluster:dgx:4"), Contains("<pod-preset> 'dgx'") && Contains("nvl72"));
  CHECK_THROWS_WITH(system_info("supercluster:cloudmatrix384_cluster16:2"),
                    Contains("<pod-preset> 'cloudmatrix384_cluster16'"));
  for (const char* k : {"0", "x", "-1", "", "2.5", "99999999"})
    CHECK_THROWS_WITH(system_info(std::string("supercluster:nvl72:") + k), Contains("<K>") && Contains(std::string("'") + k + "'"));
  CHECK_THROWS_WITH(system_info("supercluster:atlas960_superpod:100"), Contains("<K>") && Contains("1048576"));
  CHECK_THROWS_WITH(supercluster(pod16(), 0, scale_out()), Contains("supercluster.pods"));
  CHECK_THROWS_WITH(supercluster(small_cluster(), 2, scale_out()), Contains("'rdma' plane"));
  CHECK_THROWS_WITH(from_json<ScaleOutParams>({{"nic_bw", 5}}, "scale_out"), Contains("scale_out.nic_bw"));
  CHECK_THROWS_WITH(from_json<ScaleOutParams>({{"cost", -1}}, "scale_out"), Contains("scale_out.cost"));
  // Topology JSON: plane and cost per link.
  const json nodes = {{{"name", "a"}}, {{"name", "b"}}};
  CHECK_THROWS_WITH(Topology::from_json({{"nodes", nodes},
                                         {"links", {{{"src", "a"}, {"dst", "b"}, {"bandwidth_gbps", 1}, {"cost", 0}}}}}),
                    Contains("links[0].cost"));
  CHECK_THROWS_WITH(Topology::from_json({{"nodes", nodes},
                                         {"links", {{{"src", "a"}, {"dst", "b"}, {"bandwidth_gbps", 1}, {"plane", 3}}}}}),
                    Contains("links[0].plane"));
  CHECK_THROWS_WITH(Topology::from_json({{"nodes", nodes},
                                         {"links", {{{"src", "a"}, {"dst", "b"}, {"bandwidth_gbps", 1}, {"plane", ""}}}}}),
                    Contains("plane") && Contains("empty"));
}

TEST_CASE("topology JSON planes and costs steer routes", "[supercluster]") {
  // a-b direct on an expensive plane, a-s-b through a switch on the cheap
  // one: the 2-hop cheap path wins until the direct link costs < 2.
  auto topo = [](int cost) {
    const json nodes = {{{"name", "a"}}, {{"name", "b"}}, {{"name", "s"}, {"kind", "switch"}}};
    const json links = {{{"src", "a"}, {"dst", "b"}, {"bandwidth_gbps", 10}, {"plane", "rdma"}, {"cost", cost}},
                        {{"src", "a"}, {"dst", "s"}, {"bandwidth_gbps", 10}, {"plane", "ub"}},
                        {{"src", "s"}, {"dst", "b"}, {"bandwidth_gbps", 10}, {"plane", "ub"}}};
    return Topology::from_json({{"nodes", nodes}, {"links", links}});
  };
  Topology t3 = topo(3);
  auto r = t3.route(0, 1);
  REQUIRE(r.size() == 2);
  for (const auto& ls : r) CHECK(t3.plane_name(t3.link_plane(ls.link)) == "ub");
  Topology t2 = topo(2);  // equal cost: split evenly over both
  r = t2.route(0, 1);
  REQUIRE(r.size() == 3);
  for (const auto& ls : r) CHECK(ls.fraction == 0.5);
  Topology t1 = topo(1);
  r = t1.route(0, 1);
  REQUIRE(r.size() == 1);
  CHECK(t1.plane_name(t1.link_plane(r[0].link)) == "rdma");
}

TEST_CASE("a SuperCluster from JSON spells out its scale-out tier", "[supercluster]") {
  const json j = {{"supercluster",
                   {{"pod", "nvl72"}, {"supernodes", 3}, {"scale_out", {{"nic_bandwidth_gbps", 100}, {"npus_per_leaf", 72}}}}}};
  std::string source;
  Topology t = supercluster_from_json(j, "sc.json", &source);
  CHECK(t.endpoints().size() == 3 * 72);
  CHECK_THAT(source, Contains("3 x nvl72") && Contains("\"nic_bandwidth_gbps\":100.0"));
  for (int l : t.out_links(t.endpoints()[5]))
    if (on_rdma(t, l)) CHECK(t.link(l).bandwidth_gbps == 100);
  // One RDMA leaf per pod (72 per leaf): 3 leaves.
  CHECK(t.node_id("rdma_leaf2") >= 0);
  CHECK(t.node_id("rdma_leaf3") < 0);
  auto bad = [](json body) { return json{{"supercluster", std::move(body)}}; };
  CHECK_THROWS_WITH(supercluster_from_json(bad({{"pod", "nvl72"}, {"supernodes", 2}, {"scale_out", {{"nic_gbps", 1}}}}), "f"),
                    Contains("f.supercluster.scale_out.nic_gbps"));
  CHECK_THROWS_WITH(supercluster_from_json(bad({{"pod", "dgx"}, {"supernodes", 2}}), "f"),
                    Contains("f.supercluster.pod") && Contains("'dgx'"));
  CHECK_THROWS_WITH(supercluster_from_json(bad({{"pod", "nvl72"}}), "f"), Contains("f.supercluster") && Contains("supernodes"));
  CHECK_THROWS_WITH(supercluster_from_json(bad({{"pod", "nvl72"}, {"supernodes", 0}}), "f"), Contains("f.supercluster.supernodes"));
  CHECK_THROWS_WITH(supercluster_from_json(bad({{"pod", "atlas960_superpod"}, {"supernodes", 100}}), "f"),
                    Contains("f.supercluster.supernodes") && Contains("1048576"));
  CHECK_THROWS_WITH(supercluster_from_json(bad({{"pod", "nvl72"}, {"supernodes", 2}, {"scale_out", {{"spines", 0}}}}), "f"),
                    Contains("f.supercluster.scale_out.spines"));
}

TEST_CASE("a SuperCluster's pod may be an edited preset; its resolved JSON rebuilds it", "[supercluster]") {
  const json j = {{"supercluster",
                   {{"pod", {{"preset", "nvl72"}, {"npus", 16}, {"ub", {{"link", {{"bandwidth_gbps", 100}}}}}}},
                    {"supernodes", 3}}}};
  json resolved;
  Topology t = supercluster_from_json(j, "f", nullptr, &resolved);
  REQUIRE(t.endpoints().size() == 3 * 16);
  double ub = 0, rdma = 0;
  for (int l : t.out_links(t.endpoints()[20])) (on_rdma(t, l) ? rdma : ub) += t.link(l).bandwidth_gbps;
  CHECK(ub == 100);
  CHECK(rdma == 50);
  CHECK(resolved["supercluster"]["pod"]["preset"] == "nvl72");
  CHECK(resolved["supercluster"]["scale_out"]["nic_bandwidth_gbps"] == 50.0);
  Topology again = supercluster_from_json(resolved, "resolved");
  REQUIRE(again.num_links() == t.num_links());
  for (int l = 0; l < t.num_links(); ++l) {
    CHECK(again.link(l).bandwidth_gbps == t.link(l).bandwidth_gbps);
    CHECK(again.link_cost(l) == t.link_cost(l));
  }
  // A named spec records the same form.
  const json named = supercluster_resolved("supercluster:nvl72:2");
  CHECK(named["supercluster"]["supernodes"] == 2);
  CHECK(supercluster_from_json(named, "n").endpoints().size() == 144);
  CHECK(supercluster_resolved("nvl72").is_null());
  CHECK_THROWS_WITH(
      supercluster_from_json({{"supercluster", {{"pod", {{"preset", "nvl72"}, {"ub", {{"link", {{"bw", 1}}}}}}}, {"supernodes", 2}}}},
                             "f"),
      Contains("f.supercluster.pod.ub.link.bw"));
  CHECK_THROWS_WITH(supercluster_from_json({{"supercluster", {{"pod", "nvl72"}, {"supernodes", 2}, {"extra", 1}}}}, "f"),
                    Contains("f.supercluster.extra"));
}
