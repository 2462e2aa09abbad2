// Workload-layer benchmark: an MoE-decode-like graph on every NPU of
// CloudMatrix384 (per rank and layer: attention, an all-to-all-v dispatch,
// 8 expert matmuls, an all-to-all-v combine), written as an opgraph .jsonl
// and replayed end to end (read, op cache, executor, fabric), as nodes and
// executor events per wall second beside a plain C++ priority-queue loop
// measured in the same process.
//   bench_replay [--ranks R] [--layers L] [--fabric flow|packet] [--fidelity fast|cycle]
// Defaults: 384 ranks, 61 layers, flow fabric, fast compute.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <systemc>

#include "bench/event_loop_baseline.hpp"
#include "workload/job_table.hpp"
#include "workload/opgraph.hpp"

using Clock = std::chrono::steady_clock;
using namespace npusim;
using namespace npusim::workload;

namespace {

// DeepSeek-like decode on one rank: 32 tokens, top-8 of 256 experts over R
// ranks, 7168-wide FP8 token payloads to every peer alike (uniform load).
OpGraph moe_decode(int ranks, int layers) {
  OpGraph g;
  g.ranks = ranks;
  g.name = "moe_decode_bench";
  std::vector<int> group(static_cast<size_t>(ranks));
  for (int r = 0; r < ranks; ++r) group[size_t(r)] = r;
  const double per_peer = std::floor(32.0 * 8 * 7168 / ranks);
  std::vector<int> last(size_t(ranks), -1);
  auto add = [&](GraphNode n) {
    n.id = int64_t(g.nodes.size());
    if (last[size_t(n.rank)] >= 0) n.deps = {last[size_t(n.rank)]};
    last[size_t(n.rank)] = int(g.nodes.size());
    g.nodes.push_back(std::move(n));
  };
  for (int l = 0; l < layers; ++l)
    for (int r = 0; r < ranks; ++r) {
      GraphNode a;
      a.rank = r;
      a.type = NodeType::Attention;
      a.op = {{"batch", 32}, {"heads", 16}, {"kv_heads", 1}, {"head_dim", 576}, {"seq_q", 1}, {"seq_kv", 4096},
              {"causal", true}, {"dtype", "bf16"}};
      a.name = "attn" + std::to_string(l);
      add(a);
      for (int phase = 0; phase < 2; ++phase) {
        GraphNode v;
        v.rank = r;
        v.type = NodeType::AllToAllV;
        v.group = group;
        v.send_bytes.assign(size_t(ranks), per_peer);
        v.send_bytes[size_t(r)] = 0;
        v.name = (phase == 0 ? "dispatch" : "combine") + std::to_string(l);
        if (phase == 1) add(v);
        if (phase == 0) {
          add(v);
          for (int e = 0; e < 8; ++e) {
            GraphNode m;
            m.rank = r;
            m.type = NodeType::Matmul;
            m.op = {{"m", 256}, {"n", 2048}, {"k", 7168}, {"batch", 1}, {"trans_a", false}, {"trans_b", false},
                    {"dtype", "bf16"}};
            m.name = "expert" + std::to_string(e);
            add(m);
          }
        }
      }
    }
  return g;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  int ranks = 384, layers = 61;
  std::string fabric = "flow", fidelity = "fast";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--ranks")) ranks = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--layers")) layers = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--fabric")) fabric = argv[i + 1];
    else if (!std::strcmp(argv[i], "--fidelity")) fidelity = argv[i + 1];
  }
  const double pq = bench::pq_events_per_s(20000000);
  std::printf("baseline  plain C++ priority-queue loop: %.2f M events/s\n\n", pq / 1e6);
  const std::string path = "/tmp/npusim_bench_replay.jsonl";
  const auto t0 = Clock::now();
  {
    std::ofstream out(path);
    write_opgraph(moe_decode(ranks, layers), out);
  }
  const double gen_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const json job = {{"kind", "replay"}, {"system", ranks == 384 ? "cloudmatrix384" : "clos:" + std::to_string(ranks) + ":8:8"},
                    {"trace", path}, {"chip", "ascend_910c"}, {"fidelity", fidelity}, {"fabric", fabric}};
  const auto t1 = Clock::now();
  const json r = run_job(job, RunFiles{});
  const double s = std::chrono::duration<double>(Clock::now() - t1).count();
  const double nodes = r["jobs"][0]["nodes"].get<double>(), events = r["events"].get<double>();
  const json& perf = r["perf"];
  std::printf("| ranks x layers | fabric | compute | nodes | sim us | write s | replay wall s (read / costs / exec) | "
              "nodes/s | exec events/s | vs plain loop | op cache hits / misses |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| %d x %d | %s | %s | %.0f | %.1f | %.2f | %.2f (%.2f / %.2f / %.2f) | %.0f | %.0f | %.4f | %llu / %llu |\n",
              ranks, layers, fabric.c_str(), fidelity.c_str(), nodes, r["time_us"].get<double>(), gen_s, s,
              perf["read_s"].get<double>(), perf["cost_s"].get<double>(), perf["exec_s"].get<double>(), nodes / s,
              perf["events_per_s"].get<double>(), perf["events_per_s"].get<double>() / pq,
              (unsigned long long)r["op_cache"]["hits"].get<uint64_t>(),
              (unsigned long long)r["op_cache"]["misses"].get<uint64_t>());
  (void)events;
  return 0;
}
