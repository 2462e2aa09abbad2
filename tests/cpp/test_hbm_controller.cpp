// Channel controller against closed-form expectations, with the protocol
// checker on in every test. No SystemC: the harness runs the controller's
// own event loop.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "channel_harness.hpp"
#include "memory/address_mapping.hpp"

using namespace npusim;
using namespace npusim::memory;
using npusim::test::ChannelHarness;
using npusim::test::Req;

namespace {

// Bursts of a sequential stream that land on channel 0.
std::vector<Req> stream_on_channel0(const MemoryConfig& c, size_t n, bool write) {
  auto map = AddressMapping::build(c.org, c.controller.address_mapping, "t");
  std::vector<Req> v;
  for (uint64_t i = 0; v.size() < n; ++i) {
    DramAddr a = map.decode(i * c.org.burst_bytes());
    if (a.channel == 0) v.push_back({0, write, a});
  }
  return v;
}

std::vector<Req> random_on_channel0(const MemoryConfig& c, size_t n, uint64_t spacing, double read_frac,
                                    uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Req> v;
  for (size_t i = 0; i < n; ++i) {
    DramAddr a{};
    a.pc = uint32_t(rng() % c.org.pseudo_channels);
    a.bg = uint32_t(rng() % c.org.bank_groups);
    a.bank = uint32_t(rng() % c.org.banks_per_group);
    a.row = uint32_t(rng() % c.org.rows);
    a.col = uint32_t(rng() % (c.org.columns / c.org.burst_length));
    v.push_back({i * spacing, (rng() % 1000) >= read_frac * 1000, a});
  }
  return v;
}

// Channel peak in bursts per cycle: every pseudo-channel's data bus busy.
double channel_peak_bursts_per_cycle(const MemoryConfig& c) {
  return double(c.org.pseudo_channels) / c.timing.nBL(c.org);
}

}  // namespace

TEST_CASE("streaming reads reach >= 90% of the peak the HBM3 timing allows", "[hbm]") {
  MemoryConfig c = test::preset("hbm3");
  const HbmTiming& t = c.timing;
  // The timing-derived peak: a pseudo-channel moves one burst per
  // max(BL cycles, tCCD_S) (bank groups alternate under this mapping), and
  // all-bank refresh takes it away for tRP + tRFC every tREFI.
  const int bl = t.nBL(c.org);
  const double column_limit = double(bl) / std::max(bl, t.nCCDS);
  const double refresh_limit = 1.0 - double(t.nRFC + t.nRP) / t.nREFI;
  const double timing_peak = channel_peak_bursts_per_cycle(c) * column_limit * refresh_limit;

  ChannelHarness h(c);
  const size_t n = 40000;
  const uint64_t end = h.run(stream_on_channel0(c, n, false));
  const double achieved = double(n) / double(end);
  INFO("achieved " << achieved << " bursts/cycle, timing peak " << timing_peak);
  CHECK(achieved >= 0.90 * timing_peak);
  CHECK(achieved <= timing_peak * 1.0001 + 1e-9);  // nothing beats the timing
  CHECK(h.ctrl().count(Cmd::ACT) < n / 16);          // a stream is mostly row hits
}

TEST_CASE("streaming writes drain at the same column rate", "[hbm]") {
  MemoryConfig c = test::preset("hbm3");
  c.controller.refresh = RefreshMode::Off;
  ChannelHarness h(c);
  const size_t n = 20000;
  const uint64_t end = h.run(stream_on_channel0(c, n, true));
  const double achieved = double(n) / double(end);
  CHECK(achieved >= 0.90 * channel_peak_bursts_per_cycle(c));
}

TEST_CASE("an isolated random read costs tRP + tRCD + CL + burst (+ paths)", "[hbm]") {
  MemoryConfig c = test::preset("hbm3");
  c.controller.refresh = RefreshMode::Off;
  const HbmTiming& t = c.timing;
  ChannelHarness h(c);
  // Far apart: no queueing, every access finds its bank closed or on another row.
  auto reqs = random_on_channel0(c, 300, 400, 1.0, 7);
  h.run(reqs);
  const uint64_t fe = c.controller.frontend_latency, bl = t.nBL(c.org);
  const uint64_t best = fe + t.nRCDRD + t.nCL + bl;   // bank closed
  const uint64_t worst = best + t.nRP + t.nRAS;        // row conflict right after its ACT
  uint64_t sum = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    const uint64_t lat = h.done()[i] - reqs[i].cycle;
    CHECK(lat >= best);
    CHECK(lat <= worst);
    sum += lat;
  }
  // Most are row conflicts with the bank long idle: tRP + tRCD + CL + BL.
  const double avg = double(sum) / reqs.size();
  CHECK(avg >= best);
  CHECK(avg <= best + t.nRP + 2);
}

