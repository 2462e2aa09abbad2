#include "noc/collective_plan.hpp"

#include <algorithm>

#include "sim/errors.hpp"

namespace npusim::noc {

MessageGroup MessageGroup::shift(int k, int block, double bytes) {
  MessageGroup g;
  g.pattern = Pattern::shift;
  g.k = k;
  g.block = block;
  g.bytes = bytes;
  return g;
}

MessageGroup MessageGroup::exchange(int k, double bytes) {
  MessageGroup g;
  g.pattern = Pattern::exchange;
  g.k = k;
  g.bytes = bytes;
  return g;
}

MessageGroup MessageGroup::all_pairs(double bytes) {
  MessageGroup g;
  g.pattern = Pattern::all_pairs;
  g.bytes = bytes;
  return g;
}

bool MessageGroup::operator==(const MessageGroup& o) const {
  if (pattern != o.pattern || k != o.k || block != o.block || bytes != o.bytes || alike != o.alike ||
      part != o.part || list.size() != o.list.size())
    return false;
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i].src != o.list[i].src || list[i].dst != o.list[i].dst || list[i].bytes != o.list[i].bytes)
      return false;
  return true;
}

int CollectivePlan::phases() const {
  int steps = 0;
  for (const PlanLevel& l : levels) steps += l.pipelined ? 1 : l.repeat;
  return times * steps;
}

CollectivePlan plan_collective(const std::string& op, const std::string& algo, int n, double bytes,
                               const CollectiveParams& c) {
  const std::vector<std::string>& algos = collective_algorithms(op);
  if (op.rfind("moe_", 0) == 0 || std::find(algos.begin(), algos.end(), algo) == algos.end())
    throw ConfigError(unsupported_algorithm(op, algo, "flow or packet"));
  if (n < 2) throw ConfigError(op + ": needs at least 2 ranks");
  CollectivePlan p;
  if (op == "broadcast") p = chain_broadcast_plan(n, bytes, c.chunk_bytes);
  else if (algo == "ring") p = ring_plan(n, (op == "allreduce" ? 2 : 1) * (n - 1), bytes);
  else if (algo == "direct") p = direct_plan(n, bytes);
  else if (algo == "pairwise") p = pairwise_plan(n, bytes);
  else if (algo == "halving_doubling") p = halving_doubling_plan(n, bytes);
  else if (algo == "hierarchical") p = hierarchical_plan(n, c.group, bytes);
  else p = double_tree_plan(n, bytes, c.chunk_bytes);
  p.op = op;
  p.algo = algo;
  // A direct all-reduce is a reduce-scatter phase then an identical
  // all-gather phase: run once, counted twice.
  if (algo == "direct" && op == "allreduce") p.times = 2;
  p.bus_factor = op == "allreduce" ? 2.0 * (n - 1) / n : op == "broadcast" ? 1.0 : double(n - 1) / n;
  return p;
}

CollectivePlan plan_moe(const std::string& algo, int n, const MoeTraffic& m) {
  const std::string op = m.combine ? "moe_combine" : "moe_dispatch";
  if (algo != "direct" && algo != "pairwise") throw ConfigError(unsupported_algorithm(op, algo, "flow or packet"));
  if (n < 2) throw ConfigError(op + ": needs at least 2 ranks");
  CollectivePlan p = algo == "pairwise" ? moe_pairwise_plan(n, m) : moe_direct_plan(n, m);
  p.op = op;
  p.bus_factor = double(n - 1) / n;
  return p;
}

}  // namespace npusim::noc
