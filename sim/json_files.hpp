// File I/O shared by the job runners (memory, op, remote): reading a JSON input with
// errors that name the file and what it should hold, and writing an output
// file (result.json, stats.txt, ...) with an error naming the path.
#pragma once
#include <filesystem>
#include <string>

#include "sim/params.hpp"
#include "sim/run_files.hpp"

namespace npusim {

// `kind` names the file in "cannot open <kind> file"; `expected` says what
// the JSON should be ("a memory config object").
json read_json_file(const std::string& path, const std::string& kind, const std::string& expected);
// ConfigError naming the path when it cannot be written.
void write_file(const std::filesystem::path& p, const std::string& text);
// Every JSON output in one format: indent 1, a final newline.
void write_json_file(const std::filesystem::path& p, const json& j);

// What a finished job leaves in its run directory. `config` is the job with
// every preset and default filled in, so that it reruns as given.
struct RunOutputs {
  std::string stats_text;
  json stats;
  json config;
  json result;
  json perf;
};
// stats.txt, stats.json and config.json into an existing directory.
void write_stats_files(const RunFiles& out, const std::string& stats_text, const json& stats, const json& config);
// Creates the directory and writes stats.txt, stats.json, config.json,
// result.json and perf.json, in that order (one format for every job kind).
void write_run_outputs(const RunFiles& out, const RunOutputs& o);

}  // namespace npusim
