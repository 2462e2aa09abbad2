#include "memory/memory_spec.hpp"

#include "memory/dramsim3_ini.hpp"
#include "memory/hbm_presets.hpp"
#include "sim/errors.hpp"
#include "sim/json_files.hpp"

namespace npusim::memory {

namespace {

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

}  // namespace

json load_memory_config_json(const std::string& spec) {
  if (ends_with(spec, ".ini")) return dramsim3_ini_to_memory_json(spec);
  if (ends_with(spec, ".json")) {
    json j = read_json_file(spec, "config", "a memory config object");
    if (j.is_object() && j.contains("memory")) j = j["memory"];
    return to_json(resolve_memory(j, spec + ": memory"));
  }
  return memory_preset(spec);
}

MemoryConfig load_memory_config(const std::string& spec) {
  return memory_config_from_json(load_memory_config_json(spec), spec);
}

MemoryConfig resolve_memory(const json& v, const std::string& path) {
  if (v.is_string()) return load_memory_config(v.get<std::string>());
  if (!v.is_object())
    throw ConfigError(path + ": expected a preset name, a config file path or a memory config object");
  json base = json::object();
  json over = v;
  if (over.contains("preset")) {
    if (!over["preset"].is_string()) throw ConfigError(path + ".preset: expected a preset name string");
    base = memory_preset(over["preset"].get<std::string>());
    over.erase("preset");
  }
  MemoryConfig c = memory_config_from_json(base, path);
  MemoryConfig::schema().read(&c, over, path);
  c.validate(path);
  return c;
}

}  // namespace npusim::memory
