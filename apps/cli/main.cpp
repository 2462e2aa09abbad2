// npusim-engine: the C++ side of the `npusim` command. Each invocation runs
// at most one simulation (SystemC elaborates once per process).
//   npusim-engine mem --config <preset|file.json|file.ini> --trace <file> [--format F] [--json] [--stats-dir DIR]
//   npusim-engine job <job.json> [--out DIR]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <systemc>

#include "memory/hbm_presets.hpp"
#include "sim/errors.hpp"
#include "sim/json_files.hpp"
#include "memory/memory_spec.hpp"
#include "workload/job_table.hpp"
#include "apps/cli/chakra_cmd.hpp"
#include "apps/cli/collective_cmd.hpp"
#include "apps/cli/remote_cmd.hpp"
#include "apps/cli/replay_cmd.hpp"
#include "apps/cli/core_cmd.hpp"
#include "apps/cli/noc_cmd.hpp"
#include "apps/cli/op_cmd.hpp"

using npusim::json;

namespace {

const char* kUsage =
    "usage:\n"
    "  npusim-engine mem --config <preset|file.json|file.ini> --trace <file>\n"
    "                    [--format native|dramsim3|auto] [--json] [--stats-dir DIR]\n"
    "                    [--fidelity cycle|fast] [--checker] [--timeline FILE]\n"
    "  npusim-engine job <job.json> [--out DIR]\n"
    "  npusim-engine core --trace <file.core> [--config core.json] [--json] [--stats-dir DIR]\n"
    "  npusim-engine collective --system <preset|supercluster:<pod>:<K>|'{\"preset\":...}'|file.json|generator>\n"
    "                    --op <allreduce|allgather|reducescatter|alltoall|broadcast|moe_dispatch|moe_combine>\n"
    "                    --bytes S [--ranks N] [--algo ring|direct|pairwise|halving_doubling|hierarchical|double_tree]\n"
    "                    [--group G] [--fidelity flow|packet] [--packet-config F] [--chunk-bytes C] [--json]\n"
    "                    [--link-preset none|electrical|optical|optical_lpo]  (a link model for both fidelities: the\n"
    "                    flow level then sees the packet level's link latency and goodput, noc/link_model.hpp)\n"
    "                    (generator: mesh:XxY torus:XxY ring:N clos:E:G:S dragonfly:A:P:H[:G] fullmesh:AxBx..., links\n"
    "                    [--link-bandwidth-gbps B] [--link-latency-ns L], default 32 GB/s, 10 ns)\n"
    "  npusim-engine op --chip <preset|chip.json> --op <matmul|attention|elementwise> --dtype D\n"
    "                    [--m M --n N --k K] [--fidelity cycle|fast] [--json] [--out DIR]  (op --help)\n"
    "  npusim-engine noc --topology <mesh:8x8|torus:4x4|ring:N|clos:E:G:S|dragonfly:A:P:H[:G]|fullmesh:AxB..|chip:<preset>|preset|file>\n"
    "                    --rate R|--sweep r,... [--json]  (noc --help)\n"
    "  npusim-engine remote --system <preset|topology.json|generator> [--pattern P] [--op read|write]\n"
    "                    [--bytes S] [--access A] [--json] [--out DIR]  (remote --help)\n"
    "  npusim-engine replay --system <preset|generator|file> --trace <graph.jsonl|chakra-prefix> [--chip C]\n"
    "                    [--fidelity fast|cycle] [--fabric flow|packet] [--op-cache DIR] [--timeline F]\n"
    "                    [--json] [--out DIR]  (replay --help)\n"
    "  npusim-engine chakra export --trace T.jsonl --out PREFIX | chakra import --trace PREFIX --out T.jsonl\n"
    "                    (Chakra execution traces, one PREFIX.<rank>.et per rank; chakra --help)\n"
    "  npusim-engine presets\n";

struct Args {
  std::vector<std::string> v;
  size_t i = 0;
  bool done() const { return i >= v.size(); }
  std::string value(const std::string& flag) {
    if (i + 1 >= v.size() || v[i + 1].rfind("--", 0) == 0)
      throw npusim::UsageError(flag + " needs a value");
    i += 2;
    return v[i - 1];
  }
};

void print_text(const json& r) {
  auto num = [&](const char* k) { return r[k].get<double>(); };
  std::printf("memory            %s (%s, %s)\n", r["memory"].get<std::string>().c_str(),
              r["standard"].get<std::string>().c_str(), r["fidelity"].get<std::string>().c_str());
  std::printf("requests          %llu (reads %llu, writes %llu)\n", (unsigned long long)r["requests"].get<uint64_t>(),
              (unsigned long long)r["reads"].get<uint64_t>(), (unsigned long long)r["writes"].get<uint64_t>());
  std::printf("total cycles      %llu (tCK %.2f ps)\n", (unsigned long long)r["cycles"].get<uint64_t>(), num("tck_ps"));
  std::printf("simulated time    %.3f us\n", num("time_ns") / 1000.0);
  std::printf("bandwidth         %.2f GB/s (%.1f%% of peak %.2f GB/s)\n", num("bandwidth_gbps"), num("pct_peak"),
              num("peak_gbps"));
  std::printf("read latency      avg %.2f ns (%.1f cycles), p99 %.2f ns (%.0f cycles)\n", num("avg_read_latency_ns"),
              num("avg_read_latency_cycles"), num("p99_read_latency_ns"), num("p99_read_latency_cycles"));
  std::printf("row-buffer hits   %.2f%%\n", 100.0 * num("row_hit_rate"));
}

int cmd_mem(Args& a) {
  std::string config, trace, format = "auto", stats_dir, fidelity, timeline;
  bool as_json = false, checker = false;
  while (!a.done()) {
    const std::string f = a.v[a.i];
    if (f == "--config") config = a.value(f);
    else if (f == "--trace") trace = a.value(f);
    else if (f == "--format") format = a.value(f);
    else if (f == "--stats-dir") stats_dir = a.value(f);
    else if (f == "--fidelity") fidelity = a.value(f);
    else if (f == "--timeline") timeline = a.value(f);
    else if (f == "--json") { as_json = true; ++a.i; }
    else if (f == "--checker") { checker = true; ++a.i; }
    else throw npusim::UsageError("unknown argument '" + f + "' for 'mem'");
  }
  if (config.empty()) throw npusim::UsageError("mem: --config is required");
  if (trace.empty()) throw npusim::UsageError("mem: --trace is required");
  if (format != "native" && format != "dramsim3" && format != "auto")
    throw npusim::UsageError("--format: expected native, dramsim3 or auto, got '" + format + "'");
  json mem = npusim::memory::load_memory_config_json(config);
  if (!fidelity.empty()) mem["fidelity"] = fidelity;
  if (checker) mem["protocol_checker"] = true;
  json job = {{"kind", "memory"}, {"memory", mem}, {"trace", {{"file", trace}, {"format", format}}}};
  if (!timeline.empty()) job["timeline"] = timeline;
  json r = npusim::run_job(job, npusim::RunFiles{stats_dir}, npusim::JobOrigin::Flags);
  if (as_json) {
    r.erase("perf");
    std::cout << r.dump() << std::endl;
  } else {
    print_text(r);
    if (!stats_dir.empty()) std::printf("stats             %s/stats.txt\n", stats_dir.c_str());
  }
  return 0;
}

int cmd_job(Args& a) {
  if (a.done()) throw npusim::UsageError("job: expected a job.json path");
  const std::string path = a.v[a.i++];
  std::string out;
  while (!a.done()) {
    const std::string f = a.v[a.i];
    if (f == "--out") out = a.value(f);
    else throw npusim::UsageError("unknown argument '" + f + "' for 'job'");
  }
  const json job = npusim::read_json_file(path, "job", "a job object");
  json r = npusim::run_job(job, npusim::RunFiles{out});
  if (out.empty()) std::cout << r.dump(1) << std::endl;
  return 0;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  Args a;
  for (int i = 1; i < argc; ++i) a.v.push_back(argv[i]);
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  try {
    if (a.done() || a.v[0] == "-h" || a.v[0] == "--help") {
      std::fputs(kUsage, a.done() ? stderr : stdout);
      return a.done() ? npusim::kExitUsage : 0;
    }
    const std::string cmd = a.v[a.i++];
    if (cmd == "mem") return cmd_mem(a);
    if (cmd == "job") return cmd_job(a);
    if (cmd == "core") return npusim::cli::run_core_command({a.v.begin() + a.i, a.v.end()});
    if (cmd == "op") return npusim::cli::run_op_command({a.v.begin() + a.i, a.v.end()});
    if (cmd == "noc") return npusim::cli::run_noc_command({a.v.begin() + a.i, a.v.end()});
    if (cmd == "collective") return npusim::cli::run_collective_command({a.v.begin() + a.i, a.v.end()});
    if (cmd == "chakra") return npusim::cli::run_chakra_command({a.v.begin() + a.i, a.v.end()});
    if (cmd == "remote") return npusim::cli::run_remote_command({a.v.begin() + a.i, a.v.end()});
    if (cmd == "replay") return npusim::cli::run_replay_command({a.v.begin() + a.i, a.v.end()});
    if (cmd == "presets") {
      for (const auto& n : npusim::memory::memory_preset_names()) std::cout << n << "\n";
      return 0;
    }
    throw npusim::UsageError("unknown command '" + cmd + "'");
  } catch (const npusim::UsageError& e) {
    std::fprintf(stderr, "npusim: UsageError: %s\n%s", e.what(), kUsage);
    return npusim::kExitUsage;
  } catch (const npusim::Error& e) {
    std::fprintf(stderr, "npusim: %s: %s\n", e.category(), e.what());
    return npusim::exit_code_for(e);
  } catch (const sc_core::sc_report& e) {
    std::fprintf(stderr, "npusim: SimulationError: %s\n", e.what());
    return npusim::kExitInternal;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "npusim: InternalError: %s\n", e.what());
    return npusim::kExitInternal;
  }
}
