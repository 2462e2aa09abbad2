// Dragonfly and nD-FullMesh generators: shape (nodes, links, degrees),
// reachability, route hop counts, flow-level closed forms, packet-level
// delivery under heavy and adversarial load, malformed specs.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "noc/collectives_flow.hpp"
#include "noc/flow_model.hpp"
#include "noc/packet/packet_network.hpp"
#include "noc/packet/synthetic_traffic.hpp"
#include "noc/topology.hpp"
#include "tests/cpp/packet_harness.hpp"

using namespace npusim;
using namespace npusim::noc;
using Catch::Matchers::Contains;

namespace {

DragonflyParams df(int a, int p, int h, int g) {
  DragonflyParams d = defaults_of<DragonflyParams>();
  d.routers_per_group = a;
  d.npus_per_router = p;
  d.global_per_router = h;
  d.groups = g;
  return d;
}

std::vector<FullMeshDim> fm(std::vector<int> sizes, double bw = 32, double lat = 10) {
  std::vector<FullMeshDim> d;
  for (int s : sizes) d.push_back({s, bw, lat});
  return d;
}

PacketParams small_packets() { return test::unit_params(32); }

enum LinkClass { Terminal, Local, Global };
LinkClass link_class(const Topology& t, int l) {
  const DragonflyShape& s = t.dragonfly_shape();
  const int u = t.link(l).src, v = t.link(l).dst;
  if (u < s.npus() || v < s.npus()) return Terminal;
  return s.group_of_router(u) == s.group_of_router(v) ? Local : Global;
}

struct Hop {
  int link, vc_lo, vc_hi;
};
// The packet route src -> dst, hop by hop, as PacketNetwork follows it.
std::vector<Hop> walk(const Topology& t, const PacketRouting& r, int src, int dst, uint32_t seq = 0) {
  std::vector<Hop> path;
  RouteHop out[PacketRouting::kMaxCandidates];
  uint8_t state = 0;
  int node = src;
  while (node != dst) {
    REQUIRE(path.size() < 64);
    const int k = r.route(node, src, dst, state, seq, out);
    REQUIRE(k >= 1);
    path.push_back({out[0].link, out[0].vc_lo, out[0].vc_hi});
    state = r.next_state(state, out[0].link, out[0].vc_lo);  // the VC it takes downstream
    node = t.link(out[0].link).dst;
  }
  return path;
}

double route_links(const Topology& t, int s, int d) {  // expected links crossed (sum of ECMP fractions)
  double sum = 0;
  for (const LinkShare& x : t.route(s, d)) sum += x.fraction;
  return sum;
}

}  // namespace

