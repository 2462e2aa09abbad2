// The flow level's run of a CollectivePlan (collectives_flow.hpp): level by
// level, each level one FlowModel run.
#include "noc/collectives_flow.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace npusim::noc {

namespace {

// Alike messages (an all-to-all-v): one flow group per (path length, size).
// Members of a group move at one per-flow rate (FlowGroup), so the fluid
// model handles n^2 pairs with a few groups: exact when members are
// interchangeable under the topology's symmetry (a Clos with full groups),
// the group's slowest member's pace otherwise.
void add_alike(FlowModel& m, const Topology& t, const std::vector<PlanMessage>& list, const std::vector<int>& ranks,
               double start_ns, std::vector<int>* ids) {
  struct Pool {
    std::map<int, double> links;  // link -> summed fraction
    double members = 0, latency = 0;
  };
  std::map<std::pair<long, double>, Pool> pools;
  for (const PlanMessage& msg : list) {
    const std::vector<LinkShare> path = t.route(ranks[size_t(msg.src)], ranks[size_t(msg.dst)]);
    double hops = 0, lat = 0;
    for (const auto& ls : path) {
      hops += ls.fraction;
      lat += ls.fraction * t.link(ls.link).latency_ns;
    }
    Pool& p = pools[{std::lround(hops * 1000), msg.bytes}];
    for (const auto& ls : path) p.links[ls.link] += ls.fraction;
    p.members += 1;
    p.latency += lat;
  }
  for (const auto& [key, p] : pools) {
    FlowGroup g;
    for (const auto& [l, f] : p.links) g.links.push_back({l, f});
    g.multiplicity = p.members;
    g.bytes = key.second;
    g.latency_ns = p.latency / p.members;
    g.start_ns = start_ns;
    const int id = m.add_group(std::move(g));
    if (ids) ids->push_back(id);
  }
}

}  // namespace

bool add_step_flows(FlowModel& m, const Topology& t, const PlanLevel& level, const std::vector<int>& ranks,
                    double start_ns, std::vector<int>* ids) {
  const int n = static_cast<int>(ranks.size());
  bool any = false;
  for (const MessageGroup& g : level.groups) {
    if (g.pattern == MessageGroup::Pattern::all_pairs) {
      const std::vector<int> added = m.add_all_to_all(ranks, g.bytes, start_ns);
      if (ids) ids->insert(ids->end(), added.begin(), added.end());
      any = true;
    } else if (g.pattern == MessageGroup::Pattern::list && g.alike) {
      add_alike(m, t, g.list, ranks, start_ns, ids);
      any = any || !g.list.empty();
    } else {
      for_each_message(g, n, [&](int s, int d, double b) {
        const int id = m.add_flow(ranks[size_t(s)], ranks[size_t(d)], b, start_ns);
        if (ids) ids->push_back(id);
        any = true;
      });
    }
  }
  return any;
}

namespace {

// The latency of the longest chain of messages in a pipelined level, a
// message following every message of its part that reaches its sender.
// ProtocolError on a cycle (a plan bug).
double chain_latency(const std::vector<PlanMessage>& msgs, const std::vector<int>& part,
                     const std::vector<double>& latency, int n, const std::string& what) {
  const size_t count = msgs.size();
  int parts = 0;
  for (int p : part) parts = std::max(parts, p + 1);
  // Messages by (part, sending rank): the successors of a message into that rank.
  std::vector<int> first(size_t(parts) * size_t(n) + 1, 0), by_src(count);
  auto key = [&](size_t i, int rank) { return size_t(part[i]) * size_t(n) + size_t(rank); };
  for (size_t i = 0; i < count; ++i) ++first[key(i, msgs[i].src) + 1];
  for (size_t k = 1; k < first.size(); ++k) first[k] += first[k - 1];
  std::vector<int> fill(first.begin(), first.end() - 1);
  for (size_t i = 0; i < count; ++i) by_src[size_t(fill[key(i, msgs[i].src)]++)] = int(i);
  std::vector<int> waits(count, 0);
  for (size_t i = 0; i < count; ++i)
    for (int k = first[key(i, msgs[i].dst)]; k < first[key(i, msgs[i].dst) + 1]; ++k) ++waits[size_t(by_src[size_t(k)])];
  std::vector<double> reach(count, 0.0);  // longest chain ending with message i
  std::vector<int> ready;
  for (size_t i = 0; i < count; ++i)
    if (waits[i] == 0) ready.push_back(int(i));
  size_t done = 0;
  double longest = 0;
  while (!ready.empty()) {
    const size_t i = size_t(ready.back());
    ready.pop_back();
    ++done;
    reach[i] += latency[i];
    longest = std::max(longest, reach[i]);
    for (int k = first[key(i, msgs[i].dst)]; k < first[key(i, msgs[i].dst) + 1]; ++k) {
      const size_t j = size_t(by_src[size_t(k)]);
      reach[j] = std::max(reach[j], reach[i]);
      if (--waits[j] == 0) ready.push_back(int(j));
    }
  }
  if (done != count) throw ProtocolError("flow " + what + ": a pipelined level's messages wait on each other in a cycle");
  return longest;
}

}  // namespace

