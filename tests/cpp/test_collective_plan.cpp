// One description per collective algorithm (noc/collective_plan.hpp), run
// at both fidelities from the same object: one test per algorithm builds
// the plan once, checks the packet level's expansion of it (messages and
// dependencies), and runs it through the flow and the packet model.
#include <catch2/catch.hpp>

#include "noc/collective_plan.hpp"
#include "noc/collectives_flow.hpp"
#include "noc/packet/collective_schedule.hpp"
#include "noc/packet/collectives_packet.hpp"
#include "noc/topology.hpp"

using namespace npusim;
using namespace npusim::noc;
using Catch::Matchers::Contains;

namespace {

constexpr int kN = 16;
// Every message a whole number of 256 B packets (the default MTU).
constexpr double kS = kN * 256.0 * 16;

Topology star() { return Topology::star(kN, 100, 200); }

struct Both {
  CollectiveResult flow, packet;
};

// Runs `plan` at both fidelities on a one-switch star. Both must report
// the same collective, and carry the same messages over the same links: the
// packet level's wire bytes are the flow level's bytes x 288/256 (a 256 B
// payload in 9 flits of 32 B, header included), exactly when every message
// and chunk is a whole number of packets. The flow level has no headers,
// pipelines or contention in switches; the errors a star shows are stated
// in collectives_packet.hpp (-4% to -31%, MoE pairwise +1%).
Both run_both(const CollectivePlan& plan) {
  const Topology t = star();
  Both b{flow_collective(t, plan), packet_collective(t, defaults_of<PacketParams>(), plan)};
  CHECK(b.flow.name == plan.op);
  CHECK(b.packet.name == plan.op);
  CHECK(b.flow.algo == b.packet.algo);
  CHECK(b.flow.phases == plan.phases());
  CHECK(b.packet.phases == plan.phases());
  CHECK(b.flow.bytes == b.packet.bytes);
  REQUIRE(b.flow.tiers.size() == 1);
  REQUIRE(b.packet.tiers.size() == 1);
  CHECK(b.flow.tiers[0].bytes > 0);
  CHECK(b.packet.tiers[0].bytes == Approx(b.flow.tiers[0].bytes * 288 / 256).epsilon(1e-12));
  const double err = b.flow.time_us / b.packet.time_us - 1;
  INFO(plan.op << " " << plan.algo << ": flow " << b.flow.time_us << " us, packet " << b.packet.time_us << " us");
  CHECK(err > -0.35);
  CHECK(err < 0.05);
  return b;
}

int dependencies(const Schedule& s) { return static_cast<int>(s.deps().size()); }

MoeTraffic moe(bool combine) {
  MoeTraffic m;
  m.tokens = 32;
  m.topk = 4;
  m.experts = 64;
  m.token_bytes = 7168;  // 28 packets
  m.combine = combine;
  return m;
}

}  // namespace

TEST_CASE("ring plan: one shift group repeated 2(n-1) times, both fidelities", "[plan][collective]") {
  const CollectivePlan plan = plan_collective("allreduce", "ring", kN, kS);
  REQUIRE(plan.levels.size() == 1);
  CHECK(plan.levels[0].repeat == 2 * (kN - 1));
  REQUIRE(plan.levels[0].groups.size() == 1);
  CHECK(plan.levels[0].groups[0].pattern == MessageGroup::Pattern::shift);
  // Packet expansion: n messages per step; each after its sender's previous receive.
  const Schedule s = schedule_of(plan);
  CHECK(s.size() == 2 * (kN - 1) * kN);
  CHECK(dependencies(s) == (2 * (kN - 1) - 1) * kN);
  CHECK(s.msgs()[size_t(kN + 3)].src == 3);
  CHECK(s.msgs()[size_t(kN + 3)].dst == 4);
  const Both b = run_both(plan);
  CHECK(b.flow.simulated_phases == 1);  // identical steps: one flow run
  CHECK(b.packet.simulated_phases == 2 * (kN - 1));
  // All-gather and reduce-scatter are the same ring, n-1 steps.
  CHECK(run_both(plan_collective("allgather", "ring", kN, kS)).flow.phases == kN - 1);
  CHECK(run_both(plan_collective("reducescatter", "ring", kN, kS)).packet.phases == kN - 1);
}

TEST_CASE("direct plan: one all-pairs group, both fidelities", "[plan][collective]") {
  const CollectivePlan plan = plan_collective("alltoall", "direct", kN, kS);
  REQUIRE(plan.levels.size() == 1);
  CHECK(plan.levels[0].groups[0].pattern == MessageGroup::Pattern::all_pairs);
  const Schedule s = schedule_of(plan);
  CHECK(s.size() == kN * (kN - 1));
  CHECK(dependencies(s) == 0);  // all posted at once
  run_both(plan);
  // All-reduce: a reduce-scatter then an identical all-gather, run once and doubled.
  const CollectivePlan ar = plan_collective("allreduce", "direct", kN, kS);
  CHECK(ar.times == 2);
  const Both b = run_both(ar);
  CHECK(b.flow.phases == 2);
  CHECK(b.flow.time_us == Approx(2 * flow_collective(star(), plan).time_us).epsilon(1e-12));
}

