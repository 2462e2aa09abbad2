// Watchdog. SystemC elaborates once per process, so every scenario is built
// before one sc_start() in a single test case; run it in its own process:
//   npusim_tests "[watchdog]"
#include <catch2/catch.hpp>

#include <string>

#include <systemc>

#include "sim/errors.hpp"
#include "sim/watchdog.hpp"

using namespace sc_core;
using npusim::Watchdog;
using npusim::Watched;
using Catch::Matchers::Contains;

namespace {

// Shared bookkeeping for the test components.
class Counted : public Watched {
 public:
  explicit Counted(std::string name, std::string waits_for = "nothing")
      : name_(std::move(name)), waits_for_(std::move(waits_for)) {}
  std::string watch_name() const override { return name_; }
  uint64_t outstanding() const override { return outstanding_; }
  uint64_t progress() const override { return progress_; }
  std::string holdings() const override {
    return "holds " + std::to_string(outstanding_) + " requests; waiting for " + waits_for_;
  }
  uint64_t outstanding_ = 0, progress_ = 0;

 private:
  std::string name_, waits_for_;
};

// Takes one job per microsecond for `jobs` microseconds; each takes 2 us.
class Healthy : public sc_module, public Counted {
 public:
  SC_HAS_PROCESS(Healthy);
  Healthy(sc_module_name n, Watchdog& wd, unsigned jobs)
      : sc_module(n), Counted("healthy"), wd_(wd), jobs_(jobs) {
    wd.watch(this);
    SC_METHOD(tick);
  }
  sc_time last_progress;

 private:
  void tick() {
    unsigned k = static_cast<unsigned>(sc_time_stamp() / sc_time(1, SC_US));
    if (k >= 2 && k - 2 < jobs_) {  // the job taken at k-2 completes
      --outstanding_;
      ++progress_;
      last_progress = sc_time_stamp();
    }
    if (k < jobs_) {
      ++outstanding_;
      wd_.kick();
    }
    if (outstanding_) next_trigger(1, SC_US);  // else no static sensitivity: done
  }
  Watchdog& wd_;
  unsigned jobs_;
};

// Accepts `units` of work at `at` and never completes them; kicks if told.
class Stuck : public sc_module, public Counted {
 public:
  SC_HAS_PROCESS(Stuck);
  Stuck(sc_module_name n, Watchdog& wd, sc_time at, uint64_t units, bool kick)
      : sc_module(n), Counted(std::string(n), "a response from hbm0"), wd_(wd), at_(at),
        units_(units), kick_(kick) {
    wd.watch(this);
    SC_METHOD(accept);
    dont_initialize();
    sensitive << ev_;
    ev_.notify(at_);
  }

 private:
  void accept() {
    outstanding_ += units_;
    if (kick_) wd_.kick();
  }
  Watchdog& wd_;
  sc_event ev_;
  sc_time at_;
  uint64_t units_;
  bool kick_;
};

// Does three jobs early, finishes them all at 4 us and tells the watchdog.
class Settler : public sc_module, public Counted {
 public:
  SC_HAS_PROCESS(Settler);
  Settler(sc_module_name n, Watchdog& wd) : sc_module(n), Counted("settler"), wd_(wd) {
    wd.watch(this);
    SC_METHOD(tick);
  }

 private:
  void tick() {
    unsigned k = static_cast<unsigned>(sc_time_stamp() / sc_time(1, SC_US));
    if (k >= 1 && k <= 3) {
      ++outstanding_;
      wd_.kick();
    }
    if (k == 4) {
      progress_ += outstanding_;
      outstanding_ = 0;
      wd_.idle();
      return;  // no static sensitivity: never runs again
    }
    next_trigger(1, SC_US);
  }
  Watchdog& wd_;
};

}  // namespace

TEST_CASE("watchdog reports a stall, stays quiet on progress and costs nothing idle",
          "[watchdog]") {
  const sc_time interval(10, SC_US);
  const unsigned stall_intervals = 3;

  // Main scenario: a healthy worker busy until ~101 us and a component that
  // takes work at 5 us and never finishes it.
  Watchdog wd("wd", interval, stall_intervals);
  Healthy healthy("healthy", wd, 100);
  Stuck stuck("stuck_dma", wd, sc_time(5, SC_US), 2, true);

  // A watched component that never gets work: no checks at all.
  Watchdog wd_idle("wd_idle", interval, stall_intervals);
  Counted idle_comp("idle");
  wd_idle.watch(&idle_comp);

  // Work that drains and says so: the pending check is cancelled.
  Watchdog wd_settle("wd_settle", interval, stall_intervals);
  Settler settler("settler", wd_settle);

  // Work held without any kick: only visible after the run.
  Watchdog wd_silent("wd_silent", interval, stall_intervals);
  Stuck silent("silent_holder", wd_silent, sc_time(1, SC_US), 1, false);

  CHECK_THROWS_AS(Watchdog("bad", SC_ZERO_TIME, 3), npusim::ConfigError);

  sc_start();

  // The stall was reported, by name and holdings, and stopped the run.
  REQUIRE(wd.stalled());
  INFO(wd.report());
  CHECK_THAT(wd.report(), Contains("simulation stalled at"));
  CHECK_THAT(wd.report(), Contains("with 2 outstanding"));
  CHECK_THAT(wd.report(),
             Contains("\n  stuck_dma: outstanding=2; holds 2 requests; waiting for a response "
                      "from hbm0"));
  CHECK_THAT(wd.report(), !Contains("healthy:"));

  // The healthy worker kept it quiet while it worked; the stop came within
  // (stall_intervals + 1) intervals of the last progress.
  CHECK(healthy.progress() == 100);
  CHECK(healthy.outstanding() == 0);
  CHECK(healthy.last_progress == sc_time(101, SC_US));
  CHECK(wd.checks() >= 10);
  CHECK(sc_time_stamp() >= healthy.last_progress + interval * stall_intervals);
  CHECK(sc_time_stamp() <= healthy.last_progress + interval * (stall_intervals + 1));
  CHECK_THAT(wd.report(), Contains("no progress for 30 us"));

  CHECK_THROWS_AS(wd.check_drained(), npusim::StallError);
  CHECK(wd.drained_report() == wd.report());

  CHECK(wd_idle.checks() == 0);
  CHECK_FALSE(wd_idle.armed());
  CHECK(wd_idle.drained_report().empty());
  CHECK_NOTHROW(wd_idle.check_drained());

  CHECK(settler.progress() == 3);
  CHECK(wd_settle.checks() == 0);
  CHECK_FALSE(wd_settle.armed());
  CHECK_NOTHROW(wd_settle.check_drained());

  CHECK_FALSE(wd_silent.stalled());
  CHECK_THAT(wd_silent.drained_report(), Contains("with 1 outstanding"));
  CHECK_THAT(wd_silent.drained_report(), Contains("\n  silent_holder: outstanding=1; holds 1"));
  CHECK_THROWS_AS(wd_silent.check_drained(), npusim::StallError);
}
