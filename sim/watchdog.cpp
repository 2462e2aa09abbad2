#include "sim/watchdog.hpp"

#include "sim/errors.hpp"

namespace npusim {

double checked_watchdog_us(double us) {
  if (!(us > 0)) throw ConfigError("job.watchdog_us: expected a positive number of microseconds");
  return us;
}

Watchdog::Watchdog(sc_core::sc_module_name name, sc_core::sc_time interval,
                   unsigned stall_intervals)
    : sc_core::sc_module(name), interval_(interval), stall_intervals_(stall_intervals) {
  if (interval_ == sc_core::SC_ZERO_TIME)
    throw ConfigError(std::string(this->name()) + ": watchdog interval must be > 0");
  if (stall_intervals_ == 0)
    throw ConfigError(std::string(this->name()) + ": watchdog stall_intervals must be >= 1");
  SC_METHOD(check);
  sensitive << check_event_;
  dont_initialize();
  SC_METHOD(settle);
  sensitive << settle_event_;
  dont_initialize();
}

uint64_t Watchdog::total_outstanding() const {
  uint64_t n = 0;
  for (const Watched* w : watched_) n += w->outstanding();
  return n;
}

uint64_t Watchdog::total_progress() const {
  uint64_t n = 0;  // may wrap; only compared for equality
  for (const Watched* w : watched_) n += w->progress();
  return n;
}

void Watchdog::arm() {
  armed_ = true;
  still_ = 0;
  last_progress_ = total_progress();
  last_change_ = sc_core::sc_time_stamp();
  check_event_.notify(interval_);
}

void Watchdog::check() {
  if (!armed_) return;
  ++checks_;
  uint64_t out = total_outstanding();
  if (out == 0) {
    armed_ = false;  // the next kick() re-arms
    return;
  }
  uint64_t p = total_progress();
  if (p != last_progress_) {
    last_progress_ = p;
    last_change_ = sc_core::sc_time_stamp();
    still_ = 0;
  } else if (++still_ >= stall_intervals_) {
    sc_core::sc_time now = sc_core::sc_time_stamp();
    report_ = holders_report("simulation stalled at " + now.to_string() + ": no progress for " +
                             (now - last_change_).to_string() + " with " +
                             std::to_string(out) + " outstanding");
    stalled_ = true;
    armed_ = false;
    sc_core::sc_stop();
    return;
  }
  check_event_.notify(interval_);
}

void Watchdog::settle() {
  if (armed_ && total_outstanding() == 0) {
    check_event_.cancel();
    armed_ = false;
  }
}

std::string Watchdog::holders_report(const std::string& headline) const {
  std::string r = headline;
  for (const Watched* w : watched_) {
    uint64_t n = w->outstanding();
    if (!n) continue;
    r += "\n  " + w->watch_name() + ": outstanding=" + std::to_string(n) + "; " + w->holdings();
  }
  return r;
}

std::string Watchdog::drained_report() const {
  if (stalled_) return report_;
  uint64_t out = total_outstanding();
  if (!out) return {};
  // With events still pending the run was cut short (a time limit or
  // another sc_stop), which is not a deadlock; say so.
  const char* how = sc_core::sc_pending_activity() ? "simulation stopped at "
                                                   : "simulation ran out of events at ";
  return holders_report(how + sc_core::sc_time_stamp().to_string() + " with " +
                        std::to_string(out) + " outstanding");
}

void Watchdog::check_drained() const {
  std::string r = drained_report();
  if (!r.empty()) throw StallError(r);
}

}  // namespace npusim
