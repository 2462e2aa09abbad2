// CLI flags generated from a job kind's schema: each key is the flag
// `--<key>` with '-' for '_' (`--head-dim` for head_dim), read by its
// declared type, so a command's flags cannot drift from the job it builds.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sim/params.hpp"

namespace npusim::cli {

// The flag of a key: "--" + key with '-' for '_'.
std::string flag_of(const std::string& key);

// If args[*i] is the flag of a key of `schema` (or of an alias in
// `aliases`: flag -> key), reads it into (*job)[key] and moves *i past it;
// returns false, leaving *i, for any other argument. By type: an integer
// key with a minimum >= 1 is a positive count (parse_positive), other
// integers a non-negative count, a number parse_double, a bool a bare flag
// (`--trans-a` sets true; a bool that defaults to true is turned off by
// `--no-<key>`), anything else the text as given. The job key "kind" has no
// flag (the command sets it). UsageError naming the flag for a bad value.
// Lenient (`typed` false): a value is stored as a number when it reads as
// the declared one, else as the text given, for the job's runner to refuse
// naming the flag (the collective job reads sizes such as "64K" itself).
bool read_job_flag(const Schema& schema, const std::vector<std::string>& args, size_t* i, json* job,
                   const std::map<std::string, std::string>& aliases = {}, bool typed = true);

// Sets the declared default of every key that applies to the value of a
// selector (`when`) and is absent, so a job names its operator's whole shape
// (as Python's job classes write it).
void fill_selected_defaults(const Schema& schema, json* job);

// UsageError "<command> <selector value>: --<key> is required" for the
// first required key of `schema` that applies to `job` and is missing.
void require_job_flags(const Schema& schema, const json& job, const std::string& command);

}  // namespace npusim::cli
