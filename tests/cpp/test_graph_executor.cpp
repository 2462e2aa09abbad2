// The workload executor on graphs built in memory: closed forms for order,
// overlap and stragglers, agreement with the standalone collective runners
// at both fabric fidelities, contention between jobs, conservation and the
// deadlock report.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "noc/collectives_flow.hpp"
#include "noc/flow_model.hpp"
#include "noc/packet/collectives_packet.hpp"
#include "noc/topology.hpp"
#include "workload/graph_executor.hpp"

using namespace npusim;
using namespace npusim::workload;
using Catch::Matchers::Contains;

namespace {

struct Builder {
  OpGraph g;
  std::vector<double> local;
  explicit Builder(int ranks) {
    g.ranks = ranks;
    g.source = "test.jsonl";
  }
  int add(GraphNode n, double local_ns = 0) {
    n.id = int64_t(g.nodes.size());
    g.nodes.push_back(std::move(n));
    local.push_back(local_ns);
    return int(g.nodes.size()) - 1;
  }
  int delay(int rank, double ns, std::vector<int> deps = {}, int stream = 0) {
    GraphNode n;
    n.rank = rank;
    n.type = NodeType::Delay;
    n.ns = ns;
    n.deps = std::move(deps);
    n.stream = stream;
    return add(n, ns);
  }
  int transfer(NodeType type, int rank, int peer, double bytes, std::vector<int> deps = {}, int stream = 0) {
    GraphNode n;
    n.rank = rank;
    n.type = type;
    n.peer = peer;
    n.bytes = bytes;
    n.deps = std::move(deps);
    n.stream = stream;
    return add(n);
  }
  // One allreduce node per rank in `group` (all ranks if empty); deps per rank.
  std::vector<int> allreduce(double bytes, std::vector<std::vector<int>> deps = {}, int stream = 0,
                             std::vector<int> group = {}) {
    if (group.empty())
      for (int r = 0; r < g.ranks; ++r) group.push_back(r);
    std::vector<int> ids;
    for (size_t k = 0; k < group.size(); ++k) {
      GraphNode n;
      n.rank = group[k];
      n.type = NodeType::Collective;
      n.coll_op = "allreduce";
      n.algo = "ring";
      n.bytes = bytes;
      n.group = group;
      n.stream = stream;
      if (!deps.empty()) n.deps = deps[size_t(group[k])];
      ids.push_back(add(n));
    }
    return ids;
  }
  PlacedGraph placed(const noc::Topology& t, std::vector<int> npus = {}) const {
    PlacedGraph p;
    p.graph = &g;
    p.name = "job";
    if (npus.empty())
      for (int r = 0; r < g.ranks; ++r) npus.push_back(r);
    for (int x : npus) p.npu.push_back(t.endpoints()[size_t(x)]);
    p.local_ns = local;
    return p;
  }
};

double run_ns(const noc::Topology& t, const std::vector<PlacedGraph>& jobs, bool packet = false,
              ExecResult* out = nullptr) {
  auto comm = packet ? make_packet_comm(t, defaults_of<noc::PacketParams>()) : make_flow_comm(t);
  GraphExecutor exec(t, *comm, defaults_of<noc::CollectiveParams>());
  ExecResult r = exec.run(jobs);
  const double ns = r.end_ns;
  if (out) *out = std::move(r);
  return ns;
}

}  // namespace

TEST_CASE("FlowModel stepped incrementally matches a batch run", "[executor]") {
  const noc::Topology t = noc::Topology::star(8, 100, 10);
  std::mt19937 rng(7);
  noc::FlowModel batch(t), inc(t);
  for (int i = 0; i < 40; ++i) {
    const int s = int(rng() % 8), d = int((s + 1 + rng() % 7) % 8);
    const double bytes = 1000.0 * (1 + rng() % 100), start = double(rng() % 5000);
    batch.add_flow(t.endpoints()[size_t(s)], t.endpoints()[size_t(d)], bytes, start);
    inc.add_flow(t.endpoints()[size_t(s)], t.endpoints()[size_t(d)], bytes, start);
  }
  batch.run();
  std::vector<int> finished;
  for (double next = inc.next_event_ns(); std::isfinite(next); next = inc.next_event_ns()) inc.advance_to(next, &finished);
  REQUIRE(finished.size() == 40);
  for (int id = 0; id < 40; ++id) CHECK(inc.finish_ns(id) == Approx(batch.finish_ns(id)).epsilon(1e-12));
}

TEST_CASE("A chain of N identical ops takes N times one", "[executor]") {
  const noc::Topology t = noc::Topology::star(2, 100, 10);
  Builder b(1);
  int prev = b.delay(0, 250);
  for (int i = 1; i < 61; ++i) prev = b.delay(0, 250, {prev});
  CHECK(run_ns(t, {b.placed(t)}) == Approx(61 * 250.0));
}