TEST_CASE("pairwise plan: n-1 shift steps after own send and receive, both fidelities", "[plan][collective]") {
  const CollectivePlan plan = plan_collective("alltoall", "pairwise", kN, kS);
  REQUIRE(plan.levels.size() == size_t(kN - 1));
  CHECK(plan.levels[4].groups[0].k == 5);
  const Schedule s = schedule_of(plan);
  CHECK(s.size() == (kN - 1) * kN);
  CHECK(dependencies(s) == 2 * (kN - 2) * kN);
  const Both b = run_both(plan);
  CHECK(b.flow.simulated_phases == kN - 1);  // every step differs
  CHECK_THROWS_WITH(plan_collective("alltoall", "pairwise", 1025, kS), Contains("at most 1024"));
}

TEST_CASE("halving-doubling plan: 2 log2 n exchanges, mirrored steps simulated once", "[plan][collective]") {
  const CollectivePlan plan = plan_collective("allreduce", "halving_doubling", kN, kS);
  REQUIRE(plan.levels.size() == 8);
  CHECK(plan.levels[0].groups[0].pattern == MessageGroup::Pattern::exchange);
  CHECK(plan.levels[0].groups[0].k == kN / 2);
  CHECK(plan.levels[7].groups[0].k == kN / 2);
  CHECK(plan.levels[0].same_traffic(plan.levels[7]));
  const Schedule s = schedule_of(plan);
  CHECK(s.size() == 8 * kN);
  CHECK(dependencies(s) == 7 * kN);
  const Both b = run_both(plan);
  CHECK(b.flow.simulated_phases == 4);
  CHECK(b.packet.simulated_phases == 8);
  CHECK_THROWS_WITH(plan_collective("allreduce", "halving_doubling", 12, kS), Contains("power of two"));
}

TEST_CASE("hierarchical plan: group rings around a cross-group ring, both fidelities", "[plan][collective]") {
  CollectiveParams c = defaults_of<CollectiveParams>();
  c.group = 4;
  const int g = 4, m = kN / g;
  const CollectivePlan plan = plan_collective("allreduce", "hierarchical", kN, kS, c);
  REQUIRE(plan.levels.size() == 3);
  CHECK(plan.levels[0].groups[0].block == g);
  CHECK(plan.levels[1].hold_entry);
  CHECK(plan.levels[0].same_traffic(plan.levels[2]));
  // Steps: g-1 + 2(m-1) + g-1, n messages each. Dependencies: every step
  // but the first waits for its sender's last receive; cross-group steps
  // after the first also wait for the sender's reduced shard.
  const int steps = 2 * (g - 1) + 2 * (m - 1);
  const Schedule s = schedule_of(plan);
  CHECK(s.size() == steps * kN);
  CHECK(dependencies(s) == (steps - 1) * kN + (2 * (m - 1) - 1) * kN);
  const Both b = run_both(plan);
  CHECK(b.flow.simulated_phases == 2);  // the all-gather ring is the reduce-scatter ring
  CHECK(b.flow.phases == steps);
  c.group = 5;
  CHECK_THROWS_WITH(plan_collective("allreduce", "hierarchical", kN, kS, c), Contains("does not divide 16"));
}

TEST_CASE("double-tree plan: two trees up then down, pipelined in chunks, both fidelities", "[plan][collective]") {
  CollectiveParams c = defaults_of<CollectiveParams>();
  c.chunk_bytes = 256 * 16;  // S/2 in 8 chunks
  const CollectivePlan plan = plan_collective("allreduce", "double_tree", kN, kS, c);
  REQUIRE(plan.levels.size() == 2);
  CHECK(plan.levels[0].pipelined);
  REQUIRE(plan.levels[0].groups.size() == 2);
  CHECK(plan.levels[0].groups[1].part == 1);
  // Up: a non-leaf position waits for its children's chunk; down: the
  // root's children wait for the root's two up-arrivals, the others for
  // their parent's down-arrival; every chunk after the first follows its
  // edge's previous one (not a dependency: an injection order).
  const int chunks = 8, edges = kN - 1;
  int up = 0;
  for (int pos = 1; pos < kN; ++pos)
    for (int child = 2 * pos + 1; child <= 2 * pos + 2; ++child) up += child < kN;
  const int down = 2 * 2 + (edges - 2);
  const Schedule s = schedule_of(plan);
  CHECK(s.size() == 2 * 2 * edges * chunks);
  CHECK(dependencies(s) == 2 * chunks * (up + down));
  const Both b = run_both(plan);
  CHECK(b.flow.simulated_phases == 2);
  // The same object on another 16-NPU system: on a full mesh every edge has
  // its own link, so the flow level's fluid limit is a drain of S/2 per level
  // plus the depth's latency (4 levels below the root on 16 ranks).
  const Topology mesh = Topology::full_mesh(kN, 100, 200);
  const double fluid_us = flow_collective(mesh, plan).time_us;
  CHECK(fluid_us * 1000 == Approx(2 * (kS / 2 / 100 + 4 * 200)).epsilon(1e-9));
  // Headers and the chunk-by-chunk pipeline fill make the packet level slower.
  CHECK(packet_collective(mesh, defaults_of<PacketParams>(), plan).time_us > fluid_us);
}

