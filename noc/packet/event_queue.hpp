// The packet fabric's event queue: plain C++, times in femtoseconds (exact
// flit times for any link rate; uint64 covers ~5 hours of simulated time).
// Events are small PODs in one 4-ary heap; ties run in insertion order, so
// a run is deterministic. The fabric is plain C++ (no SystemC process per
// router) so that it runs inside ordinary unit tests and many times per
// process; a SystemC wrapper would serve it from one SC_METHOD as ChipSim
// does.
#pragma once
#include <cstdint>
#include <vector>

namespace npusim::noc {

struct FabricEvent {
  uint64_t time_fs = 0;
  uint64_t seq = 0;
  uint8_t type = 0;
  int32_t a = 0, b = 0, c = 0;
};

// A 4-ary min-heap on (time, seq): half the depth of a binary heap, and a
// node's children share a cache line or two, which matters once a large
// fabric keeps 10^5 events pending.
class FabricEventQueue {
 public:
  FabricEventQueue() { h_.reserve(1 << 16); }
  void push(uint64_t t, uint8_t type, int32_t a, int32_t b = 0, int32_t c = 0) {
    FabricEvent e{t, seq_++, type, a, b, c};
    size_t i = h_.size();
    h_.push_back(e);
    while (i > 0) {
      const size_t p = (i - 1) / 4;
      if (!before(e, h_[p])) break;
      h_[i] = h_[p];
      i = p;
    }
    h_[i] = e;
  }
  bool empty() const { return h_.empty(); }
  size_t size() const { return h_.size(); }
  const FabricEvent& top() const { return h_.front(); }
  FabricEvent pop() {
    FabricEvent out = h_.front();
    const FabricEvent last = h_.back();
    h_.pop_back();
    const size_t n = h_.size();
    if (n) {
      size_t i = 0;
      for (;;) {
        const size_t c = 4 * i + 1;
        if (c >= n) break;
        size_t m = c;
        const size_t e = c + 4 < n ? c + 4 : n;
        for (size_t k = c + 1; k < e; ++k)
          if (before(h_[k], h_[m])) m = k;
        if (!before(h_[m], last)) break;
        h_[i] = h_[m];
        i = m;
      }
      h_[i] = last;
    }
    return out;
  }
  uint64_t pushed() const { return seq_; }

 private:
  static bool before(const FabricEvent& x, const FabricEvent& y) {
    return x.time_fs != y.time_fs ? x.time_fs < y.time_fs : x.seq < y.seq;
  }
  std::vector<FabricEvent> h_;
  uint64_t seq_ = 0;
};

}  // namespace npusim::noc