TEST_CASE("Streams overlap; one stream runs in order", "[executor]") {
  const noc::Topology t = noc::Topology::star(2, 100, 10);
  Builder two(1), one(1);
  two.delay(0, 300, {}, 0);
  two.delay(0, 200, {}, 1);
  one.delay(0, 300);
  one.delay(0, 200);
  CHECK(run_ns(t, {two.placed(t)}) == Approx(300));
  CHECK(run_ns(t, {one.placed(t)}) == Approx(500));
}

TEST_CASE("A send takes the flow model's time; the recv ends when the bytes arrive", "[executor]") {
  const noc::Topology t = noc::Topology::star(2, 100, 10);  // 100 GB/s, 2 hops of 10 ns
  Builder b(2);
  b.transfer(NodeType::Send, 0, 1, 1e6);
  b.transfer(NodeType::Recv, 1, 0, 1e6);
  ExecResult r;
  CHECK(run_ns(t, {b.placed(t)}, false, &r) == Approx(1e6 / 100 + 20));
  CHECK(r.nodes[1].end == Approx(r.nodes[0].end));
  CHECK(r.traffic[0].delivered_bytes == Approx(1e6));
}

TEST_CASE("An all-reduce alone takes what the collective runner says, at both fidelities", "[executor]") {
  const noc::Topology t = noc::Topology::star(8, 100, 10);
  Builder b(8);
  b.allreduce(8e6);
  const double flow = noc::flow_collective(t, "allreduce", "ring", 8e6, {}).time_us * 1e3;
  CHECK(run_ns(t, {b.placed(t)}) == Approx(flow).epsilon(1e-9));
  Builder small(8);
  small.allreduce(256e3);
  const double packet =
      noc::packet_collective(t, defaults_of<noc::PacketParams>(), "allreduce", "ring", 256e3, {}).time_us * 1e3;
  CHECK(run_ns(t, {small.placed(t)}, true) == Approx(packet).epsilon(1e-6));
}

TEST_CASE("Compute and an independent all-reduce overlap; a dependent one adds", "[executor]") {
  const noc::Topology t = noc::Topology::star(8, 100, 10);
  Builder alone(8);
  alone.allreduce(8e6);
  const double ar = run_ns(t, {alone.placed(t)});
  for (double compute : {0.5 * ar, 2.0 * ar}) {
    Builder overlap(8), serial(8);
    std::vector<std::vector<int>> deps(8);
    for (int r = 0; r < 8; ++r) {
      overlap.delay(r, compute, {}, 0);
      deps[size_t(r)] = {serial.delay(r, compute)};
    }
    overlap.allreduce(8e6, {}, 1);
    serial.allreduce(8e6, deps);
    CHECK(run_ns(t, {overlap.placed(t)}) == Approx(std::max(compute, ar)).epsilon(1e-9));
    CHECK(run_ns(t, {serial.placed(t)}) == Approx(compute + ar).epsilon(1e-9));
  }
}

TEST_CASE("A straggler stretches a synchronous step by its extra compute", "[executor]") {
  const noc::Topology t = noc::Topology::star(8, 100, 10);
  Builder alone(8);
  alone.allreduce(8e6);
  const double ar = run_ns(t, {alone.placed(t)});
  const double compute = 40000, s = 1.5;
  Builder step(8);
  std::vector<std::vector<int>> deps(8);
  for (int r = 0; r < 8; ++r) deps[size_t(r)] = {step.delay(r, compute)};
  step.allreduce(8e6, deps);
  PlacedGraph p = step.placed(t);
  p.local_ns[3] = compute * s;  // rank 3's compute node
  ExecResult r;
  CHECK(run_ns(t, {p}, false, &r) == Approx(s * compute + ar).epsilon(1e-9));
}

TEST_CASE("Jobs on disjoint NPUs of a switch do not interfere; on shared links they do", "[executor]") {
  const noc::Topology t = noc::Topology::star(8, 100, 10);
  Builder a(4), c(4);
  a.allreduce(4e6);
  c.allreduce(4e6);
  const double alone = run_ns(t, {a.placed(t)});
  ExecResult r;
  const double both = run_ns(t, {a.placed(t, {0, 1, 2, 3}), c.placed(t, {4, 5, 6, 7})}, false, &r);
  CHECK(both == Approx(alone).epsilon(1e-9));
  for (const JobTraffic& tr : r.traffic) CHECK(tr.delivered_bytes == Approx(tr.expected_bytes));
  // Both jobs' rank 0 on NPU 0: its uplink carries both.
  Builder s1(2), s2(2);
  s1.transfer(NodeType::Send, 0, 1, 1e6);
  s1.transfer(NodeType::Recv, 1, 0, 1e6);
  s2.transfer(NodeType::Send, 0, 1, 1e6);
  s2.transfer(NodeType::Recv, 1, 0, 1e6);
  const double one = run_ns(t, {s1.placed(t, {0, 1})});
  const double shared = run_ns(t, {s1.placed(t, {0, 1}), s2.placed(t, {0, 2})}, false, &r);
  CHECK(shared == Approx(2 * (one - 20) + 20).epsilon(1e-9));
  CHECK(r.traffic[0].delivered_bytes == Approx(1e6));
  CHECK(r.traffic[1].delivered_bytes == Approx(1e6));
}

