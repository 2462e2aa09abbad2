// Remote-memory benchmark: NPUs reading each other's memory through the
// packet fabric behind TLM sockets (npusim remote), as transactions,
// packets and fabric events per wall second, beside a plain C++
// priority-queue event loop measured in the same process. SystemC
// elaborates once per process, so this is one case per run.
//   bench_remote [--quick]
#include <chrono>
#include <cstdio>
#include <cstring>

#include <systemc>

#include "bench/event_loop_baseline.hpp"
#include "workload/remote_job.hpp"
#include "noc/topology.hpp"

using Clock = std::chrono::steady_clock;
using namespace npusim;

int sc_main(int argc, char* argv[]) {
  const bool quick = argc > 1 && !std::strcmp(argv[1], "--quick");
  const double pq = bench::pq_events_per_s(20000000);
  std::printf("baseline  plain C++ priority-queue loop: %.2f M events/s\n\n", pq / 1e6);
  // 64 NPUs in 8 servers on a non-blocking two-tier Clos (56 GB/s, 150 ns
  // links, CloudMatrix-like), all-to-all 512 B loads, fast memory.
  noc::ClosParams c;
  c.endpoints = 64;
  c.endpoints_per_group = 8;
  c.spines = 8;
  c.endpoint_bandwidth_gbps = c.uplink_bandwidth_gbps = 56;
  c.endpoint_latency_ns = 150;
  c.uplink_latency_ns = 250;
  const noc::Topology t = noc::Topology::clos(c);
  const json job = {{"kind", "remote"},
                    {"pattern", "alltoall"},
                    {"op", "read"},
                    {"bytes", quick ? (256 << 10) : (4 << 20)},
                    {"access_bytes", 512},
                    {"memory", {{"preset", "ascend_910c"}, {"fidelity", "fast"}}}};
  const auto t0 = Clock::now();
  const json r = run_remote_job(job, t, "clos 64 NPUs", "");
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  const double tx = r["transactions"].get<double>(), pk = r["packets"].get<double>();
  std::printf("| system | pattern | transactions | packets | sim us | wall s | transactions/s | packets/s | "
              "packets/s vs plain loop events/s |\n|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| 64-NPU Clos | alltoall 512 B reads | %.0f | %.0f | %.1f | %.2f | %.0f | %.0f | %.4f |\n", tx, pk,
              r["time_us"].get<double>(), s, tx / s, pk / s, pk / s / pq);
  return 0;
}
