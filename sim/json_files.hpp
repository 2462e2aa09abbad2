// File I/O shared by the job runners (memory, op): reading a JSON input with
// errors that name the file and what it should hold, and writing an output
// file (result.json, stats.txt, ...) with an error naming the path.
#pragma once
#include <filesystem>
#include <string>

#include "sim/params.hpp"

namespace npusim {

// `kind` names the file in "cannot open <kind> file"; `expected` says what
// the JSON should be ("a memory config object").
json read_json_file(const std::string& path, const std::string& kind, const std::string& expected);
// ConfigError naming the path when it cannot be written.
void write_file(const std::filesystem::path& p, const std::string& text);

}  // namespace npusim