TEST_CASE("A deadlocked graph is reported with the waiting nodes", "[executor]") {
  const noc::Topology t = noc::Topology::star(2, 100, 10);
  Builder b(2);
  const int r0 = b.transfer(NodeType::Recv, 0, 1, 1e3);
  b.transfer(NodeType::Send, 0, 1, 1e3, {r0});
  const int r1 = b.transfer(NodeType::Recv, 1, 0, 1e3);
  b.transfer(NodeType::Send, 1, 0, 1e3, {r1});
  REQUIRE_THROWS_AS(run_ns(t, {b.placed(t)}), StallError);
  try {
    run_ns(t, {b.placed(t)});
  } catch (const StallError& e) {
    CHECK_THAT(e.what(), Contains("rank 0 node 0 (recv)") && Contains("waits for the bytes of rank 1 node 3 (send)") &&
                             Contains("which has not started"));
  }
}

TEST_CASE("A collective a member never reaches, or a send without its recv, is refused", "[executor]") {
  const noc::Topology t = noc::Topology::star(4, 100, 10);
  Builder b(4);
  b.allreduce(1e6, {}, 0, {0, 1, 2});
  GraphNode extra;
  extra.rank = 0;
  extra.type = NodeType::Collective;
  extra.coll_op = "allreduce";
  extra.bytes = 1e6;
  extra.group = {0, 1, 2};
  b.add(extra);
  CHECK_THROWS_WITH(run_ns(t, {b.placed(t)}), Contains("collective #1 of its group has no member on rank 1"));
  Builder s(2);
  s.transfer(NodeType::Send, 0, 1, 1e3);
  CHECK_THROWS_WITH(run_ns(t, {s.placed(t, {0, 1})}), Contains("test.jsonl: rank 0 node 0: send has no matching recv"));
}

TEST_CASE("Same graph, same result: the executor is deterministic", "[executor]") {
  const noc::Topology t = noc::Topology::star(8, 100, 10);
  Builder b(8);
  std::vector<std::vector<int>> deps(8);
  for (int r = 0; r < 8; ++r) deps[size_t(r)] = {b.delay(r, 1000.0 * (r + 1))};
  b.allreduce(2e6, deps);
  for (int r = 0; r < 8; ++r) b.transfer(NodeType::Send, r, (r + 1) % 8, 3e5, {}, 2);
  for (int r = 0; r < 8; ++r) b.transfer(NodeType::Recv, (r + 1) % 8, r, 3e5, {}, 3);
  ExecResult x, y;
  run_ns(t, {b.placed(t)}, false, &x);
  run_ns(t, {b.placed(t)}, false, &y);
  REQUIRE(x.nodes.size() == y.nodes.size());
  for (size_t i = 0; i < x.nodes.size(); ++i) {
    CHECK(x.nodes[i].start == y.nodes[i].start);
    CHECK(x.nodes[i].end == y.nodes[i].end);
  }
}

TEST_CASE("An all-to-all-v with equal counts is the all-to-all; unequal counts conserve bytes", "[executor]") {
  const noc::Topology t = noc::Topology::star(8, 100, 10);
  auto build = [](Builder& b, double per_peer, double heavier) {
    std::vector<int> group;
    for (int r = 0; r < 8; ++r) group.push_back(r);
    for (int r = 0; r < 8; ++r) {
      GraphNode n;
      n.rank = r;
      n.type = NodeType::AllToAllV;
      n.group = group;
      for (int d = 0; d < 8; ++d) n.send_bytes.push_back(d == r ? 0 : (r == 0 && d == 1 ? heavier : per_peer));
      b.add(n);
    }
  };
  Builder even(8), skew(8);
  build(even, 1e5, 1e5);
  build(skew, 1e5, 4e5);
  const double a2a = noc::flow_collective(t, "alltoall", "direct", 8 * 1e5, {}).time_us * 1e3;
  CHECK(run_ns(t, {even.placed(t)}) == Approx(a2a).epsilon(1e-9));
  ExecResult r;
  CHECK(run_ns(t, {skew.placed(t)}, false, &r) > a2a);
  CHECK(r.traffic[0].delivered_bytes == Approx(55 * 1e5 + 4e5));
  CHECK(run_ns(t, {skew.placed(t)}, true, &r) > 0);
  CHECK(r.traffic[0].delivered_bytes == Approx(55 * 1e5 + 4e5));
}
