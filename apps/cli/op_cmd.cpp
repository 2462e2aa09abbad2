#include "apps/cli/op_cmd.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "sim/errors.hpp"
#include "workload/job_table.hpp"
#include "apps/cli/cli_common.hpp"
#include "apps/cli/job_flags.hpp"
#include "models/op_job.hpp"

namespace npusim::cli {

namespace {

const char* kOpUsage =
    "usage: npusim op --chip <preset|chip.json> --op matmul --m M --n N --k K [--batch B] [--trans-a] "
    "[--trans-b]\n"
    "                 --dtype <bf16|fp16|fp8|hif8|mxfp8|mxfp4|int8> [--fidelity cycle|fast] [--json]\n"
    "                 [--out DIR] [--timeline FILE] [--watchdog-us US] [--name NAME] [--print-job]\n"
    "       npusim op ... --op attention --batch B --heads H [--kv-heads G] --head-dim D --seq-q SQ --seq-kv SKV "
    "[--no-causal]\n"
    "       npusim op ... --op elementwise --elements N [--kind add|mul|reduce_sum]\n"
    "  Flags are the op job's keys (npusim params job.op) with '-' for '_'; --print-job prints the job and exits.\n";


}  // namespace

nlohmann::json op_job_from_args(const std::vector<std::string>& args, bool* as_json, std::string* out_dir,
                                bool* print_job) {
  const Schema& schema = OpJob::schema();
  nlohmann::json job = {{"kind", "op"}};
  for (size_t i = 0; i < args.size();) {
    const std::string& f = args[i];
    if (read_job_flag(schema, args, &i, &job, {{"--kind", "elementwise_kind"}})) continue;
    if (f == "--out") *out_dir = flag_value(args, &i);
    else if (f == "--json") { *as_json = true; ++i; }
    else if (f == "--print-job" && print_job) { *print_job = true; ++i; }
    else if (f == "-h" || f == "--help") { std::fputs(kOpUsage, stdout); std::exit(0); }
    else throw UsageError("unknown argument '" + f + "' for 'op'\n" + kOpUsage);
  }
  if (!job.contains("chip")) throw UsageError(std::string("op: --chip is required (a preset or a chip .json)\n") + kOpUsage);
  if (!job.contains("op")) throw UsageError(std::string("op: --op is required (matmul, attention or elementwise)\n") + kOpUsage);
  const std::string op = job["op"].get<std::string>();
  const auto& ops = schema.find("op")->info.choices;
  if (std::find(ops.begin(), ops.end(), op) == ops.end())
    throw UsageError("--op: expected matmul, attention or elementwise, got '" + op + "'");
  require_job_flags(schema, job, "op");
  fill_selected_defaults(schema, &job);
  return job;
}

int run_op_command(const std::vector<std::string>& args) {
  bool as_json = false;
  std::string out;
  bool print_job = false;
  const nlohmann::json job = op_job_from_args(args, &as_json, &out, &print_job);
  if (print_job) {  // the job this command runs, as `npusim-engine job` and Python's OpRun take it
    std::cout << job.dump(1) << std::endl;
    return 0;
  }
  nlohmann::json r = run_job(job, RunFiles{out}, JobOrigin::Flags);
  if (as_json) {
    std::cout << r.dump(1) << std::endl;
    return 0;
  }
  std::printf("%s  %s %s on %s (%s)\n", r["name"].get<std::string>().c_str(), r["kernel"].get<std::string>().c_str(),
              r["dtype"].get<std::string>().c_str(), r["chip"].get<std::string>().c_str(),
              r["fidelity"].get<std::string>().c_str());
  std::printf("  cycles %llu  time %.3f us  %.1f TFLOPS of %.1f peak (%.1f%%)  bound: %s\n",
              (unsigned long long)r["cycles"].get<uint64_t>(), r["time_us"].get<double>(), r["tflops"].get<double>(),
              r["peak_tflops"].get<double>(), 100.0 * r["utilization"].get<double>(),
              r["bound"].get<std::string>().c_str());
  std::printf("  HBM %.3g bytes at %.0f GB/s of %.0f peak; cores used %llu\n  pipes busy:",
              r["hbm_bytes"].get<double>(), r["hbm_gbps"].get<double>(), r["hbm_peak_gbps"].get<double>(),
              (unsigned long long)r["cores_used"].get<uint64_t>());
  for (auto it = r["pipes"].begin(); it != r["pipes"].end(); ++it)
    std::printf(" %s %.0f%%", it.key().c_str(), 100.0 * it.value().get<double>());
  std::printf("\n");
  return 0;
}

}  // namespace npusim::cli
