// The job table: every kind with its schema and runner; the schema refuses
// unknown keys, keys of another operator and missing required keys, naming
// the key path -- before anything is simulated.
#include <catch2/catch.hpp>

#include "models/op_job.hpp"
#include "sim/errors.hpp"
#include "workload/job_table.hpp"

using namespace npusim;

namespace {

json with(json j, const json& more) {
  j.update(more);
  return j;
}

std::string config_error(const json& job) {
  try {
    run_job(job, RunFiles{});
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the job table names every kind and refuses an unknown one listing them", "[jobs]") {
  std::vector<std::string> names;
  for (const JobKind& k : job_kinds()) {
    names.push_back(k.name);
    CHECK(k.schema().kind() == "job." + names.back());
    CHECK(k.schema().find("kind") != nullptr);
  }
  CHECK(names == std::vector<std::string>{"memory", "op", "remote", "collective", "noc", "replay"});
  CHECK(config_error({{"kind", "training"}}) ==
        "job.kind: unknown job kind 'training'; expected one of: memory, op, remote, collective, noc, replay");
  CHECK(std::string(kind_of(json{{"name", "x"}}).name) == "memory");  // no kind: a memory job, as before
}

TEST_CASE("the op job's schema checks keys per operator, naming the key path", "[jobs]") {
  const json mm = {{"kind", "op"}, {"chip", "ascend_950pr"}, {"op", "matmul"}, {"m", 8}, {"n", 8}, {"k", 8}};
  CHECK_THAT(config_error(with(mm, {{"heads", 4}})),
             Catch::StartsWith("job.heads: not a key of op 'matmul'; its keys: m, n, k, batch, trans_a, trans_b"));
  json no_k = mm;
  no_k.erase("k");
  CHECK(config_error(no_k) == "job.k: required for op 'matmul' (expected an integer >= 1 (elements))");
  CHECK_THAT(config_error(with(mm, {{"tile", 2}})),
             Catch::StartsWith("job.tile: unknown parameter of job.op; expected one of: kind, name, chip, op"));
  CHECK_THAT(config_error(with(mm, {{"dtype", "fp32"}})), Catch::StartsWith("job.dtype: expected one of 'bf16'"));
  const OpJob spec = from_json<OpJob>(mm, "job");
  CHECK(spec.batch == 1);  // attention and matmul alike: batch defaults to 1
  CHECK(spec.dtype == "bf16");
}
