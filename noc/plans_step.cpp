// Step-by-step algorithms as plans (collective_plan.hpp): ring, direct,
// pairwise, halving-doubling, hierarchical and the MoE all-to-all-v. Each
// step is one message group, however many ranks.
#include <string>

#include "noc/collective_plan.hpp"
#include "sim/errors.hpp"

namespace npusim::noc {

namespace {

CollectivePlan plan_of(const char* algo, int n, double bytes) {
  CollectivePlan p;
  p.algo = algo;
  p.ranks = n;
  p.bytes = bytes;
  return p;
}

PlanLevel step(MessageGroup g, int repeat = 1) {
  PlanLevel l;
  l.groups.push_back(std::move(g));
  l.repeat = repeat;
  return l;
}

}  // namespace

CollectivePlan ring_plan(int n, int steps, double bytes) {
  CollectivePlan p = plan_of("ring", n, bytes);
  p.levels.push_back(step(MessageGroup::shift(1, n, bytes / n), steps));
  return p;
}

CollectivePlan direct_plan(int n, double bytes) {
  CollectivePlan p = plan_of("direct", n, bytes);
  p.levels.push_back(step(MessageGroup::all_pairs(bytes / n)));
  p.levels.back().after_recv = false;
  return p;
}

CollectivePlan pairwise_plan(int n, double bytes) {
  if (n > 1024)
    throw ConfigError("alltoall --algo pairwise: " + std::to_string(n) +
                      " ranks; expected at most 1024 (one flow run per step; use direct)");
  CollectivePlan p = plan_of("pairwise", n, bytes);
  for (int k = 1; k < n; ++k) {
    p.levels.push_back(step(MessageGroup::shift(k, n, bytes / n)));
    p.levels.back().after_send = true;
  }
  return p;
}

CollectivePlan halving_doubling_plan(int n, double bytes) {
  if (n & (n - 1))
    throw ConfigError("allreduce --algo halving_doubling: " + std::to_string(n) +
                      " ranks; expected a power of two (use ring or hierarchical)");
  // Either way a step moves `distance` blocks of S/n: halving step k
  // carries S/2^k (distance n/2^k), doubling with distance d carries d S/n.
  CollectivePlan p = plan_of("halving_doubling", n, bytes);
  for (int d = n / 2; d >= 1; d /= 2) p.levels.push_back(step(MessageGroup::exchange(d, bytes / n * d)));
  for (int d = 1; d < n; d *= 2) p.levels.push_back(step(MessageGroup::exchange(d, bytes / n * d)));
  return p;
}

CollectivePlan hierarchical_plan(int n, int g, double bytes) {
  if (g < 1 || n % g != 0)
    throw ConfigError("allreduce --algo hierarchical: group " + std::to_string(g) + " does not divide " +
                      std::to_string(n) + " ranks; expected a divisor (e.g. the NPUs per server)");
  const int m = n / g;
  CollectivePlan p = plan_of("hierarchical", n, bytes);
  // Reduce-scatter in the group: rank i ends with one reduced shard.
  if (g > 1) p.levels.push_back(step(MessageGroup::shift(1, g, bytes / g), g - 1));
  if (m > 1) {
    // One ring all-reduce per shard across the groups; every step adds the
    // rank's own shard, so it also waits for its reduce-scatter.
    p.levels.push_back(step(MessageGroup::shift(g, n, bytes / g / m), 2 * (m - 1)));
    p.levels.back().hold_entry = true;
  }
  if (g > 1) p.levels.push_back(step(MessageGroup::shift(1, g, bytes / g), g - 1));  // all-gather of the shards
  return p;
}

CollectivePlan moe_direct_plan(int n, const MoeTraffic& mt) {
  if (n > 1024)
    throw ConfigError("moe: " + std::to_string(n) + " ranks; expected at most 1024 (one flow per rank pair)");
  const std::vector<double> count = moe_token_counts(n, mt);
  double routed = 0;  // local tokens included: S is what a rank routes
  for (double c : count) routed += c * mt.token_bytes;
  MessageGroup g;
  g.alike = true;
  // Rank src's pairs in turn (src, src+1, ...); combine sends them back.
  for (int src = 0; src < n; ++src)
    for (int k = 1; k < n; ++k) {
      const int d = (src + k) % n;
      const double b = count[size_t(src) * size_t(n) + size_t(d)] * mt.token_bytes;
      if (b <= 0) continue;
      g.list.push_back(mt.combine ? PlanMessage{d, src, b} : PlanMessage{src, d, b});
    }
  CollectivePlan p = plan_of("direct", n, routed / n);
  p.levels.push_back(step(std::move(g)));
  p.levels.back().after_recv = false;
  return p;
}

CollectivePlan moe_pairwise_plan(int n, const MoeTraffic& mt) {
  if (n > 1024)
    throw ConfigError("moe --algo pairwise: " + std::to_string(n) +
                      " ranks; expected at most 1024 (one flow run per step; use direct)");
  const std::vector<double> send = moe_send_bytes(n, mt);
  double routed = 0;
  for (double b : send) routed += b;
  CollectivePlan p = plan_of("pairwise", n, routed / n);
  for (int k = 1; k < n; ++k) {
    MessageGroup g;
    for (int i = 0; i < n; ++i) {
      const double b = send[size_t(i) * size_t(n) + size_t((i + k) % n)];
      if (b > 0) g.list.push_back({i, (i + k) % n, b});
    }
    p.levels.push_back(step(std::move(g)));
    p.levels.back().after_send = true;
  }
  return p;
}

}  // namespace npusim::noc