TEST_CASE("dragonfly: nodes, links and degrees follow a, p, h, g", "[topogen]") {
  struct Shape { int a, p, h, g; };
  for (Shape s : {Shape{4, 2, 2, 0}, Shape{2, 1, 1, 0}, Shape{4, 2, 2, 5}, Shape{4, 2, 2, 4}, Shape{1, 4, 0, 0},
                  Shape{3, 2, 3, 2}}) {
    INFO("a=" << s.a << " p=" << s.p << " h=" << s.h << " g=" << s.g);
    const Topology t = Topology::dragonfly(df(s.a, s.p, s.h, s.g));
    const int g = s.g ? s.g : s.a * s.h + 1;
    const int npus = g * s.a * s.p, routers = g * s.a;
    const int k = g > 1 ? s.a * s.h / (g - 1) : 0;  // global links per pair of groups
    CHECK(t.endpoints().size() == size_t(npus));
    CHECK(t.num_nodes() == npus + routers);
    CHECK(t.dragonfly_shape().groups == g);
    const int globals = g * (g - 1) / 2 * k;  // undirected
    CHECK(t.num_links() == 2 * npus + g * s.a * (s.a - 1) + 2 * globals);
    std::map<std::pair<int, int>, int> per_pair;
    for (int n = 0; n < t.num_nodes(); ++n) {
      int counts[3] = {0, 0, 0};
      for (int l : t.out_links(n)) ++counts[link_class(t, l)];
      if (n < npus) {
        CHECK(t.out_links(n).size() == 1);
        CHECK(t.link(t.out_links(n)[0]).dst == t.dragonfly_shape().router_of_npu(n));
      } else {
        CHECK(counts[Terminal] == s.p);
        CHECK(counts[Local] == s.a - 1);
        CHECK(counts[Global] <= s.h);
        for (int l : t.out_links(n))
          if (link_class(t, l) == Global)
            ++per_pair[{t.dragonfly_shape().group_of_router(n), t.dragonfly_shape().group_of_router(t.link(l).dst)}];
      }
    }
    // Every ordered pair of groups is joined by exactly k global links.
    CHECK(per_pair.size() == size_t(g) * (g - 1));
    for (const auto& [pair, n] : per_pair) CHECK(n == k);
    // Every NPU reaches every other (flow-level routes exist).
    for (int a : t.endpoints())
      for (int b : t.endpoints())
        if (a != b) REQUIRE(route_links(t, a, b) > 0);
  }
  // Balanced maximum (Kim et al.): a = 2p = 2h = 4 gives 9 groups, 72 NPUs,
  // every router using all h global ports.
  const Topology t = Topology::dragonfly(df(4, 2, 2, 0));
  CHECK(t.endpoints().size() == 72);
  for (int n = 72; n < t.num_nodes(); ++n) CHECK(t.out_links(n).size() == 2 + 3 + 2);
}

TEST_CASE("nD-FullMesh: every NPU links to each NPU differing in one coordinate", "[topogen]") {
  for (const std::vector<int>& sizes : {std::vector<int>{8}, {4, 4}, {3, 3, 3}, {4, 2, 3}, {2, 2, 2, 2}}) {
    const Topology t = Topology::nd_fullmesh(fm(sizes));
    int npus = 1, degree = 0;
    for (int s : sizes) {
      npus *= s;
      degree += s - 1;
    }
    INFO(npus << " NPUs in " << sizes.size() << " dimensions");
    CHECK(t.endpoints().size() == size_t(npus));
    CHECK(t.num_nodes() == npus);  // no switches: the NPUs forward
    CHECK(t.endpoints_forward());
    CHECK(t.num_links() == npus * degree);
    CHECK(t.fullmesh_dims() == sizes);
    auto coords = [&](int id) {
      std::vector<int> c;
      for (int s : sizes) { c.push_back(id % s); id /= s; }
      return c;
    };
    for (int a = 0; a < npus; ++a) {
      CHECK(t.out_links(a).size() == size_t(degree));
      for (int l : t.out_links(a)) {
        const auto ca = coords(a), cb = coords(t.link(l).dst);
        int differ = 0;
        for (size_t k = 0; k < sizes.size(); ++k) differ += ca[k] != cb[k];
        CHECK(differ == 1);
      }
    }
  }
  // Per-dimension links: dim 0 inside a board, dim 1 between boards.
  std::vector<FullMeshDim> d = {{4, 100, 50}, {2, 25, 500}};
  const Topology t = Topology::nd_fullmesh(d);
  CHECK(t.link(t.link_between(0, 3)).bandwidth_gbps == 100);
  CHECK(t.link(t.link_between(0, 4)).latency_ns == 500);
  CHECK(t.link_between(0, 5) < 0);
}