PipelinedFlows add_pipelined_flows(FlowModel& m, const PlanLevel& level, const std::vector<int>& ranks,
                                   double start_ns) {
  const int n = static_cast<int>(ranks.size());
  PipelinedFlows p;
  for (const MessageGroup& g : level.groups)
    for_each_message(g, n, [&](int s, int d, double b) {
      p.msgs.push_back({s, d, b});
      p.part.push_back(g.part);
      p.ids.push_back(m.add_flow(ranks[size_t(s)], ranks[size_t(d)], b, start_ns));
    });
  return p;
}

double pipelined_level_end(const FlowModel& m, const PipelinedFlows& p, int n, const std::string& what) {
  double drain = 0;
  std::vector<double> latency(p.msgs.size());
  for (size_t i = 0; i < p.msgs.size(); ++i) {
    latency[i] = m.group(p.ids[i]).latency_ns;
    drain = std::max(drain, m.finish_ns(p.ids[i]) - latency[i]);
  }
  return drain + chain_latency(p.msgs, p.part, latency, n, what);
}

namespace {

// A pipelined level in the fluid limit, alone on the fabric from time 0.
double add_and_run_pipelined(FlowModel& m, const PlanLevel& level, const std::vector<int>& ranks,
                             const std::string& what) {
  const PipelinedFlows p = add_pipelined_flows(m, level, ranks, 0.0);
  if (p.msgs.empty()) return -1;
  m.run();
  return pipelined_level_end(m, p, static_cast<int>(ranks.size()), what);
}

}  // namespace

CollectiveResult flow_collective(const Topology& t, const CollectivePlan& plan, std::vector<int> ranks) {
  ranks = plan_ranks(t, std::move(ranks), plan);
  const std::string what = plan.op + " (" + plan.algo + ")";
  // Each distinct level is simulated once and weighted by how many steps
  // it stands for (its repeats, later identical levels, plan.times).
  const size_t count = plan.levels.size();
  std::vector<size_t> same(count);
  std::vector<double> weight(count, 0.0);
  for (size_t i = 0; i < count; ++i) {
    same[i] = i;
    for (size_t j = 0; j < i && same[i] == i; ++j)
      if (same[j] == j && plan.levels[j].same_traffic(plan.levels[i])) same[i] = j;
    const PlanLevel& l = plan.levels[i];
    weight[same[i]] += double(l.pipelined ? 1 : l.repeat) * plan.times;
  }
  std::vector<double> link_bytes(size_t(t.num_links()), 0.0);
  double time_ns = 0;
  int simulated = 0;
  for (size_t i = 0; i < count; ++i) {
    if (same[i] != i) continue;
    const PlanLevel& level = plan.levels[i];
    FlowModel m(t);
    double ns;
    if (level.pipelined) {
      ns = add_and_run_pipelined(m, level, ranks, what);
      if (ns < 0) continue;
    } else {
      if (!add_step_flows(m, t, level, ranks, 0.0)) continue;  // an all-to-all-v step with no pairs
      m.run();
      ns = m.max_finish_ns();
    }
    ++simulated;
    time_ns += ns * weight[i];
    for (size_t l = 0; l < link_bytes.size(); ++l) link_bytes[l] += m.link_bytes()[l] * weight[i];
  }
  return collective_result(t, plan, time_ns, link_bytes, simulated);
}

