// What both fidelities report about a collective run: ranks checked, tier
// and plane loads, and the nccl-tests bandwidth figures (collectives_flow.hpp).
#include <algorithm>
#include <deque>

#include "noc/collectives_flow.hpp"

namespace npusim::noc {

std::vector<int> link_tiers(const Topology& t) {
  std::vector<int> dist(size_t(t.num_nodes()), -1);
  std::deque<int> q;
  for (int e : t.endpoints()) {
    dist[size_t(e)] = 0;
    q.push_back(e);
  }
  while (!q.empty()) {
    const int n = q.front();
    q.pop_front();
    for (int l : t.out_links(n)) {
      const int d = t.link(l).dst;
      if (dist[size_t(d)] < 0) {
        dist[size_t(d)] = dist[size_t(n)] + 1;
        q.push_back(d);
      }
    }
  }
  std::vector<int> tier(size_t(t.num_links()));
  for (int l = 0; l < t.num_links(); ++l)
    tier[size_t(l)] = std::max(1, std::max(dist[size_t(t.link(l).src)], dist[size_t(t.link(l).dst)]));
  return tier;
}

std::vector<PlaneUse> plane_use(const Topology& t, const std::vector<double>& link_bytes, double time_ns) {
  std::vector<PlaneUse> all(size_t(t.num_planes()));
  for (size_t l = 0; l < link_bytes.size(); ++l) {
    PlaneUse& u = all[size_t(t.link_plane(int(l)))];
    ++u.links;
    u.bytes += link_bytes[l];
    u.capacity_gbps += t.link(int(l)).bandwidth_gbps;
  }
  std::vector<PlaneUse> out;
  for (int p = 0; p < t.num_planes(); ++p) {
    PlaneUse u = all[size_t(p)];
    if (u.links == 0) continue;
    u.plane = t.plane_name(p);
    u.utilization = time_ns > 0 ? u.bytes / (u.capacity_gbps * time_ns) : 0.0;
    out.push_back(u);
  }
  return out;
}

std::vector<TierUse> tier_use(const Topology& t, const std::vector<double>& link_bytes, double time_ns) {
  const std::vector<int> tier = link_tiers(t);
  std::vector<TierUse> out;
  for (size_t l = 0; l < link_bytes.size(); ++l) {
    const int k = tier[l];
    if (out.size() < size_t(k)) out.resize(size_t(k));
    TierUse& u = out[size_t(k - 1)];
    u.tier = k;
    ++u.links;
    u.bytes += link_bytes[l];
    u.capacity_gbps += t.link(int(l)).bandwidth_gbps;
  }
  for (auto& u : out)
    u.utilization = time_ns > 0 && u.capacity_gbps > 0 ? u.bytes / (u.capacity_gbps * time_ns) : 0.0;
  return out;
}

std::vector<int> collective_ranks(const Topology& t, std::vector<int> ranks, const std::string& what) {
  if (ranks.empty()) ranks = t.endpoints();
  if (ranks.size() < 2) throw ConfigError(what + ": needs at least 2 ranks");
  for (int r : ranks)
    if (r < 0 || r >= t.num_nodes() || t.node(r).kind != NodeKind::Npu)
      throw ConfigError(what + ": rank " + std::to_string(r) + " is not an npu node");
  return ranks;
}

std::vector<int> plan_ranks(const Topology& t, std::vector<int> ranks, const CollectivePlan& plan) {
  ranks = collective_ranks(t, std::move(ranks), plan.op);
  if (ranks.size() != size_t(plan.ranks))
    throw ConfigError(plan.op + " (" + plan.algo + "): the plan is for " + std::to_string(plan.ranks) +
                      " ranks, the run has " + std::to_string(ranks.size()));
  return ranks;
}

CollectiveResult collective_result(const Topology& t, const CollectivePlan& plan, double time_ns,
                                   const std::vector<double>& link_bytes, int simulated) {
  CollectiveResult r;
  r.name = plan.op;
  r.algo = plan.algo;
  r.ranks = plan.ranks;
  r.bytes = plan.bytes;
  r.time_us = time_ns / 1000.0;
  r.algbw_gbps = time_ns > 0 ? plan.bytes / time_ns : 0;  // bytes/ns == GB/s
  r.busbw_gbps = r.algbw_gbps * plan.bus_factor;
  r.phases = plan.phases();
  r.simulated_phases = simulated;
  r.tiers = tier_use(t, link_bytes, time_ns);
  r.planes = plane_use(t, link_bytes, time_ns);
  return r;
}

}  // namespace npusim::noc
