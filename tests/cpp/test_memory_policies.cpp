// The channel controller's policy objects on their own: what the page policy
// makes of a column command and which requests each scheduler lets go.
#include <catch2/catch.hpp>

#include "memory/page_policy.hpp"
#include "memory/request_scheduler.hpp"

using namespace npusim::memory;

TEST_CASE("page policy: closed auto-precharges the last hit, open never does", "[hbm][policy]") {
  const PagePolicy open(PagePolicyKind::Open), closed(PagePolicyKind::Closed);
  for (bool last : {false, true}) {
    CHECK(open.column_command(false, last) == Cmd::RD);
    CHECK(open.column_command(true, last) == Cmd::WR);
  }
  CHECK(closed.column_command(false, false) == Cmd::RD);
  CHECK(closed.column_command(true, false) == Cmd::WR);
  CHECK(closed.column_command(false, true) == Cmd::RDA);
  CHECK(closed.column_command(true, true) == Cmd::WRA);
}

TEST_CASE("scheduler: FR-FCFS lets hits pass older misses up to the hit cap; FCFS serves the oldest only",
          "[hbm][policy]") {
  const RequestScheduler frfcfs(SchedulerKind::FrFcfs, 4), uncapped(SchedulerKind::FrFcfs, 0),
      fcfs(SchedulerKind::Fcfs, 4);
  // Which scans may start: FCFS only when its first candidate is the oldest request.
  CHECK(frfcfs.may_serve(7, 3));
  CHECK(fcfs.may_serve(3, 3));
  CHECK_FALSE(fcfs.may_serve(7, 3));
  CHECK(frfcfs.scans_past_oldest());
  CHECK_FALSE(fcfs.scans_past_oldest());
  // Hit cap 4: a row that has served 4 hits makes further hits wait, but
  // only while a conflicting request (queued > hits) waits for the bank.
  CHECK_FALSE(frfcfs.hit_waits(3, 5, 2));
  CHECK(frfcfs.hit_waits(4, 5, 2));
  CHECK_FALSE(frfcfs.hit_waits(4, 2, 2));
  CHECK_FALSE(uncapped.hit_waits(1000, 5, 2));
  CHECK_FALSE(fcfs.hit_waits(4, 5, 2));
  // An open row is kept for its queued hits until the cap; FCFS never keeps it.
  CHECK(frfcfs.keeps_row_open(1, 3));
  CHECK_FALSE(frfcfs.keeps_row_open(0, 0));
  CHECK_FALSE(frfcfs.keeps_row_open(1, 4));
  CHECK(uncapped.keeps_row_open(1, 1000));
  CHECK_FALSE(fcfs.keeps_row_open(1, 0));
}