CollectiveResult flow_collective(const Topology& t, const std::string& op, const std::string& algo, double bytes,
                                 std::vector<int> ranks, const CollectiveParams& c) {
  const std::vector<std::string>& algos = collective_algorithms(op);
  if (op.rfind("moe_", 0) == 0 || std::find(algos.begin(), algos.end(), algo) == algos.end())
    throw ConfigError(unsupported_algorithm(op, algo, "flow"));
  ranks = collective_ranks(t, std::move(ranks), op);
  const CollectivePlan plan = plan_collective(op, algo, static_cast<int>(ranks.size()), bytes, c);
  return flow_collective(t, plan, std::move(ranks));
}

CollectiveResult flow_moe(const Topology& t, const MoeTraffic& m, std::vector<int> ranks, const std::string& algo) {
  const std::string op = m.combine ? "moe_combine" : "moe_dispatch";
  if (algo != "direct" && algo != "pairwise") throw ConfigError(unsupported_algorithm(op, algo, "flow"));
  ranks = collective_ranks(t, std::move(ranks), "moe");
  const CollectivePlan plan = plan_moe(algo, static_cast<int>(ranks.size()), m);
  return flow_collective(t, plan, std::move(ranks));
}

CollectiveResult ring_allreduce(const Topology& t, double bytes, std::vector<int> ranks) {
  return flow_collective(t, "allreduce", "ring", bytes, std::move(ranks));
}

CollectiveResult ring_allgather(const Topology& t, double bytes, std::vector<int> ranks) {
  return flow_collective(t, "allgather", "ring", bytes, std::move(ranks));
}

CollectiveResult ring_reduce_scatter(const Topology& t, double bytes, std::vector<int> ranks) {
  return flow_collective(t, "reducescatter", "ring", bytes, std::move(ranks));
}

CollectiveResult alltoall(const Topology& t, double bytes, std::vector<int> ranks) {
  return flow_collective(t, "alltoall", "direct", bytes, std::move(ranks));
}

CollectiveResult direct_collective(const Topology& t, const std::string& op, double bytes, std::vector<int> ranks) {
  return flow_collective(t, op, "direct", bytes, std::move(ranks));
}

CollectiveResult pairwise_alltoall(const Topology& t, double bytes, std::vector<int> ranks) {
  return flow_collective(t, "alltoall", "pairwise", bytes, std::move(ranks));
}

CollectiveResult halving_doubling_allreduce(const Topology& t, double bytes, std::vector<int> ranks) {
  return flow_collective(t, "allreduce", "halving_doubling", bytes, std::move(ranks));
}

CollectiveResult hierarchical_allreduce(const Topology& t, double bytes, int group, std::vector<int> ranks) {
  CollectiveParams c = defaults_of<CollectiveParams>();
  c.group = group;
  return flow_collective(t, "allreduce", "hierarchical", bytes, std::move(ranks), c);
}

CollectiveResult double_tree_allreduce(const Topology& t, double bytes, std::vector<int> ranks) {
  return flow_collective(t, "allreduce", "double_tree", bytes, std::move(ranks));
}

CollectiveResult broadcast(const Topology& t, double bytes, std::vector<int> ranks) {
  return flow_collective(t, "broadcast", "ring", bytes, std::move(ranks));
}

CollectiveResult moe_alltoallv(const Topology& t, const MoeTraffic& m, std::vector<int> ranks) {
  return flow_moe(t, m, std::move(ranks), "direct");
}

CollectiveResult moe_pairwise(const Topology& t, const MoeTraffic& m, std::vector<int> ranks) {
  return flow_moe(t, m, std::move(ranks), "pairwise");
}

}  // namespace npusim::noc