TEST_CASE("route hop counts: nD-FullMesh = differing coordinates; dragonfly <= local, global, local",
          "[topogen]") {
  RoutingParams rp = defaults_of<RoutingParams>();
  SECTION("nD-FullMesh: dimension order, one direct hop per differing coordinate") {
    const std::vector<int> sizes = {3, 4, 2};
    const Topology t = Topology::nd_fullmesh(fm(sizes));
    const PacketRouting r(t, rp, 1, 1);  // one VC is enough
    CHECK(r.algorithm() == "dor");
    for (int a = 0; a < 24; ++a)
      for (int b = 0; b < 24; ++b) {
        if (a == b) continue;
        int differ = 0, last_dim = -1;
        for (int x = a, y = b, k = 0; k < 3; x /= sizes[k], y /= sizes[k], ++k) differ += x % sizes[k] != y % sizes[k];
        const auto path = walk(t, r, a, b);
        INFO(a << " -> " << b);
        CHECK(int(path.size()) == differ);
        // Flow level: every ECMP path is as short (the shares sum to the hops).
        CHECK(route_links(t, a, b) == Approx(differ).epsilon(1e-12));  // sums of 1/k! fractions: rounding only
        for (const Hop& h : path) {
          const int u = t.link(h.link).src, v = t.link(h.link).dst;
          int dim = 0;
          for (int x = u, y = v; x % sizes[dim] == y % sizes[dim]; ++dim) {
            x /= sizes[dim];
            y /= sizes[dim];
          }
          CHECK(dim > last_dim);  // dimensions in increasing order
          last_dim = dim;
          CHECK(h.vc_lo == 0);
          CHECK(h.vc_hi == 1);
        }
      }
  }
  SECTION("dragonfly: terminal, [local], [global], [local], terminal; class 1 VCs from the global hop on") {
    for (DragonflyParams p : {df(4, 2, 2, 0), df(4, 2, 2, 4), df(3, 1, 2, 3)}) {
      const Topology t = Topology::dragonfly(p);
      const PacketRouting r(t, rp, 4, 1);
      CHECK(r.algorithm() == "dragonfly_min");
      const DragonflyShape& s = t.dragonfly_shape();
      for (int a : t.endpoints())
        for (int b : t.endpoints()) {
          if (a == b) continue;
          for (uint32_t seq : {0u, 1u, 2u}) {  // other packets may pick other global links
            const auto path = walk(t, r, a, b, seq);
            INFO(t.node(a).name << " -> " << t.node(b).name);
            std::vector<LinkClass> cls;
            for (const Hop& h : path) cls.push_back(link_class(t, h.link));
            REQUIRE(path.size() >= 2);
            CHECK(cls.front() == Terminal);
            CHECK(cls.back() == Terminal);
            const int router_hops = int(path.size()) - 2;
            CHECK(router_hops <= 3);
            int globals = 0, g_at = -1;
            for (int i = 1; i + 1 < int(path.size()); ++i)
              if (cls[i] == Global) { ++globals; g_at = i; }
            const bool same_group = s.group_of_router(s.router_of_npu(a)) == s.group_of_router(s.router_of_npu(b));
            CHECK(globals == (same_group ? 0 : 1));
            CHECK(router_hops <= (same_group ? 1 : 3));
            // Local hops: at most one before and one after the global hop.
            if (g_at > 0) CHECK((g_at <= 2 && int(path.size()) - 1 - g_at <= 2));
            for (int i = 0; i < int(path.size()); ++i) {
              const bool class1 = g_at >= 0 && i >= g_at;
              CHECK(path[i].vc_lo == (class1 ? 2 : 0));
              CHECK(path[i].vc_hi == (class1 ? 4 : 2));
            }
            // Flow level (shortest-hop ECMP) is never longer than minimal.
            if (seq == 0) CHECK(route_links(t, a, b) <= double(path.size()) + 1e-9);
          }
        }
    }
  }
}