TEST_CASE("chain broadcast plan: one pipelined chain, both fidelities", "[plan][collective]") {
  CollectiveParams c = defaults_of<CollectiveParams>();
  c.chunk_bytes = 256 * 32;
  const CollectivePlan plan = plan_collective("broadcast", "ring", kN, kS, c);
  REQUIRE(plan.levels.size() == 1);
  CHECK(plan.levels[0].pipelined);
  const int chunks = int(kS / c.chunk_bytes), hops = kN - 1;
  const Schedule s = schedule_of(plan);
  CHECK(s.size() == chunks * hops);
  CHECK(dependencies(s) == chunks * (hops - 1));  // a hop's chunk after the previous hop's
  const Both b = run_both(plan);
  CHECK(b.flow.time_us * 1000 == Approx(kS / 100 + hops * 400).epsilon(1e-9));
  CHECK(b.flow.busbw_gbps == Approx(b.flow.algbw_gbps));
}

TEST_CASE("MoE direct plan: one list of alike pairs, both fidelities", "[plan][collective]") {
  for (bool combine : {false, true}) {
    const CollectivePlan plan = plan_moe("direct", kN, moe(combine));
    REQUIRE(plan.levels.size() == 1);
    const MessageGroup& g = plan.levels[0].groups[0];
    CHECK(g.alike);
    const std::vector<double> send = moe_send_bytes(kN, moe(combine));
    double remote = 0;
    for (int i = 0; i < kN; ++i)
      for (int j = 0; j < kN; ++j)
        if (i != j) remote += send[size_t(i) * kN + size_t(j)];
    double listed = 0;
    for (const PlanMessage& msg : g.list) listed += msg.bytes;
    CHECK(listed == Approx(remote));
    CHECK(dependencies(schedule_of(plan)) == 0);
    const Both b = run_both(plan);
    CHECK(b.flow.name == (combine ? "moe_combine" : "moe_dispatch"));
  }
}

TEST_CASE("MoE pairwise plan: n-1 list steps of the non-empty pairs, both fidelities", "[plan][collective]") {
  const CollectivePlan plan = plan_moe("pairwise", kN, moe(false));
  REQUIRE(plan.levels.size() == size_t(kN - 1));
  const std::vector<double> send = moe_send_bytes(kN, moe(false));
  int pairs = 0;
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j) pairs += i != j && send[size_t(i) * kN + size_t(j)] > 0;
  CHECK(schedule_of(plan).size() == pairs);
  const Both b = run_both(plan);
  CHECK(b.packet.phases == kN - 1);
  CHECK_THROWS_WITH(plan_moe("ring", kN, moe(false)), Contains("available: direct, pairwise"));
}

TEST_CASE("plans stay compact at SuperCluster scale and refuse a run of another size", "[plan][collective]") {
  // A 524,288-rank hierarchical all-reduce and a 15,488-rank all-to-all are
  // a handful of groups, not messages.
  CollectiveParams c = defaults_of<CollectiveParams>();
  c.group = 8192;
  const CollectivePlan big = plan_collective("allreduce", "hierarchical", 524288, 1e9, c);
  REQUIRE(big.levels.size() == 3);
  for (const PlanLevel& l : big.levels) {
    REQUIRE(l.groups.size() == 1);
    CHECK(l.groups[0].list.empty());
  }
  CHECK(big.phases() == 2 * (8192 - 1) + 2 * (64 - 1));
  const CollectivePlan a2a = plan_collective("alltoall", "direct", 15488, 1e9);
  CHECK(a2a.levels[0].groups[0].pattern == MessageGroup::Pattern::all_pairs);
  const CollectivePlan eight = plan_collective("allreduce", "ring", 8, kS);
  CHECK_THROWS_WITH(flow_collective(star(), eight), Contains("the plan is for 8 ranks, the run has 16"));
  CHECK_THROWS_WITH(packet_collective(star(), defaults_of<PacketParams>(), eight), Contains("the plan is for 8 ranks"));
  CHECK_THROWS_WITH(plan_collective("allgather", "double_tree", kN, kS), Contains("available: ring, direct"));
}
