// "Wake me at cycle N" for a clocked component: one sc_event, notified only
// when the component has work, re-notified earlier if earlier work appears
// (SystemC keeps the earliest pending notification). Nothing ticks.
//   SC_METHOD(run); sensitive << wake.event(); dont_initialize();
//   void run() { wake.fired(); ... if (more) wake.at(next_cycle); }
#pragma once
#include <cstdint>
#include <limits>

#include <systemc>

#include "sim/clock_domain.hpp"

namespace npusim {

class Wakeup {
 public:
  static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

  explicit Wakeup(const ClockDomain& clk) : clk_(clk) {}
  const sc_core::sc_event& event() const { return event_; }
  // Ask to run at the start of `cycle` (no-op if already due no later).
  void at(uint64_t cycle) {
    if (cycle >= scheduled_) return;
    scheduled_ = cycle;
    event_.notify(clk_.delay_until(cycle));
  }
  // Call first thing in the woken process: the pending wake-up was consumed.
  void fired() { scheduled_ = kNever; }
  uint64_t scheduled() const { return scheduled_; }

 private:
  const ClockDomain& clk_;
  sc_core::sc_event event_;
  uint64_t scheduled_ = kNever;
};

}  // namespace npusim
