// Pipelined algorithms as message graphs (collective_schedule.hpp): the
// double binary tree all-reduce and the chain broadcast move their buffer
// in chunks; every edge of the tree or chain is a stream whose chunks go
// out in order, each as soon as the node holds it.
#include <cmath>

#include "noc/packet/collective_schedule.hpp"

namespace npusim::noc {

namespace {

// Sizes of the chunks `bytes` splits into (the last one may be short).
std::vector<uint64_t> chunks_of(double bytes, uint64_t chunk_bytes) {
  const uint64_t total = std::max<uint64_t>(1, uint64_t(std::ceil(bytes)));
  std::vector<uint64_t> out;
  for (uint64_t at = 0; at < total; at += chunk_bytes) out.push_back(std::min(chunk_bytes, total - at));
  return out;
}

}  // namespace

Schedule double_tree_schedule(int n, double bytes, uint64_t chunk_bytes) {
  const std::vector<uint64_t> sizes = chunks_of(bytes / 2, chunk_bytes);
  const int c_count = static_cast<int>(sizes.size());
  Schedule s;
  for (int tree = 0; tree < 2; ++tree) {
    // Heap order over tree positions (parent of p is (p-1)/2); the second
    // tree mirrors the ranks (position p is rank n-1-p), so most interior
    // nodes of one tree are leaves of the other (as collectives_flow.hpp).
    auto rank = [&](int pos) { return tree ? n - 1 - pos : pos; };
    // up[pos][c]: position pos >= 1 sends chunk c to its parent;
    // down[pos][c]: the parent sends chunk c to position pos >= 1.
    std::vector<std::vector<int>> up(static_cast<size_t>(n)), down(static_cast<size_t>(n));
    for (int c = 0; c < c_count; ++c)
      for (int pos = n - 1; pos >= 1; --pos) {  // children before parents
        const int id = s.add(rank(pos), rank((pos - 1) / 2), sizes[size_t(c)]);
        for (int child = 2 * pos + 1; child <= 2 * pos + 2 && child < n; ++child) s.after(id, up[size_t(child)][size_t(c)]);
        if (c > 0) s.follows(id, up[size_t(pos)][size_t(c - 1)]);
        up[size_t(pos)].push_back(id);
      }
    for (int c = 0; c < c_count; ++c)
      for (int pos = 1; pos < n; ++pos) {  // parents before children
        const int parent = (pos - 1) / 2;
        const int id = s.add(rank(parent), rank(pos), sizes[size_t(c)]);
        if (parent == 0) {  // the root holds chunk c reduced once all its children's chunk c arrived
          for (int child = 1; child <= 2 && child < n; ++child) s.after(id, up[size_t(child)][size_t(c)]);
        } else {
          s.after(id, down[size_t(parent)][size_t(c)]);
        }
        if (c > 0) s.follows(id, down[size_t(pos)][size_t(c - 1)]);
        down[size_t(pos)].push_back(id);
      }
  }
  return s;
}

Schedule chain_broadcast_schedule(int n, double bytes, uint64_t chunk_bytes) {
  const std::vector<uint64_t> sizes = chunks_of(bytes, chunk_bytes);
  Schedule s;
  std::vector<int> prev(size_t(n), -1);  // last chunk's message on hop i -> i+1
  for (uint64_t size : sizes)
    for (int i = 0; i + 1 < n; ++i) {
      const int id = s.add(i, i + 1, size);
      if (i > 0) s.after(id, prev[size_t(i - 1)]);  // chunk arrived at i (prev[i-1] is this chunk's by now)
      if (prev[size_t(i)] >= 0) s.follows(id, prev[size_t(i)]);
      prev[size_t(i)] = id;
    }
  return s;
}

}  // namespace npusim::noc
