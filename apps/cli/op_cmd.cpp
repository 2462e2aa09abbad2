#include "apps/cli/op_cmd.hpp"

#include <cstdio>
#include <iostream>

#include "sim/errors.hpp"
#include "models/op_job.hpp"
#include "apps/cli/cli_common.hpp"

namespace npusim::cli {

namespace {

const char* kOpUsage =
    "usage: npusim op --chip <preset|chip.json> --op matmul --m M --n N --k K [--batch B] [--trans-a] "
    "[--trans-b]\n"
    "                 --dtype <bf16|fp16|fp8|hif8|mxfp8|mxfp4|int8> [--fidelity cycle|fast] [--json]\n"
    "                 [--out DIR] [--timeline FILE]\n"
    "       npusim op ... --op attention --batch B --heads H [--kv-heads G] --head-dim D --seq-q SQ --seq-kv SKV "
    "[--no-causal]\n"
    "       npusim op ... --op elementwise --elements N [--kind add|mul|reduce_sum]\n";


}  // namespace

nlohmann::json op_job_from_args(const std::vector<std::string>& args, bool* as_json, std::string* out_dir) {
  nlohmann::json job = {{"kind", "op"}};
  std::string op;
  for (size_t i = 0; i < args.size();) {
    const std::string& f = args[i];
    auto value = [&] { return flag_value(args, &i); };
    auto count = [&](const char* key) { job[key] = parse_positive(f, value()); };
    if (f == "--chip") job["chip"] = value();
    else if (f == "--op") job["op"] = op = value();
    else if (f == "--dtype") job["dtype"] = value();
    else if (f == "--fidelity") job["fidelity"] = value();
    else if (f == "--m") count("m");
    else if (f == "--n") count("n");
    else if (f == "--k") count("k");
    else if (f == "--batch") count("batch");
    else if (f == "--heads") count("heads");
    else if (f == "--kv-heads") count("kv_heads");
    else if (f == "--head-dim") count("head_dim");
    else if (f == "--seq-q") count("seq_q");
    else if (f == "--seq-kv") count("seq_kv");
    else if (f == "--elements") count("elements");
    else if (f == "--kind") job["elementwise_kind"] = value();
    else if (f == "--name") job["name"] = value();
    else if (f == "--timeline") job["timeline"] = value();
    else if (f == "--out") *out_dir = value();
    else if (f == "--trans-a") { job["trans_a"] = true; ++i; }
    else if (f == "--trans-b") { job["trans_b"] = true; ++i; }
    else if (f == "--no-causal") { job["causal"] = false; ++i; }
    else if (f == "--json") { *as_json = true; ++i; }
    else if (f == "-h" || f == "--help") { std::fputs(kOpUsage, stdout); std::exit(0); }
    else throw UsageError("unknown argument '" + f + "' for 'op'\n" + kOpUsage);
  }
  if (!job.contains("chip")) throw UsageError(std::string("op: --chip is required (a preset or a chip .json)\n") + kOpUsage);
  if (op.empty()) throw UsageError(std::string("op: --op is required (matmul, attention or elementwise)\n") + kOpUsage);
  if (op != "matmul" && op != "attention" && op != "elementwise")
    throw UsageError("--op: expected matmul, attention or elementwise, got '" + op + "'");
  auto need = [&](const char* key, const char* flag) {
    if (!job.contains(key)) throw UsageError("op " + op + ": " + flag + " is required");
  };
  if (op == "matmul") { need("m", "--m"); need("n", "--n"); need("k", "--k"); }
  if (op == "attention") { need("heads", "--heads"); need("head_dim", "--head-dim"); need("seq_q", "--seq-q"); need("seq_kv", "--seq-kv"); }
  if (op == "elementwise") need("elements", "--elements");
  return job;
}

int run_op_command(const std::vector<std::string>& args) {
  bool as_json = false;
  std::string out;
  const nlohmann::json job = op_job_from_args(args, &as_json, &out);
  nlohmann::json r = run_op_job(job, out);
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
