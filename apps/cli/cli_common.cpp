#include "apps/cli/cli_common.hpp"

#include <cctype>
#include <cmath>
#include <sys/stat.h>

#include "sim/errors.hpp"
#include "sim/json_files.hpp"
#include "noc/system_params.hpp"
#include "noc/system_presets.hpp"

namespace npusim::cli {

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string flag_value(const std::vector<std::string>& args, size_t* i) {
  const std::string& flag = args[*i];
  if (*i + 1 >= args.size() || args[*i + 1].rfind("--", 0) == 0) throw UsageError(flag + " needs a value");
  *i += 2;
  return args[*i - 1];
}

uint64_t parse_positive(const std::string& flag, const std::string& text, uint64_t max) {
  const std::string want = flag + ": expected a positive integer, got '" + text + "'";
  if (text.empty() || text.size() > 19) throw UsageError(want);
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw UsageError(want);
  const uint64_t v = std::stoull(text);
  if (v == 0 || v > max) throw UsageError(want);
  return v;
}

double parse_double(const std::string& flag, const std::string& text) {
  const std::string want = flag + ": expected a number, got '" + text + "'";
  if (text.empty()) throw UsageError(want);
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (const std::exception&) {
    throw UsageError(want);
  }
  if (pos != text.size() || !std::isfinite(v)) throw UsageError(want);
  return v;
}

namespace {

noc::Topology from_params(const noc::SystemParams& p, const std::string& preset, std::string* source,
                          std::string* name, json* resolved) {
  if (source) *source = p.source;
  if (name) *name = p.name;
  if (resolved) *resolved = noc::system_to_json(p, preset);
  return noc::build_system(p);
}

}  // namespace

noc::Topology load_system_or_file(const std::string& spec, const std::string& expected, std::string* source,
                                  std::string* name, json* resolved) {
  if (resolved) *resolved = nullptr;
  if (name) *name = spec;
  if (!spec.empty() && spec[0] == '{') {
    json j;
    try {
      j = json::parse(spec);
    } catch (const json::parse_error& e) {
      throw ConfigError("system: inline JSON does not parse (" + std::string(e.what()) +
                        "); expected {\"preset\": <name>, <edited parameters>}");
    }
    if (j.is_object() && j.contains("supercluster")) return noc::supercluster_from_json(j, "system", source, resolved);
    const noc::SystemParams p = noc::system_from_json(j, "system");
    return from_params(p, j["preset"].get<std::string>(), source, name, resolved);
  }
  const bool looks_like_file = is_file(spec) || spec.find('/') != std::string::npos ||
                               (spec.size() > 5 && spec.compare(spec.size() - 5, 5, ".json") == 0);
  if (!looks_like_file) {
    if (source) *source = noc::system_info(spec).source;  // ConfigError listing the presets
    if (resolved) {
      for (const noc::SystemParams& p : noc::supernode_presets())
        if (p.name == spec) *resolved = noc::system_to_json(p, spec);
      if (resolved->is_null()) *resolved = noc::supercluster_resolved(spec);
    }
    return noc::build_system(spec);
  }
  if (!is_file(spec)) throw ConfigError(spec + ": cannot open topology file (expected " + expected + ")");
  const json j = read_json_file(spec, "topology", "a topology object {nodes, links}");
  if (j.is_object() && j.contains("supercluster")) return noc::supercluster_from_json(j, spec, source, resolved);
  if (j.is_object() && j.contains("preset")) {
    const noc::SystemParams p = noc::system_from_json(j, spec + ": system");
    return from_params(p, j["preset"].get<std::string>(), source, name, resolved);
  }
  if (j.is_object() && !j.contains("nodes") && !j.contains("links") && !j.contains("generator"))
    throw ConfigError(spec + ": expected an edited system {\"preset\": <name>, <edited parameters>}, a topology "
                      "graph {\"nodes\": [...], \"links\": [...]}, a generated one {\"generator\": ...} or a "
                      "SuperCluster {\"supercluster\": {...}}; it has none of the keys 'preset', 'nodes', 'generator', "
                      "'supercluster'");
  if (source) {
    *source = "topology file " + spec;
    if (j.is_object() && j.contains("source") && j["source"].is_string())
      *source += ": " + j["source"].get<std::string>();
  }
  return noc::Topology::from_json(j, spec);
}

}  // namespace npusim::cli
