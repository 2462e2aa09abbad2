// Stall detection. Components that hold work implement Watched and call
// kick() when they take work; the watchdog then checks total progress every
// `interval` while anything is outstanding, and stops the simulation with a
// report of who holds what when progress has not moved for `stall_intervals`
// checks. It schedules nothing while all components are idle, so an idle
// model costs no events and a model whose only events would be watchdog
// checks still ends (with a stall report).
//
// Note: when the last work completes, one already-scheduled check may still
// fire, leaving sc_time_stamp() up to one interval past the real end. Call
// idle() when a component drains (cancels that check once everything is
// idle), or take the end time from the workload itself.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

namespace npusim {

// A job's watchdog_us, checked: ConfigError naming job.watchdog_us unless it
// is a positive number of microseconds.
double checked_watchdog_us(double us);

class Watched {
 public:
  virtual ~Watched() = default;
  virtual std::string watch_name() const = 0;
  virtual uint64_t outstanding() const = 0;  // units of work held now
  virtual uint64_t progress() const = 0;     // monotonic count of completed steps
  virtual std::string holdings() const = 0;  // what it holds and waits for
};

class Watchdog : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Watchdog);
  // Throws ConfigError if interval is zero or stall_intervals is 0.
  Watchdog(sc_core::sc_module_name name, sc_core::sc_time interval, unsigned stall_intervals);

  void watch(Watched* w) { watched_.push_back(w); }
  // A component took work: make sure a check is scheduled.
  void kick() {
    if (!armed_) arm();
  }
  // A component has nothing outstanding any more (optional, see above).
  void idle() {
    if (armed_) settle_event_.notify(sc_core::SC_ZERO_TIME);
  }

  bool stalled() const { return stalled_; }
  bool armed() const { return armed_; }
  uint64_t checks() const { return checks_; }  // checks run so far
  const std::string& report() const { return report_; }  // empty unless stalled

  // After sc_start() returns: the stall report if stalled, otherwise a report
  // of components that still hold work (empty when everything drained).
  std::string drained_report() const;
  // Throws StallError with drained_report() unless it is empty.
  void check_drained() const;

 private:
  void arm();
  void check();   // SC_METHOD on check_event_
  void settle();  // SC_METHOD on settle_event_
  uint64_t total_outstanding() const;
  uint64_t total_progress() const;
  std::string holders_report(const std::string& headline) const;

  sc_core::sc_time interval_;
  unsigned stall_intervals_;
  std::vector<Watched*> watched_;
  sc_core::sc_event check_event_, settle_event_;
  bool armed_ = false, stalled_ = false, have_baseline_ = false;
  unsigned still_ = 0;  // consecutive checks without progress
  uint64_t last_progress_ = 0, checks_ = 0;
  sc_core::sc_time last_change_;
  std::string report_;
};

}  // namespace npusim
