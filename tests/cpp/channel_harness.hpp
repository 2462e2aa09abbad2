// Drives one ChannelController without SystemC: the same "tick at the next
// interesting cycle" loop HbmSystem runs, with requests offered at their
// arrival cycles and back-pressure honoured. Records each burst's completion.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "memory/channel_controller.hpp"
#include "memory/hbm_presets.hpp"

namespace npusim::test {

struct Req {
  uint64_t cycle;
  bool write;
  memory::DramAddr addr;
};

class ChannelHarness : public memory::BurstSink {
 public:
  explicit ChannelHarness(const memory::MemoryConfig& cfg)
      : cfg_(cfg), root_(reg_, "t"), ctrl_(cfg, 0, root_, *this, nullptr, -1) {}

  void burst_done(void* owner, uint64_t done) override {
    const size_t id = reinterpret_cast<uintptr_t>(owner);
    ++done_count_[id];
    done_[id] = done;
  }

  // Runs all requests to completion; returns the cycle the last data ended.
  // `every_cycle`: tick on every cycle instead of only at the cycles the
  // controller asks for -- the reference an event-driven run must match.
  uint64_t run(const std::vector<Req>& reqs, uint64_t max_cycles = 100000000, bool every_cycle = false) {
    done_.assign(reqs.size(), 0);
    done_count_.assign(reqs.size(), 0);
    accept_.assign(reqs.size(), 0);
    size_t next = 0;
    uint64_t now = 0;
    while (now < max_cycles) {
      // Offer requests in order (one port: head-of-line blocking).
      while (next < reqs.size() && reqs[next].cycle <= now &&
             ctrl_.can_accept(reqs[next].addr.pc, reqs[next].write)) {
        ctrl_.catch_up(now);
        ctrl_.enqueue(reqs[next].addr, reqs[next].write, reinterpret_cast<void*>(uintptr_t(next)), now, next);
        accept_[next] = now;
        ++next;
      }
      if (every_cycle || ctrl_.next_wake() <= now) ctrl_.tick(now);
      uint64_t t = ctrl_.next_wake();
      if (every_cycle && (t != memory::kNoWake || next < reqs.size())) t = now + 1;
      // A blocked request can only go in after a tick frees space.
      if (next < reqs.size() && reqs[next].cycle > now) t = std::min(t, reqs[next].cycle);
      if (t == memory::kNoWake) break;
      now = t;
    }
    uint64_t end = 0;
    for (auto d : done_) end = std::max(end, d);
    return end;
  }

  memory::ChannelController& ctrl() { return ctrl_; }
  const std::vector<uint64_t>& done() const { return done_; }
  const std::vector<uint32_t>& done_count() const { return done_count_; }
  const std::vector<uint64_t>& accepted() const { return accept_; }

 private:
  memory::MemoryConfig cfg_;
  stats::Registry reg_;
  stats::Group root_;
  memory::ChannelController ctrl_;
  std::vector<uint64_t> done_, accept_;
  std::vector<uint32_t> done_count_;
};

inline memory::MemoryConfig preset(const std::string& name, bool checker = true) {
  auto c = memory::memory_config_from_json(memory::memory_preset(name), name);
  c.protocol_checker = checker;
  return c;
}

}  // namespace npusim::test
