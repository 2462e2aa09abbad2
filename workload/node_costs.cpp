#include "workload/node_costs.hpp"

#include <algorithm>
#include <map>

namespace npusim::workload {

json op_job_of(const GraphNode& n, const RankChip& chip, const std::string& fidelity) {
  json job = n.op;
  job["kind"] = "op";
  job["op"] = to_string(n.type);
  job["chip"] = chip.spec;
  job["fidelity"] = fidelity;
  return job;
}

namespace {

std::string node_where(const OpGraph& g, const GraphNode& n) {
  return g.source + (n.line > 0 ? ":" + std::to_string(n.line) : std::string()) + ": node " + std::to_string(n.id);
}

double roofline_ns(const OpGraph& g, const GraphNode& n, const RankChip& chip) {
  const double peak_tflops = chip.resolved.chip.peak_tflops(n.dtype.empty() ? "bf16" : n.dtype);
  if (!(peak_tflops > 0))
    throw ConfigError(node_where(g, n) + ": dtype: chip '" + chip.name + "' has no compute rate for '" + n.dtype +
                      "'");
  const double compute = n.flops / (peak_tflops * 1e3);  // TFLOPS = 1e3 flop/ns
  const double memory = n.bytes / chip.resolved.memory.peak_bandwidth_gbps();
  return std::max(compute, memory);
}

double memcpy_ns(const GraphNode& n, const RankChip& chip, const CostOptions& o) {
  if (n.from == MemPlace::Hbm && n.to == MemPlace::Hbm)
    return 2 * n.bytes / chip.resolved.memory.peak_bandwidth_gbps();  // read and write the same HBM
  return n.bytes / o.host_link_gbps;
}

}  // namespace

std::vector<double> node_costs(const OpGraph& g, const RankChips& chips, const CostOptions& o, OpCache& cache) {
  // Every distinct (chip, op) first, so cycle-level misses run in parallel;
  // nodes refer to it by index (a full key holds the whole chip config).
  std::map<std::pair<int, std::string>, size_t> index;
  std::vector<std::pair<std::string, json>> distinct;
  std::vector<size_t> of(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& n = g.nodes[i];
    if (!is_compute(n.type)) continue;
    json op = n.op;
    op["op"] = to_string(n.type);
    auto [it, fresh] = index.insert({{chips.index(n.rank), op.dump()}, distinct.size()});
    if (fresh) {
      const RankChip& chip = chips.of(n.rank);
      distinct.emplace_back(OpCache::key_of(chip.key, op, o.fidelity), op_job_of(n, chip, o.fidelity));
    }
    of[i] = it->second;
  }
  cache.prefetch(distinct);
  // One lookup per distinct op; its other uses are hits.
  std::vector<double> op_ns(distinct.size());
  std::vector<uint64_t> uses(distinct.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (is_compute(g.nodes[i].type)) ++uses[of[i]];
  for (size_t d = 0; d < distinct.size(); ++d) {
    op_ns[d] = cache.get(distinct[d].first, distinct[d].second).time_ns;
    cache.count_hits(uses[d] - 1);
  }
  std::vector<double> ns(g.nodes.size(), 0.0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& n = g.nodes[i];
    const RankChip& chip = chips.of(n.rank);
    const double slow = o.slowdown.empty() ? 1.0 : o.slowdown[size_t(n.rank)];
    if (is_compute(n.type)) {
      ns[i] = op_ns[of[i]] * slow;
    } else if (n.type == NodeType::Roofline) {
      ns[i] = roofline_ns(g, n, chip) * slow;
    } else if (n.type == NodeType::Memcpy && n.peer < 0) {
      ns[i] = memcpy_ns(n, chip, o);
    } else if (n.type == NodeType::Delay) {
      ns[i] = n.ns;
    }
  }
  return ns;
}

}  // namespace npusim::workload
