#include "sim/json_files.hpp"

#include <fstream>

#include "sim/errors.hpp"

namespace npusim {

json read_json_file(const std::string& path, const std::string& kind, const std::string& expected) {
  std::ifstream f(path);
  if (!f) throw ConfigError(path + ": cannot open " + kind + " file");
  try {
    return json::parse(f);
  } catch (const json::parse_error& e) {
    throw ConfigError(path + ": not valid JSON (" + e.what() + "); expected " + expected);
  }
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p);
  f << text;
  if (!f) throw ConfigError(p.string() + ": cannot write output file");
}

void write_json_file(const std::filesystem::path& p, const json& j) { write_file(p, j.dump(1) + "\n"); }

void write_stats_files(const RunFiles& out, const std::string& stats_text, const json& stats, const json& config) {
  write_file(out / "stats.txt", stats_text);
  write_json_file(out / "stats.json", stats);
  write_json_file(out / "config.json", config);
}

void write_run_outputs(const RunFiles& out, const RunOutputs& o) {
  out.create();
  write_stats_files(out, o.stats_text, o.stats, o.config);
  write_json_file(out / "result.json", o.result);
  write_json_file(out / "perf.json", o.perf);
}

}  // namespace npusim
