#include "workload/job_table.hpp"

#include "models/collective_job.hpp"
#include "workload/replay_job.hpp"
#include "models/noc_job.hpp"
#include "models/op_job.hpp"
#include "sim/errors.hpp"
#include "workload/memory_job.hpp"
#include "workload/remote_job.hpp"

namespace npusim {

const std::vector<JobKind>& job_kinds() {
  static const std::vector<JobKind> kinds = {
      {"memory", &MemoryJob::schema, &run_memory_job},
      {"op", &OpJob::schema, &run_op_job},
      {"remote", &RemoteJob::schema, &run_remote_job},
      {"collective", &CollectiveJob::schema, &run_collective_job},
      {"noc", &NocJob::schema, &run_noc_job},
      {"replay", &ReplayJob::schema, &run_replay_job},
  };
  return kinds;
}

const JobKind& job_kind(const std::string& name, const std::string& path) {
  std::string names;
  for (const JobKind& k : job_kinds()) {
    if (name == k.name) return k;
    names += (names.empty() ? "" : ", ") + std::string(k.name);
  }
  throw ConfigError(path + ": unknown job kind '" + name + "'; expected one of: " + names);
}

const JobKind& kind_of(const json& job) {
  if (!job.is_object()) throw ConfigError("job: expected a job object {\"kind\": ..., ...}, got " + job.dump());
  const auto it = job.find("kind");
  if (it == job.end()) return job_kind("memory");
  if (!it->is_string()) throw ConfigError("job.kind: expected a job kind name (a string), got " + it->dump());
  return job_kind(it->get<std::string>());
}

json run_job(const json& job, const RunFiles& files, JobOrigin origin) {
  const JobKind& kind = kind_of(job);
  if (origin == JobOrigin::Flags) return kind.run(job, files);
  try {
    return kind.run(job, files);
  } catch (const UsageError& e) {
    throw ConfigError(std::string("job: ") + e.what());
  }
}

}  // namespace npusim
