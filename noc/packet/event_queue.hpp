// The packet fabric's event queue: plain C++, times in femtoseconds (exact
// flit times for any link rate; uint64 covers ~5 hours of simulated time).
// Events are small PODs in one binary heap; ties run in insertion order, so
// a run is deterministic. The fabric is plain C++ (no SystemC process per
// router) so that it runs inside ordinary unit tests and many times per
// process; a SystemC wrapper would serve it from one SC_METHOD as ChipSim
// does.
#pragma once
#include <cstdint>
#include <queue>
#include <vector>

namespace npusim::noc {

struct FabricEvent {
  uint64_t time_fs = 0;
  uint64_t seq = 0;
  uint8_t type = 0;
  int32_t a = 0, b = 0, c = 0;
};

class FabricEventQueue {
 public:
  FabricEventQueue() {
    std::vector<FabricEvent> v;
    v.reserve(1 << 16);
    heap_ = Heap(Later(), std::move(v));
  }
  void push(uint64_t t, uint8_t type, int32_t a, int32_t b = 0, int32_t c = 0) {
    heap_.push({t, seq_++, type, a, b, c});
  }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  const FabricEvent& top() const { return heap_.top(); }
  FabricEvent pop() {
    FabricEvent e = heap_.top();
    heap_.pop();
    return e;
  }
  uint64_t pushed() const { return seq_; }

 private:
  struct Later {
    bool operator()(const FabricEvent& x, const FabricEvent& y) const {
      return x.time_fs != y.time_fs ? x.time_fs > y.time_fs : x.seq > y.seq;
    }
  };
  using Heap = std::priority_queue<FabricEvent, std::vector<FabricEvent>, Later>;
  Heap heap_;
  uint64_t seq_ = 0;
};

}  // namespace npusim::noc