TEST_CASE("flow level closed forms on nD-FullMesh and dragonfly", "[topogen]") {
  // Tolerances 1e-9 relative: the fluid model computes these exactly up to
  // floating-point rounding of a few divisions and sums.
  const double S = 64.0 * 1024 * 1024;
  SECTION("all-to-all on a 3x3x3 full mesh: every link equally loaded, T = s a^(n-1)/B + n L") {
    // Per NPU: sum_m C(n,m)(a-1)^m m = n(a-1)a^(n-1) link-crossings of s
    // bytes over n(a-1) out-links of B, so drain = s a^(n-1) / B; the
    // longest (n-hop) paths add n L.
    const double B = 40, L = 100, s = S / 27;
    const Topology t = Topology::nd_fullmesh(fm({3, 3, 3}, B, L));
    FlowModel m(t);
    m.add_all_to_all(t.endpoints(), s, 0);
    m.run();
    CHECK(m.max_finish_ns() == Approx(s * 9 / B + 3 * L).epsilon(1e-9));
  }
  SECTION("single transfers on a 2-D full mesh with per-dimension links") {
    std::vector<FullMeshDim> d = {{4, 100, 50}, {2, 25, 500}};
    const Topology t = Topology::nd_fullmesh(d);
    auto one = [&](int src, int dst) {
      FlowModel m(t);
      m.add_flow(src, dst, S, 0);
      m.run();
      return m.max_finish_ns();
    };
    CHECK(one(0, 1) == Approx(S / 100 + 50).epsilon(1e-9));
    CHECK(one(0, 4) == Approx(S / 25 + 500).epsilon(1e-9));
    // Both dimensions: ECMP splits over 0->1->5 and 0->4->5, half on each
    // 25 GB/s link, so 50 GB/s in all; both paths take 50 + 500 ns.
    CHECK(one(0, 5) == Approx(S / 50 + 550).epsilon(1e-9));
  }
  SECTION("single transfers on a dragonfly: T = S / slowest link + latencies") {
    DragonflyParams p = df(4, 2, 2, 0);
    p.terminal_bandwidth_gbps = 100;
    p.terminal_latency_ns = 20;
    p.local_bandwidth_gbps = 60;
    p.local_latency_ns = 80;
    p.global_bandwidth_gbps = 40;
    p.global_latency_ns = 400;
    const Topology t = Topology::dragonfly(p);
    auto one = [&](int src, int dst) {
      FlowModel m(t);
      m.add_flow(src, dst, S, 0);
      m.run();
      return m.max_finish_ns();
    };
    // npu0 (router 0 of group 0) -> npu2 (router 1): terminal, local, terminal.
    CHECK(one(0, 2) == Approx(S / 60 + 20 + 80 + 20).epsilon(1e-9));
    // Router 0's global port 0 leads to group 1, port a*h-1 = 7, router 3:
    // npu0 -> npu (1*4+3)*2 = 14 is terminal, global, terminal.
    const int r0 = t.dragonfly_shape().router_of_npu(0), r13 = t.dragonfly_shape().router_of_npu(14);
    REQUIRE(t.link_between(r0, r13) >= 0);
    CHECK(one(0, 14) == Approx(S / 40 + 20 + 400 + 20).epsilon(1e-9));
  }
}

TEST_CASE("flow level routes a dragonfly minimally: one global hop between groups, none inside", "[topogen]") {
  // Global links cost 3 against 1 for local and terminal links, so the
  // minimum-cost route is local-global-local, never a two-global shortcut
  // through a third group, as dragonfly_min at packet level.
  const DragonflyParams p = df(4, 2, 2, 0);  // 9 groups, 72 NPUs, the default link classes
  const Topology t = Topology::dragonfly(p);
  const DragonflyShape& sh = t.dragonfly_shape();
  auto global = [&](int l) {
    const int u = t.link(l).src, v = t.link(l).dst;
    return u >= sh.npus() && v >= sh.npus() && sh.group_of_router(u) != sh.group_of_router(v);
  };
  for (int s : {0, 5, 17, 40}) {
    for (int d = 0; d < sh.npus(); ++d) {
      if (d == s) continue;
      double globals = 0;
      for (const LinkShare& ls : t.route(t.endpoints()[size_t(s)], t.endpoints()[size_t(d)]))
        if (global(ls.link)) globals += ls.fraction;
      const bool same_group = sh.group_of_router(sh.router_of_npu(s)) == sh.group_of_router(sh.router_of_npu(d));
      INFO("npu" << s << " -> npu" << d);
      CHECK(globals == Approx(same_group ? 0.0 : 1.0).margin(1e-12));
    }
  }
  // A balanced dragonfly (a = 2p = 2h) under uniform all-to-all is
  // terminal-bound with minimal routing: busbw = the terminal link's rate
  // (1%: the path latencies on top of a 64 MiB drain). With shortest-hop
  // routing (all links alike) it reached 24 of 32 GB/s.
  const CollectiveResult r = alltoall(t, 64.0 * 1024 * 1024);
  CHECK(r.busbw_gbps == Approx(p.terminal_bandwidth_gbps).epsilon(0.01));
}

