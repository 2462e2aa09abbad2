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

void write_run_outputs(const RunFiles& out, const RunOutputs& o) {
  out.create();
  write_file(out / "stats.txt", o.stats_text);
  write_file(out / "stats.json", o.stats.dump(1) + "\n");
  write_file(out / "config.json", o.config.dump(1) + "\n");
  write_file(out / "result.json", o.result.dump(1) + "\n");
  write_file(out / "perf.json", o.perf.dump(1) + "\n");
}

}  // namespace npusim