TEST_CASE("saturated random reads are bounded by tFAW/tRRD/tRC and get close to the bound", "[hbm]") {
  MemoryConfig c = test::preset("hbm3");
  c.controller.refresh = RefreshMode::Off;
  const HbmTiming& t = c.timing;
  ChannelHarness h(c);
  const size_t n = 20000;
  const uint64_t end = h.run(random_on_channel0(c, n, 0, 1.0, 3));
  const double per_pc = double(n) / double(end) / c.org.pseudo_channels;
  // Each random read needs an ACT: per pseudo-channel at most 4 per tFAW,
  // 1 per tRRD_S, banks/tRC, and the data bus.
  const double bound = std::min({4.0 / t.nFAW, 1.0 / t.nRRDS, double(c.org.banks_per_pc()) / t.nRC,
                                 1.0 / t.nBL(c.org)});
  INFO("random reads: " << per_pc << " bursts/cycle/pc, bound " << bound);
  CHECK(per_pc <= bound * 1.0001);
  CHECK(per_pc >= 0.75 * bound);
}

TEST_CASE("the protocol checker catches a controller scheduling with a wrong tRCD", "[hbm][checker]") {
  MemoryConfig c = test::preset("hbm3");
  ChannelHarness h(c);
  HbmTiming wrong = c.timing;
  wrong.nRCDRD -= 3;  // the checker keeps the real value
  h.ctrl().override_schedule_timing(wrong);
  CHECK_THROWS_WITH(h.run(random_on_channel0(c, 200, 0, 1.0, 5)),
                    Catch::Contains("tRCDRD requires") && Catch::Contains("after ACT"));
}

TEST_CASE("the protocol checker catches a wrong tFAW and a wrong tCCD_L", "[hbm][checker]") {
  MemoryConfig c = test::preset("hbm3");
  {
    ChannelHarness h(c);
    HbmTiming wrong = c.timing;
    wrong.nFAW = 0;
    h.ctrl().override_schedule_timing(wrong);
    CHECK_THROWS_WITH(h.run(random_on_channel0(c, 2000, 0, 1.0, 9)), Catch::Contains("tFAW"));
  }
  {
    MemoryConfig c2 = c;
    c2.controller.address_mapping = "ro_ba_bg_co_pc_ch";  // same bank group back to back
    ChannelHarness h(c2);
    HbmTiming wrong = c2.timing;
    wrong.nCCDL = wrong.nCCDS;
    h.ctrl().override_schedule_timing(wrong);
    CHECK_THROWS_WITH(h.run(stream_on_channel0(c2, 2000, false)), Catch::Contains("tCCD_L"));
  }
}

TEST_CASE("every burst completes exactly once under mixed traffic, all policies", "[hbm]") {
  for (PagePolicyKind page : {PagePolicyKind::Open, PagePolicyKind::Closed})
    for (RefreshMode refresh : {RefreshMode::AllBank, RefreshMode::PerBank, RefreshMode::Off})
      for (SchedulerKind sched : {SchedulerKind::FrFcfs, SchedulerKind::Fcfs}) {
        MemoryConfig c = test::preset("hbm3");
        c.controller.page_policy = page;
        c.controller.refresh = refresh;
        c.controller.scheduler = sched;
        ChannelHarness h(c);
        auto reqs = random_on_channel0(c, 3000, 3, 0.6, 11);
        auto s = stream_on_channel0(c, 3000, false);
        for (size_t i = 0; i < s.size(); ++i) s[i].cycle = 3 * i + 1;
        reqs.insert(reqs.end(), s.begin(), s.end());
        std::stable_sort(reqs.begin(), reqs.end(), [](const Req& a, const Req& b) { return a.cycle < b.cycle; });
        INFO(page << " " << refresh << " " << sched);
        h.run(reqs);
        CHECK(std::all_of(h.done_count().begin(), h.done_count().end(), [](uint32_t k) { return k == 1; }));
        CHECK(h.ctrl().queued() == 0);
      }
}

TEST_CASE("refresh keeps its rate across idle gaps without ticking while idle", "[hbm]") {
  for (RefreshMode mode : {RefreshMode::AllBank, RefreshMode::PerBank}) {
    MemoryConfig c = test::preset("hbm3");
    c.controller.refresh = mode;
    ChannelHarness h(c);
    // A read every 50 us of cycles: long idle gaps.
    std::vector<Req> reqs;
    const uint64_t gap = 80000, n = 50;
    for (uint64_t i = 0; i < n; ++i) reqs.push_back({i * gap, false, DramAddr{0, 0, 0, 0, uint32_t(i), 0}});
    const uint64_t end = h.run(reqs);
    const uint64_t interval = mode == RefreshMode::AllBank ? c.timing.nREFI : c.timing.nREFIpb;
    const double expected = double(end) / interval * c.org.pseudo_channels;
    const double got = double(h.ctrl().count(Cmd::REFab) + h.ctrl().count(Cmd::REFpb));
    INFO(mode << ": refreshes " << got << ", expected ~" << expected);
    CHECK(got >= expected - 2 * c.org.pseudo_channels);
    CHECK(got <= expected + 2);
    // Event-driven: far fewer commands+ticks than cycles.
    CHECK(h.ctrl().commands_issued() < end / 20);
  }
}

