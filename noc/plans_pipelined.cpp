// Pipelined algorithms as plans (collective_plan.hpp): the double binary
// tree all-reduce and the chain broadcast. Their levels stream the buffer
// in chunks; each message is an edge of a tree or of the chain.
#include "noc/collective_plan.hpp"

namespace npusim::noc {

namespace {

PlanLevel pipelined() {
  PlanLevel l;
  l.pipelined = true;
  return l;
}

}  // namespace

CollectivePlan double_tree_plan(int n, double bytes, uint64_t chunk_bytes) {
  CollectivePlan p;
  p.algo = "double_tree";
  p.ranks = n;
  p.bytes = bytes;
  p.chunk_bytes = chunk_bytes;
  PlanLevel up = pipelined(), down = pipelined();
  for (int tree = 0; tree < 2; ++tree) {
    auto rank = [&](int pos) { return tree ? n - 1 - pos : pos; };
    MessageGroup u, d;
    u.part = d.part = tree;
    // Children before parents going up, parents before children going down:
    // the order a node's chunks become ready in.
    for (int pos = n - 1; pos >= 1; --pos) u.list.push_back({rank(pos), rank((pos - 1) / 2), bytes / 2});
    for (int pos = 1; pos < n; ++pos) d.list.push_back({rank((pos - 1) / 2), rank(pos), bytes / 2});
    up.groups.push_back(std::move(u));
    down.groups.push_back(std::move(d));
  }
  p.levels.push_back(std::move(up));
  p.levels.push_back(std::move(down));
  return p;
}

CollectivePlan chain_broadcast_plan(int n, double bytes, uint64_t chunk_bytes) {
  CollectivePlan p;
  p.algo = "ring";
  p.ranks = n;
  p.bytes = bytes;
  p.chunk_bytes = chunk_bytes;
  PlanLevel l = pipelined();
  l.groups.emplace_back();
  for (int i = 0; i + 1 < n; ++i) l.groups.back().list.push_back({i, i + 1, bytes});
  p.levels.push_back(std::move(l));
  return p;
}

}  // namespace npusim::noc