TEST_CASE("packet level on dragonfly and nD-FullMesh: heavy and adversarial load drain, credits conserved, "
          "deterministic", "[topogen]") {
  PacketParams p = small_packets();
  const Topology dfly = Topology::dragonfly(df(4, 2, 2, 0));  // 72 NPUs, 9 groups
  const Topology mesh3 = Topology::nd_fullmesh(fm({4, 3, 3}));
  SECTION("uniform and all-to-all at full offered load (auto routing)") {
    TrafficParams tp = defaults_of<TrafficParams>();
    tp.rate = 1.0;
    tp.warmup_cycles = 500;
    tp.measure_cycles = 2000;
    for (const Topology* t : {&dfly, &mesh3})
      for (const char* pattern : {"uniform", "alltoall"}) {
        tp.pattern = parse_enum<TrafficPattern>(pattern, "pattern");
        const TrafficResult r = run_synthetic(*t, p, tp);
        INFO(pattern << " on " << t->num_nodes() << " nodes, routing " << r.routing);
        CHECK(r.routing == (t == &dfly ? "dragonfly_min" : "dor"));
        CHECK(r.packets_created > 1000);
        CHECK(r.packets_delivered == r.packets_created);
        CHECK(r.credits_conserved);
      }
  }
  SECTION("adversarial bursts: every message delivered exactly once") {
    // Dragonfly: every NPU of group i sends to its twin in group i+1, so each
    // group's traffic funnels through its one global link to the next group
    // (Kim et al.'s worst case for minimal routing). nD-FullMesh: every NPU
    // sends to (c+1 mod size) in every coordinate, a hop in each dimension.
    // Both as one burst at t=0 of many packets per message, plus a full
    // all-to-all burst, with 2 VCs and small buffers.
    p.sw.vcs = 2;
    p.sw.buffer_flits = 16;
    for (const Topology* t : {&dfly, &mesh3}) {
      const int n = static_cast<int>(t->endpoints().size());
      auto partner = [&](int i) {
        if (t == &dfly) return (i + 8) % n;  // 8 NPUs per group
        int out = 0, stride = 1;
        for (int s : t->fullmesh_dims()) {
          out += ((i / stride) % s + 1) % s * stride;
          stride *= s;
        }
        return out;
      };
      PacketNetwork net(*t, p);
      std::vector<int> got(size_t(n) * n, 0);
      uint64_t packets = 0, want_packets = 0;
      net.on_message_done = [&](int, const Message& m) {
        ++got[m.tag];
        packets += m.delivered;
      };
      for (int s = 0; s < n; ++s) {
        const uint64_t big = 240 * 40;
        net.send(s, partner(s), big, 0, true, int64_t(s) * n + partner(s));
        want_packets += 40;
        for (int d = 0; d < n; ++d)
          if (d != s && d != partner(s)) {
            net.send(s, d, 500, 0, true, int64_t(s) * n + d);
            want_packets += 3;
          }
      }
      net.run();
      INFO(t->num_nodes() << " nodes, routing " << net.routing().algorithm());
      int wrong = 0;
      for (int s = 0; s < n; ++s)
        for (int d = 0; d < n; ++d) wrong += got[size_t(s) * n + d] != (s != d ? 1 : 0);
      CHECK(wrong == 0);
      CHECK(packets == want_packets);
      CHECK(net.packets_delivered() == want_packets);
      std::string why;
      CHECK(net.credits_conserved(&why));
      INFO(why);
    }
  }
  SECTION("same seed, same stats") {
    TrafficParams tp = defaults_of<TrafficParams>();
    tp.rate = 0.6;
    tp.warmup_cycles = 300;
    tp.measure_cycles = 1500;
    for (const Topology* t : {&dfly, &mesh3}) {
      const json a = run_synthetic(*t, p, tp, true).to_json();
      const json b = run_synthetic(*t, p, tp, true).to_json();
      CHECK(a.dump() == b.dump());
    }
  }
}