TEST_CASE("closed page auto-precharges; open page keeps rows for hits", "[hbm]") {
  MemoryConfig c = test::preset("hbm3");
  c.controller.refresh = RefreshMode::Off;
  MemoryConfig closed = c;
  closed.controller.page_policy = PagePolicyKind::Closed;
  ChannelHarness ho(c), hc(closed);
  auto reqs = random_on_channel0(c, 2000, 20, 1.0, 13);
  ho.run(reqs);
  hc.run(reqs);
  CHECK(hc.ctrl().count(Cmd::RDA) > 0);
  CHECK(hc.ctrl().count(Cmd::PRE) == 0);
  CHECK(ho.ctrl().count(Cmd::RDA) == 0);
  CHECK(ho.ctrl().count(Cmd::PRE) > 0);
}

TEST_CASE("FR-FCFS serves row hits ahead of older misses; FCFS does not", "[hbm]") {
  MemoryConfig c = test::preset("hbm3");
  c.controller.refresh = RefreshMode::Off;
  MemoryConfig fcfs = c;
  fcfs.controller.scheduler = SchedulerKind::Fcfs;
  // Two rows of one bank interleaved: FR-FCFS batches each row's hits.
  std::vector<Req> reqs;
  for (uint32_t i = 0; i < 400; ++i) reqs.push_back({0, false, DramAddr{0, 0, 0, 0, i % 2, (i / 2) % 32}});
  ChannelHarness hf(c), hq(fcfs);
  const uint64_t end_fr = hf.run(reqs), end_fc = hq.run(reqs);
  CHECK(hf.ctrl().count(Cmd::ACT) < hq.ctrl().count(Cmd::ACT) / 4);
  CHECK(end_fr < end_fc);
}

TEST_CASE("the checker derives precharge completion itself (auto-precharge waits for tRAS)", "[hbm][checker]") {
  MemoryConfig c = test::preset("ascend_950pr");
  c.controller.page_policy = PagePolicyKind::Closed;
  ChannelHarness h(c);
  HbmTiming wrong = c.timing;
  wrong.nRAS = 4;  // the controller believes rows may close almost at once
  h.ctrl().override_schedule_timing(wrong);
  CHECK_THROWS_WITH(h.run(random_on_channel0(c, 4000, 2, 1.0, 21)),
                    Catch::Contains("precharge completes") || Catch::Contains("tRAS"));
}

TEST_CASE("event-driven ticking gives exactly the every-cycle result", "[hbm]") {
  // Differential check of the wake-up logic: any missed or late wake-up
  // changes some completion time.
  std::mt19937_64 rng(99);
  int runs = 0;
  for (const char* preset : {"hbm3", "hbm2e"})
    for (PagePolicyKind page : {PagePolicyKind::Open, PagePolicyKind::Closed})
      for (RefreshMode refresh : {RefreshMode::Off, RefreshMode::AllBank, RefreshMode::PerBank})
        for (SchedulerKind sched : {SchedulerKind::FrFcfs, SchedulerKind::Fcfs}) {
          MemoryConfig c = test::preset(preset);
          c.controller.page_policy = page;
          c.controller.refresh = refresh;
          c.controller.scheduler = sched;
          c.controller.frontend_latency = int(rng() % 3) * 4;
          c.controller.refresh_stagger = (runs % 2) == 1;
          c.controller.read_queue = c.controller.write_queue = 4 + int(rng() % 12);
          auto reqs = random_on_channel0(c, 1500, 1 + rng() % 6, 0.6, rng());
          auto s = stream_on_channel0(c, 500, rng() % 2);
          for (size_t i = 0; i < s.size(); ++i) s[i].cycle = 7 * i + 3;
          reqs.insert(reqs.end(), s.begin(), s.end());
          std::stable_sort(reqs.begin(), reqs.end(), [](const Req& a, const Req& b) { return a.cycle < b.cycle; });
          ChannelHarness ev(c), every(c);
          ev.run(reqs);
          every.run(reqs, 100000000, true);
          INFO(preset << " " << page << " " << refresh << " " << sched);
          CHECK(ev.done() == every.done());
          ++runs;
        }
}
