// The baseline every bench reports against: the cheapest event loop a
// simulator could have (a std::priority_queue of 1000 pending events with
// varied delays), measured in the same process as the model it compares.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

namespace npusim::bench {

// Events per wall second over `n` pops and re-pushes.
inline double pq_events_per_s(uint64_t n) {
  using Ev = std::pair<uint64_t, uint32_t>;
  std::priority_queue<Ev, std::vector<Ev>, std::greater<Ev>> q;
  for (uint32_t i = 0; i < 1000; ++i) q.push({i, i});
  uint64_t x = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t k = 0; k < n; ++k) {
    Ev e = q.top();
    q.pop();
    x += e.second;
    q.push({e.first + 1 + (e.second * 7 + k) % 13, e.second});
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (x == 42) std::puts("");  // keep the loop
  return double(n) / s;
}

}  // namespace npusim::bench