TEST_CASE("dragonfly: the same VCs without dragonfly_min's classes deadlock", "[topogen]") {
  // Control for the test above: identical resources (2 VCs, 9-flit buffers:
  // one MTU packet per VC) and full load. Shortest-hop ECMP may use any VC
  // and may take two global hops, so its channel dependencies form cycles,
  // and the fabric stalls; dragonfly_min drains the same traffic.
  PacketParams p = defaults_of<PacketParams>();
  p.sw.vcs = 2;
  p.sw.buffer_flits = 9;
  TrafficParams tp = defaults_of<TrafficParams>();
  tp.rate = 1.0;
  tp.warmup_cycles = 500;
  tp.measure_cycles = 5000;
  const Topology t = Topology::dragonfly(df(4, 2, 2, 0));
  p.routing.algorithm = RoutingAlgorithm::Ecmp;
  CHECK_THROWS_AS(run_synthetic(t, p, tp), StallError);
  p.routing.algorithm = RoutingAlgorithm::DragonflyMin;
  const TrafficResult r = run_synthetic(t, p, tp);
  CHECK(r.packets_created > 1000);
  CHECK(r.packets_delivered == r.packets_created);
  CHECK(r.credits_conserved);
}

TEST_CASE("dragonfly / nD-FullMesh routing configs and malformed generator specs are errors naming the field",
          "[topogen]") {
  PacketParams p = small_packets();
  const Topology dfly = Topology::dragonfly(df(2, 1, 1, 0));
  p.sw.vcs = 1;
  CHECK_THROWS_WITH(PacketNetwork(dfly, p), Contains("switch.vcs") && Contains("2 VCs") && Contains("got 1"));
  p.routing.algorithm = RoutingAlgorithm::DragonflyMin;
  CHECK_THROWS_WITH(PacketNetwork(dfly, p), Contains("switch.vcs"));
  // No one-VC fallback: up*/down* by (level, id) cannot join every pair when
  // all routers share a level (here a 6-router ring), and says so.
  p.routing.algorithm = RoutingAlgorithm::UpDown;
  CHECK_THROWS_WITH(PacketNetwork(dfly, p), Contains("up*/down*"));
  p.sw.vcs = 2;
  p.routing.algorithm = RoutingAlgorithm::DragonflyMin;
  CHECK_THROWS_WITH(PacketNetwork(Topology::mesh(4, 4, 32, 10), p),
                    Contains("routing.algorithm") && Contains("dragonfly"));
  p.routing.algorithm = RoutingAlgorithm::Dor;
  CHECK_THROWS_WITH(PacketNetwork(dfly, p), Contains("routing.algorithm") && Contains("dor"));

  CHECK_THROWS_WITH(Topology::dragonfly(df(4, 2, 2, 10)),
                    Contains("dragonfly.groups") && Contains("at most") && Contains("9") && Contains("10"));
  CHECK_THROWS_WITH(Topology::dragonfly(df(0, 2, 2, 0)), Contains("dragonfly.routers_per_group"));
  CHECK_THROWS_WITH(Topology::dragonfly(df(4, 0, 2, 0)), Contains("dragonfly.npus_per_router"));
  CHECK_THROWS_WITH(Topology::dragonfly(df(4, 2, -1, 0)), Contains("dragonfly.global_per_router"));
  CHECK_THROWS_WITH(Topology::dragonfly(df(1, 1, 0, 0)), Contains("at least 2 NPUs"));
  CHECK_THROWS_WITH(Topology::dragonfly(df(4096, 4096, 1, 1)), Contains("above the limits"));
  DragonflyParams bw = df(2, 1, 1, 0);
  bw.global_bandwidth_gbps = 0;
  CHECK_THROWS_WITH(Topology::dragonfly(bw), Contains("bandwidth_gbps must be > 0"));

  CHECK_THROWS_WITH(Topology::nd_fullmesh({}), Contains("fullmesh.dims") && Contains("1 to 8"));
  CHECK_THROWS_WITH(Topology::nd_fullmesh(fm({4, 1})), Contains("fullmesh.dims[1].size") && Contains("[2, 4096]"));
  CHECK_THROWS_WITH(Topology::nd_fullmesh(fm({4, 4}, 0)), Contains("fullmesh.dims[0].bandwidth_gbps"));
  CHECK_THROWS_WITH(Topology::nd_fullmesh(fm({4, 4}, 10, -1)), Contains("fullmesh.dims[0].latency_ns"));
  CHECK_THROWS_WITH(Topology::nd_fullmesh(fm({4096, 4096})), Contains("NPUs"));

  // The JSON form: {"generator": ...} in a topology file.
  const Topology j1 = Topology::from_json(
      json{{"generator", "dragonfly"}, {"routers_per_group", 2}, {"npus_per_router", 2}, {"global_per_router", 1}},
      "sys.json");
  CHECK(j1.endpoints().size() == 12);
  const Topology j2 = Topology::from_json(
      json{{"generator", "nd_fullmesh"},
           {"name", "ub2x2"},
           {"dims", {{{"size", 4}, {"bandwidth_gbps", 100}, {"latency_ns", 50}}, {{"size", 2}}}}},
      "sys.json");
  CHECK(j2.endpoints().size() == 8);
  CHECK(j2.fullmesh_dims() == std::vector<int>{4, 2});
  CHECK(Topology::from_json(json{{"generator", "clos"}, {"endpoints", 16}, {"endpoints_per_group", 4}, {"spines", 2}},
                            "c.json")
            .endpoints()
            .size() == 16);
  CHECK_THROWS_WITH(Topology::from_json(json{{"generator", "dragonfly"}, {"groups", 99}}, "sys.json"),
                    Contains("sys.json") && Contains("dragonfly.groups"));
  CHECK_THROWS_WITH(Topology::from_json(json{{"generator", "dragonfly"}, {"router", 4}}, "sys.json"),
                    Contains("sys.json.router"));
  CHECK_THROWS_WITH(Topology::from_json(json{{"generator", "dragonfly"}, {"routers_per_group", 0}}, "sys.json"),
                    Contains("sys.json.routers_per_group"));
  CHECK_THROWS_WITH(Topology::from_json(json{{"generator", "hypercube"}}, "sys.json"),
                    Contains("sys.json.generator") && Contains("nd_fullmesh") && Contains("hypercube"));
  CHECK_THROWS_WITH(Topology::from_json(json{{"generator", 3}}, "sys.json"), Contains("sys.json.generator"));
  CHECK_THROWS_WITH(Topology::from_json(json{{"generator", "nd_fullmesh"}}, "sys.json"), Contains("sys.json.dims"));
  CHECK_THROWS_WITH(Topology::from_json(json{{"generator", "nd_fullmesh"}, {"dims", {{{"bandwidth_gbps", 1}}}}}, "s"),
                    Contains("s.dims[0]") && Contains("size required"));
  CHECK_THROWS_WITH(Topology::from_json(json{{"generator", "nd_fullmesh"}, {"dims", {{{"size", 1}}}}}, "s"),
                    Contains("s.dims[0].size"));
  CHECK_THROWS_WITH(Topology::from_json(json{{"generator", "nd_fullmesh"}, {"dims", {{{"size", 2}}}}, {"x", 1}}, "s"),
                    Contains("s.x") && Contains("dims"));
}
