#include "noc/collectives_flow.hpp"

namespace npusim::noc {

namespace {

std::vector<int> resolve(const Topology& t, std::vector<int> ranks, const char* what) {
  if (ranks.empty()) ranks = t.endpoints();
  if (ranks.size() < 2) throw ConfigError(std::string(what) + ": needs at least 2 ranks");
  for (int r : ranks)
    if (r < 0 || r >= t.num_nodes() || t.node(r).kind != NodeKind::Npu)
      throw ConfigError(std::string(what) + ": rank " + std::to_string(r) + " is not an npu node");
  return ranks;
}

CollectiveResult finish(const char* name, int n, double bytes, double time_ns, double factor, int phases,
                        int simulated) {
  CollectiveResult r;
  r.name = name;
  r.ranks = n;
  r.bytes = bytes;
  r.time_us = time_ns / 1000.0;
  r.algbw_gbps = time_ns > 0 ? bytes / time_ns : 0;  // bytes/ns == GB/s
  r.busbw_gbps = r.algbw_gbps * factor;
  r.phases = phases;
  r.simulated_phases = simulated;
  return r;
}

// Duration of one ring step: every rank sends `chunk` bytes to its successor.
double ring_step_ns(const Topology& t, const std::vector<int>& ranks, double chunk) {
  FlowModel m(t);
  const size_t n = ranks.size();
  for (size_t i = 0; i < n; ++i) m.add_flow(ranks[i], ranks[(i + 1) % n], chunk, 0.0);
  m.run();
  return m.max_finish_ns();
}

CollectiveResult ring(const char* name, const Topology& t, double bytes, std::vector<int> ranks, int steps_per_n,
                      double factor) {
  ranks = resolve(t, std::move(ranks), name);
  const int n = static_cast<int>(ranks.size());
  const int steps = steps_per_n * (n - 1);
  double step = ring_step_ns(t, ranks, bytes / n);
  return finish(name, n, bytes, step * steps, factor, steps, 1);
}

}  // namespace

CollectiveResult ring_allreduce(const Topology& t, double bytes, std::vector<int> ranks) {
  // Reduce-scatter then all-gather: 2(n-1) steps of S/n.
  size_t n = ranks.empty() ? t.endpoints().size() : ranks.size();
  return ring("allreduce", t, bytes, std::move(ranks), 2, 2.0 * (n - 1) / n);
}

CollectiveResult ring_allgather(const Topology& t, double bytes, std::vector<int> ranks) {
  size_t n = ranks.empty() ? t.endpoints().size() : ranks.size();
  return ring("allgather", t, bytes, std::move(ranks), 1, double(n - 1) / n);
}

CollectiveResult ring_reduce_scatter(const Topology& t, double bytes, std::vector<int> ranks) {
  size_t n = ranks.empty() ? t.endpoints().size() : ranks.size();
  return ring("reducescatter", t, bytes, std::move(ranks), 1, double(n - 1) / n);
}

CollectiveResult alltoall(const Topology& t, double bytes, std::vector<int> ranks) {
  ranks = resolve(t, std::move(ranks), "alltoall");
  const int n = static_cast<int>(ranks.size());
  FlowModel m(t);
  m.add_all_to_all(ranks, bytes / n, 0.0);
  m.run();
  return finish("alltoall", n, bytes, m.max_finish_ns(), double(n - 1) / n, 1, 1);
}

}  // namespace npusim::noc
