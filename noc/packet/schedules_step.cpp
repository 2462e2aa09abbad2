// Step-by-step algorithms as message graphs (collective_schedule.hpp): ring,
// direct, pairwise, halving-doubling, hierarchical. Message ids are
// step-major (step * n + rank), so a dependency is one index computation.
#include <algorithm>
#include <cmath>

#include "noc/packet/collective_schedule.hpp"

namespace npusim::noc {

Schedule ring_schedule(int n, int steps, uint64_t chunk) {
  Schedule s;
  for (int st = 0; st < steps; ++st)
    for (int i = 0; i < n; ++i) {
      const int id = s.add(i, (i + 1) % n, chunk);
      if (st > 0) s.after(id, (st - 1) * n + (i + n - 1) % n);  // the predecessor's previous step reached i
    }
  return s;
}

Schedule direct_schedule(int n, uint64_t chunk) {
  Schedule s;
  for (int i = 0; i < n; ++i)
    for (int k = 1; k < n; ++k) s.add(i, (i + k) % n, chunk);
  return s;
}

Schedule pairwise_schedule(int n, uint64_t chunk) {
  Schedule s;
  for (int k = 1; k < n; ++k)
    for (int i = 0; i < n; ++i) {
      const int id = s.add(i, (i + k) % n, chunk);
      if (k == 1) continue;
      const int prev = (k - 2) * n;
      s.after(id, prev + i);                       // own step k-1 send delivered
      s.after(id, prev + (i - (k - 1) + n) % n);  // step k-1 receive arrived (from i-k+1)
    }
  return s;
}

Schedule pairwise_v_schedule(int n, const std::vector<double>& bytes) {
  Schedule s;
  std::vector<int> last_send(size_t(n), -1), last_recv(size_t(n), -1), step_recv(size_t(n), -1);
  for (int k = 1; k < n; ++k) {
    std::fill(step_recv.begin(), step_recv.end(), -1);
    for (int i = 0; i < n; ++i) {
      const int j = (i + k) % n;
      const double b = bytes[size_t(i) * size_t(n) + size_t(j)];
      if (b <= 0) continue;
      const int id = s.add(i, j, uint64_t(std::ceil(b)));
      if (last_send[size_t(i)] >= 0) s.after(id, last_send[size_t(i)]);
      if (last_recv[size_t(i)] >= 0) s.after(id, last_recv[size_t(i)]);
      last_send[size_t(i)] = id;
      step_recv[size_t(j)] = id;
    }
    // Receives of this step gate the next one, not this one.
    for (int i = 0; i < n; ++i)
      if (step_recv[size_t(i)] >= 0) last_recv[size_t(i)] = step_recv[size_t(i)];
  }
  return s;
}

Schedule halving_doubling_schedule(int n, uint64_t chunk) {
  int levels = 0;
  while ((1 << levels) < n) ++levels;
  std::vector<int> dist;                                     // partner distance per step
  for (int k = 1; k <= levels; ++k) dist.push_back(n >> k);  // halving: farthest first, S/2, S/4, ...
  for (int d = 1; d < n; d *= 2) dist.push_back(d);          // doubling: S/n, 2S/n, ...
  Schedule s;
  for (size_t st = 0; st < dist.size(); ++st) {
    // Either way a step moves `distance` blocks: halving step k carries
    // S/2^k = chunk x n/2^k, doubling with distance d carries chunk x d.
    for (int i = 0; i < n; ++i) {
      const int id = s.add(i, i ^ dist[st], chunk * uint64_t(dist[st]));
      if (st > 0) s.after(id, int(st - 1) * n + (i ^ dist[st - 1]));  // the partner's previous step reached i
    }
  }
  return s;
}

Schedule hierarchical_schedule(int n, int g, double bytes) {
  const int m = n / g;
  const uint64_t intra = uint64_t(std::ceil(bytes / g)), inter = uint64_t(std::ceil(bytes / g / m));
  auto next_in_group = [&](int i) { return i / g * g + (i % g + 1) % g; };
  auto prev_in_group = [&](int i) { return i / g * g + (i % g + g - 1) % g; };
  Schedule s;
  // done[i]: the message whose delivery completes rank i's previous phase (-1: none yet).
  std::vector<int> done(size_t(n), -1);
  auto group_ring = [&](int steps) {  // a ring inside every group, entered after `done`
    const int base = s.size();
    for (int st = 0; st < steps; ++st)
      for (int i = 0; i < n; ++i) {
        const int id = s.add(i, next_in_group(i), intra);
        if (st > 0) s.after(id, base + (st - 1) * n + prev_in_group(i));
        else if (done[size_t(i)] >= 0) s.after(id, done[size_t(i)]);
      }
    for (int i = 0; i < n; ++i) done[size_t(i)] = base + (steps - 1) * n + prev_in_group(i);
  };
  if (g > 1) group_ring(g - 1);  // reduce-scatter: rank i ends with one reduced shard of its group
  if (m > 1) {
    // One ring all-reduce per shard across the groups (rank i -> i + g). Every
    // step needs the rank's own reduce-scatter done: it adds its shard.
    const int base = s.size(), steps = 2 * (m - 1);
    const std::vector<int> own = done;
    for (int st = 0; st < steps; ++st)
      for (int i = 0; i < n; ++i) {
        const int id = s.add(i, (i + g) % n, inter);
        if (own[size_t(i)] >= 0) s.after(id, own[size_t(i)]);
        if (st > 0) s.after(id, base + (st - 1) * n + (i - g + n) % n);
      }
    for (int i = 0; i < n; ++i) done[size_t(i)] = base + (steps - 1) * n + (i - g + n) % n;
  }
  if (g > 1) group_ring(g - 1);  // all-gather of the reduced shards
  return s;
}

}  // namespace npusim::noc
