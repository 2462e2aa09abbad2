// Memory-system benchmark: trace replay speed (requests/s of wall time,
// simulated memory cycles/s) for built-in patterns, beside two baselines
// measured in the same run: a plain C++ priority-queue event loop and a
// self-notifying SystemC SC_METHOD. Each SystemC measurement runs in a forked
// child (SystemC elaborates once per process); results come back by pipe.
//   bench_memory [--requests N] [--preset NAME] [--patterns a,b,...]
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "bench/event_loop_baseline.hpp"
#include <cstdio>
#include <cstring>
#include <functional>
#include <queue>
#include <sstream>
#include <string>
#include <systemc>
#include <vector>

#include "workload/memory_job.hpp"

using Clock = std::chrono::steady_clock;

namespace {

// Baseline 2: a SystemC method that re-notifies itself.
struct Ticker : sc_core::sc_module {
  SC_HAS_PROCESS(Ticker);
  uint64_t left;
  sc_core::sc_event ev;
  Ticker(sc_core::sc_module_name n, uint64_t count) : sc_core::sc_module(n), left(count) {
    SC_METHOD(step);
    sensitive << ev;
  }
  void step() {
    if (left-- > 0) ev.notify(1, sc_core::SC_NS);
  }
};

// Runs f in a child process; returns what it printed.
std::string in_child(const std::function<std::string()>& f) {
  int fd[2];
  if (pipe(fd) != 0) return "";
  pid_t pid = fork();
  if (pid == 0) {
    close(fd[0]);
    std::string out = f();
    if (write(fd[1], out.data(), out.size()) < 0) _exit(1);
    _exit(0);
  }
  close(fd[1]);
  std::string out;
  char buf[4096];
  ssize_t k;
  while ((k = read(fd[0], buf, sizeof buf)) > 0) out.append(buf, size_t(k));
  close(fd[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  return out;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  uint64_t requests = 1000000;
  std::string preset = "hbm3", patterns = "stream_read,random,rw_mix";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--requests")) requests = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--preset")) preset = argv[i + 1];
    else if (!std::strcmp(argv[i], "--patterns")) patterns = argv[i + 1];
  }
  const double pq = npusim::bench::pq_events_per_s(20000000);
  const std::string sc = in_child([] {
    Ticker t("ticker", 10000000);
    const auto t0 = Clock::now();
    sc_core::sc_start();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    return std::to_string(1e7 / s);
  });
  std::printf("baseline  plain C++ priority-queue loop: %.2f M events/s\n", pq / 1e6);
  std::printf("baseline  SystemC self-notifying SC_METHOD: %.2f M events/s (%.2fx the plain loop)\n",
              std::stod(sc) / 1e6, std::stod(sc) / pq);
  std::printf("\n| preset | pattern | requests | wall s | requests/s | sim cycles/s | GB/s simulated | req/s per plain-loop event/s |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  std::stringstream ss(patterns);
  std::string pat;
  while (std::getline(ss, pat, ',')) {
    const std::string out = in_child([&] {
      npusim::json job = {{"kind", "memory"},
                          {"memory", preset},
                          {"trace", {{"pattern", pat}, {"requests", requests}, {"size", 64}}}};
      npusim::json r = npusim::run_memory_job(job, "");
      return r.dump();
    });
    npusim::json r = npusim::json::parse(out);
    const auto& p = r["perf"];
    std::printf("| %s | %s | %llu | %.2f | %.0f | %.0f | %.1f | %.4f |\n", preset.c_str(), pat.c_str(),
                (unsigned long long)requests, p["wall_s"].get<double>(), p["requests_per_s"].get<double>(),
                p["sim_cycles_per_s"].get<double>(), r["bandwidth_gbps"].get<double>(),
                p["requests_per_s"].get<double>() / pq);
  }
  return 0;
}
