// Every job kind in one table: its name, its schema (the keys, declared
// once: `npusim params job.<kind>`, Python's job classes and the CLI flags
// come from it) and its runner. `npusim-engine job`, the CLI subcommands and
// the Python module all run jobs through run_job, so a job means the same
// wherever it comes from. The table sits in workload/, the highest layer a
// job lives in; adding a kind is one row here.
#pragma once
#include <string>
#include <vector>

#include "sim/params.hpp"
#include "sim/run_files.hpp"

namespace npusim {

struct JobKind {
  const char* name;
  const Schema& (*schema)();
  // Runs one job of this kind; writes its files when `files` is enabled and
  // returns the result. SystemC elaborates once per process: one call per
  // process.
  json (*run)(const json& job, const RunFiles& files);
};

const std::vector<JobKind>& job_kinds();

// The kind named `name`; ConfigError naming `path` and listing the kinds.
const JobKind& job_kind(const std::string& name, const std::string& path = "job.kind");

// The kind of `job` (its "kind" key; a job without one is a memory job, as
// memory jobs were before there were other kinds).
const JobKind& kind_of(const json& job);

// Where a job came from. Runners name a bad value by its command flag where
// the command has one (UsageError "--ranks: ..."); a job read as JSON (a
// job file, Python) has no flags, so there such an error is a ConfigError
// "job: --ranks: ...".
enum class JobOrigin { Json, Flags };

// Runs `job` with the runner of its kind.
json run_job(const json& job, const RunFiles& files, JobOrigin origin = JobOrigin::Json);

}  // namespace npusim
