// A CollectivePlan expanded into the packet level's message graph
// (collective_schedule.hpp), with the dependencies collective_plan.hpp
// states: step levels step by step, pipelined levels chunk by chunk.
#include <algorithm>
#include <cmath>
#include <map>

#include "noc/packet/collective_schedule.hpp"
#include "sim/errors.hpp"

namespace npusim::noc {

namespace {

uint64_t whole_bytes(double b) { return std::max<uint64_t>(1, uint64_t(std::ceil(b))); }

// Sizes of the chunks `bytes` splits into (the last one may be short).
std::vector<uint64_t> chunks_of(double bytes, uint64_t chunk_bytes) {
  const uint64_t total = whole_bytes(bytes);
  std::vector<uint64_t> out;
  for (uint64_t at = 0; at < total; at += chunk_bytes) out.push_back(std::min(chunk_bytes, total - at));
  return out;
}

struct Expansion {
  explicit Expansion(int n) : sent(size_t(n)), received(size_t(n)), step_sent(size_t(n)), step_received(size_t(n)) {}
  Schedule s;
  // Per rank, the messages of its latest step that sent (received) any.
  std::vector<std::vector<int>> sent, received, step_sent, step_received;
  // Chunk message ids of every pipelined message so far, and per (part,
  // rank) the pipelined messages it received in its latest pipelined level
  // that brought it that part.
  std::vector<std::vector<int>> chunks;
  std::map<std::pair<int, int>, std::vector<size_t>> fed;
};

void expand_step_level(Expansion& x, const PlanLevel& level, int n) {
  const std::vector<std::vector<int>> entry = level.hold_entry ? x.received : std::vector<std::vector<int>>();
  for (int rep = 0; rep < level.repeat; ++rep) {
    for (const MessageGroup& g : level.groups)
      for_each_message(g, n, [&](int src, int dst, double b) {
        const int id = x.s.add(src, dst, whole_bytes(b));
        // These sets are disjoint: entry is from before the level, the
        // received set from a later step once rep > 0, sends are not receives.
        if (level.hold_entry && rep > 0)
          for (int d : entry[size_t(src)]) x.s.after(id, d);
        if (level.after_send)
          for (int d : x.sent[size_t(src)]) x.s.after(id, d);
        if (level.after_recv)
          for (int d : x.received[size_t(src)]) x.s.after(id, d);
        x.step_sent[size_t(src)].push_back(id);
        x.step_received[size_t(dst)].push_back(id);
      });
    for (int r = 0; r < n; ++r) {
      if (!x.step_sent[size_t(r)].empty()) x.sent[size_t(r)].swap(x.step_sent[size_t(r)]);
      if (!x.step_received[size_t(r)].empty()) x.received[size_t(r)].swap(x.step_received[size_t(r)]);
      x.step_sent[size_t(r)].clear();
      x.step_received[size_t(r)].clear();
    }
  }
}

// Messages go out group by group, chunk by chunk, in list order within a
// chunk (the order a tree's or chain's chunks become ready in).
void expand_pipelined_level(Expansion& x, const PlanLevel& level, int n, uint64_t chunk_bytes,
                            const std::string& what) {
  struct Msg {
    PlanMessage m;
    int part;
    std::vector<uint64_t> sizes;
  };
  std::vector<Msg> msgs;
  std::vector<size_t> group_end;
  for (const MessageGroup& g : level.groups) {
    for_each_message(g, n, [&](int s, int d, double b) { msgs.push_back({{s, d, b}, g.part, chunks_of(b, chunk_bytes)}); });
    group_end.push_back(msgs.size());
  }
  const size_t base = x.chunks.size();
  x.chunks.resize(base + msgs.size());
  std::map<std::pair<int, int>, std::vector<size_t>> here;  // (part, rank) -> messages into it in this level
  for (size_t i = 0; i < msgs.size(); ++i) here[{msgs[i].part, msgs[i].m.dst}].push_back(base + i);
  auto each_chunk = [&](auto f) {
    size_t begin = 0;
    for (size_t end : group_end) {
      size_t most = 0;
      for (size_t i = begin; i < end; ++i) most = std::max(most, msgs[i].sizes.size());
      for (size_t c = 0; c < most; ++c)
        for (size_t i = begin; i < end; ++i)
          if (c < msgs[i].sizes.size()) f(i, c);
      begin = end;
    }
  };
  each_chunk([&](size_t i, size_t c) {
    x.chunks[base + i].push_back(x.s.add(msgs[i].m.src, msgs[i].m.dst, msgs[i].sizes[c]));
  });
  each_chunk([&](size_t i, size_t c) {
    const int id = x.chunks[base + i][c];
    const std::pair<int, int> key{msgs[i].part, msgs[i].m.src};
    auto it = here.find(key);
    const std::vector<size_t>* feeders = it != here.end() ? &it->second : nullptr;
    if (!feeders) {
      auto before = x.fed.find(key);
      if (before != x.fed.end()) feeders = &before->second;
    }
    if (feeders)
      for (size_t f : *feeders) {
        if (c >= x.chunks[f].size())
          throw ProtocolError("packet " + what + ": chunk " + std::to_string(c) + " feeds from a shorter message");
        x.s.after(id, x.chunks[f][c]);
      }
    if (c > 0) x.s.follows(id, x.chunks[base + i][c - 1]);
  });
  for (auto& [key, into] : here) x.fed[key] = std::move(into);
}

}  // namespace

Schedule schedule_of(const CollectivePlan& plan) {
  Expansion x(plan.ranks);
  const std::string what = plan.op + " (" + plan.algo + ")";
  for (const PlanLevel& level : plan.levels) {
    if (!level.pipelined) {
      expand_step_level(x, level, plan.ranks);
      continue;
    }
    if (plan.chunk_bytes < 1) throw ConfigError("collective.chunk_bytes: expected at least 1 byte");
    expand_pipelined_level(x, level, plan.ranks, plan.chunk_bytes, what);
  }
  return std::move(x.s);
}

}  // namespace npusim::noc
