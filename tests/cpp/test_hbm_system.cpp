// System-level HBM tests through TLM-2.0 AT. SystemC elaborates once per
// process, so each test case here runs in its own ctest process (see
// CMakeLists.txt: tags [sc_*]).
#include <catch2/catch.hpp>

#include <systemc>

#include "memory/hbm_presets.hpp"
#include "memory/hbm_system.hpp"
#include "memory/patterns.hpp"
#include "workload/memory_job.hpp"
#include "workload/mem_trace_player.hpp"

using namespace npusim;

TEST_CASE("HBM3 streaming reads through TLM reach >= 90% of the timing-derived peak", "[.][sc_stream]") {
  json job = {{"kind", "memory"},
              {"memory", {{"preset", "hbm3"}, {"protocol_checker", true}}},
              {"trace", {{"pattern", "stream_read"}, {"requests", 500000}, {"size", 64}}}};
  json r = run_memory_job(job, "");
  const memory::MemoryConfig c = memory::load_memory_config("hbm3");
  const memory::HbmTiming& t = c.timing;
  // 500k requests = ~10 refresh intervals. Derived from the timing table: column spacing vs burst length, and the
  // share of time all-bank refresh takes (tRP to close rows + tRFC).
  const int bl = t.nBL(c.org);
  const double timing_peak = c.peak_bandwidth_gbps() * double(bl) / std::max(bl, t.nCCDS) *
                             (1.0 - double(t.nRFC + t.nRP) / t.nREFI);
  INFO("achieved " << r["bandwidth_gbps"].get<double>() << " GB/s, timing peak " << timing_peak);
  CHECK(r["bandwidth_gbps"].get<double>() >= 0.90 * timing_peak);
  // Refresh is not evenly spread over a finite run; the column limit alone bounds it.
  CHECK(r["bandwidth_gbps"].get<double>() <= c.peak_bandwidth_gbps() * double(bl) / std::max(bl, t.nCCDS));
  CHECK(r["reads"].get<uint64_t>() == 500000);
  CHECK(r["writes"].get<uint64_t>() == 0);
  CHECK(r["row_hit_rate"].get<double>() > 0.9);
}

TEST_CASE("a protocol violation inside the simulation surfaces as ProtocolError", "[.][sc_checker]") {
  memory::MemoryConfig c = memory::load_memory_config("hbm3");
  c.protocol_checker = true;
  stats::Registry reg;
  stats::Group root(reg, "system");
  memory::HbmSystem mem("mem", c, root);
  memory::HbmTiming wrong = c.timing;
  wrong.nRP -= 4;  // schedule with a tRP the device does not allow
  for (size_t i = 0; i < mem.channels(); ++i) mem.channel(i).override_schedule_timing(wrong);
  memory::PatternSpec spec = defaults_of<memory::PatternSpec>();
  spec.pattern = memory::AccessPattern::Random;
  spec.requests = 5000;
  memory::MemTrace trace = memory::generate_pattern(spec, c, mem.mapping());
  std::vector<uint64_t> times(trace.records.size(), 0);
  MemTracePlayer player("player", trace, times, root);
  player.socket.bind(mem.socket);
  CHECK_THROWS_AS(sim_start(), ProtocolError);
}
