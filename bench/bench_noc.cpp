// Packet-level fabric benchmark: simulated packets, flits and events per
// second of wall time near saturation, beside a plain C++ priority-queue
// event loop measured in the same run (the floor any event-driven simulator
// sits on). The fabric is plain C++ with its own event queue, so no fork is
// needed; each case is one run_synthetic() call.
//   bench_noc [--quick]
#include <chrono>

#include "bench/event_loop_baseline.hpp"
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <queue>
#include <string>
#include <systemc>
#include <vector>

#include "noc/packet/synthetic_traffic.hpp"
#include "noc/system_presets.hpp"

using Clock = std::chrono::steady_clock;
using namespace npusim;
using namespace npusim::noc;

namespace {

struct Case {
  const char* name;
  Topology topo;
  const char* pattern;
  double rate;
  int measure_cycles;
};

}  // namespace

int sc_main(int argc, char* argv[]) {
  const bool quick = argc > 1 && !std::strcmp(argv[1], "--quick");
  const double pq = npusim::bench::pq_events_per_s(20000000);
  std::printf("baseline  plain C++ priority-queue loop: %.2f M events/s\n\n", pq / 1e6);
  std::vector<Case> cases;
  cases.push_back({"8x8 mesh (dor, 32 GB/s, 10 ns)", Topology::mesh(8, 8, 32, 10), "uniform", 0.40,
                   quick ? 5000 : 50000});
  cases.push_back({"8x8 mesh (dor, 32 GB/s, 10 ns)", Topology::mesh(8, 8, 32, 10), "uniform", 0.10,
                   quick ? 5000 : 50000});
  cases.push_back({"CloudMatrix384 Clos (updown)", build_system("cloudmatrix384"), "uniform", 0.6,
                   quick ? 300 : 1500});
  std::printf("| topology | traffic | offered | accepted | packets | flits | events | wall s | packets/s | "
              "flits/s | events/s | events/s vs plain loop |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Case& c : cases) {
    PacketParams p = defaults_of<PacketParams>();
    TrafficParams tp = defaults_of<TrafficParams>();
    tp.pattern = parse_enum<TrafficPattern>(c.pattern, "pattern");
    tp.rate = c.rate;
    tp.measure_cycles = c.measure_cycles;
    tp.warmup_cycles = std::max(c.measure_cycles / 4, 2000);  // longer than the Clos latency (~1 us)
    const auto t0 = Clock::now();
    TrafficResult r = run_synthetic(c.topo, p, tp);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    // Every delivered packet is flits_for(packet_bytes) flits.
    const double flits = double(r.packets_delivered) * ((tp.packet_bytes + p.packet.header_bytes + p.link.flit_bytes - 1) /
                                                       p.link.flit_bytes);
    std::printf("| %s | %s %.2f | %.3f | %.3f | %llu | %.0f | %llu | %.2f | %.0f | %.0f | %.0f | %.3f |\n", c.name,
                c.pattern, c.rate, r.offered_rate, r.accepted_rate, (unsigned long long)r.packets_delivered, flits,
                (unsigned long long)r.events, s, r.packets_delivered / s, flits / s, r.events / s, r.events / s / pq);
    std::fflush(stdout);
  }
  return 0;
}
