// Speed of the AI-core and chip models: simulated core cycles per wall
// second for a GEMM (1) on one AI core (AiCore alone, fixed-latency GM) and
// (2) on a whole chip (ChipSim: every core, L2, HBM at cycle level through
// TLM), beside a plain C++ priority-queue event loop measured in the same
// process. One SystemC simulation per process (SystemC elaborates once).
//   build/bench_chip [--chip ascend_950pr] [--m 2048 --n 2048 --k 2048] [--dtype bf16]
#include <chrono>

#include "bench/event_loop_baseline.hpp"
#include <cstdio>
#include <cstdlib>
#include <queue>
#include <string>
#include <vector>

#include <systemc>

#include "sim/stats.hpp"
#include "models/op_job.hpp"
#include "npu/chip/chip_presets.hpp"
#include "npu/core/ai_core.hpp"
#include "npu/kernels/matmul_kernel.hpp"

using Clock = std::chrono::steady_clock;

int sc_main(int argc, char* argv[]) {
  std::string chip = "ascend_950pr", dtype = "bf16";
  uint64_t m = 2048, n = 2048, k = 2048;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string f = argv[i], v = argv[i + 1];
    if (f == "--chip") chip = v;
    else if (f == "--dtype") dtype = v;
    else if (f == "--m") m = std::stoull(v);
    else if (f == "--n") n = std::stoull(v);
    else if (f == "--k") k = std::stoull(v);
    else {
      std::fprintf(stderr, "unknown argument %s\n", f.c_str());
      return 2;
    }
  }
  const double pq = npusim::bench::pq_events_per_s(20000000);
  std::printf("baseline  plain C++ priority-queue loop: %.2f M events/s\n", pq / 1e6);

  // (1) One core: the same GEMM shape on a one-core copy of the chip.
  npusim::npu::ChipConfig one = npusim::npu::chip_config_from_json(npusim::npu::chip_preset(chip), "chip");
  one.cube_cores = 1;
  npusim::npu::MatmulSpec s;
  s.m = m / 4;  // a quarter of the shape per dimension keeps one core's run short
  s.n = n / 4;
  s.k = k;
  s.dtype = npusim::npu::dtype_from_string(dtype, "--dtype");
  npusim::npu::KernelPlan plan = npusim::npu::lower_matmul(one, s);
  npusim::stats::Registry reg;
  npusim::stats::Group root(reg, "system");
  const size_t instrs = plan.programs[0].program.size();
  npusim::npu::AiCore core(one.core, std::move(plan.programs[0].program), root);
  auto t0 = Clock::now();
  const uint64_t cycles = core.run();
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("| one core | %s %llux%llux%llu %s | %zu instr | %llu cycles | %.3f s | %.2f M cycles/s | %.2f M instr/s "
              "| %.3f cycles/s per plain-loop event/s |\n",
              chip.c_str(), (unsigned long long)s.m, (unsigned long long)s.n, (unsigned long long)s.k, dtype.c_str(),
              instrs, (unsigned long long)cycles, wall, cycles / wall / 1e6, instrs / wall / 1e6, cycles / wall / pq);

  // (2) The whole chip at cycle level.
  npusim::json job = {{"kind", "op"}, {"chip", chip}, {"op", "matmul"}, {"m", m}, {"n", n}, {"k", k},
                      {"dtype", dtype}, {"fidelity", "cycle"}};
  t0 = Clock::now();
  npusim::json r = npusim::run_op_job(job, "");
  wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cyc = r["cycles"].get<double>();
  std::printf("| whole chip | %s %llux%llux%llu %s | %llu cores | %.0f cycles | %.3f s | %.3f M cycles/s | %.2f M "
              "core-cycles/s | %.4f cycles/s per plain-loop event/s | %.1f%% of peak |\n",
              chip.c_str(), (unsigned long long)m, (unsigned long long)n, (unsigned long long)k, dtype.c_str(),
              (unsigned long long)r["cores_used"].get<uint64_t>(), cyc, wall, cyc / wall / 1e6,
              cyc * r["cores_used"].get<double>() / wall / 1e6, cyc / wall / pq,
              100 * r["utilization"].get<double>());
  return 0;
}
