// A clock domain maps cycles to simulated time and back. Periods are kept in
// femtoseconds so clocks such as 2.4 GHz (416.67 ps) stay exact over long
// runs while SystemC time resolution stays at 1 ps. Nothing ticks: components
// ask "when is cycle N" and schedule one event there.
#pragma once
#include <cstdint>
#include <string>

#include <systemc>

namespace npusim {

class ClockDomain {
 public:
  ClockDomain() = default;
  ClockDomain(std::string name, double period_ps)
      : name_(std::move(name)), period_fs_(static_cast<uint64_t>(period_ps * 1000.0 + 0.5)) {}

  const std::string& name() const { return name_; }
  double period_ps() const { return period_fs_ / 1000.0; }
  uint64_t period_fs() const { return period_fs_; }
  double frequency_ghz() const { return 1.0e6 / static_cast<double>(period_fs_); }

  // Time of the start of cycle n, in ps (rounded down to the 1 ps grid).
  uint64_t ps_of(uint64_t cycle) const {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(cycle) * period_fs_) / 1000);
  }
  sc_core::sc_time time_of(uint64_t cycle) const {
    return sc_core::sc_time::from_value(ps_of(cycle) * ps_ticks());
  }
  // First cycle that starts at or after time t.
  uint64_t cycle_at_or_after_ps(uint64_t ps) const {
    unsigned __int128 fs = static_cast<unsigned __int128>(ps) * 1000;
    uint64_t c = static_cast<uint64_t>(fs / period_fs_);
    while (ps_of(c) < ps) ++c;
    return c;
  }
  // The cycle containing time t (the last edge at or before t).
  uint64_t cycle_of_ps(uint64_t ps) const {
    uint64_t c = cycle_at_or_after_ps(ps);
    return ps_of(c) == ps ? c : c - 1;
  }
  uint64_t now_cycle() const { return cycle_of_ps(now_ps()); }
  uint64_t next_cycle_at_or_after_now() const { return cycle_at_or_after_ps(now_ps()); }

  // Current simulated time in ps.
  static uint64_t now_ps() { return sc_core::sc_time_stamp().value() / ps_ticks(); }
  // A duration of `ps` picoseconds as an sc_time.
  static sc_core::sc_time ps_time(uint64_t ps) { return sc_core::sc_time::from_value(ps * ps_ticks()); }
  // Delay from now until the start of cycle n (zero if already there).
  sc_core::sc_time delay_until(uint64_t cycle) const {
    uint64_t t = ps_of(cycle), now = now_ps();
    return sc_core::sc_time::from_value((t > now ? t - now : 0) * ps_ticks());
  }

 private:
  // Number of kernel time units per ps (1 when the resolution is 1 ps).
  static uint64_t ps_ticks() {
    static const uint64_t ticks = static_cast<uint64_t>(
        sc_core::sc_time(1, sc_core::SC_PS).value());
    return ticks;
  }
  std::string name_;
  uint64_t period_fs_ = 1000000;
};

}  // namespace npusim
