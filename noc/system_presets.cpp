#include "noc/system_presets.hpp"

#include "models/sim/errors.hpp"
#include "noc/system_params.hpp"

namespace npusim::noc {

namespace {

// The supernode presets are SystemParams (noc/system_params.cpp holds their
// numbers and sources); this table is their metadata.
const std::vector<SystemInfo>& table() {
  static const std::vector<SystemInfo> t = [] {
    std::vector<SystemInfo> v;
    for (const SystemParams& p : supernode_presets()) v.push_back({p.name, p.npus, p.ub.link.bandwidth_gbps, p.source});
    return v;
  }();
  return t;
}

const SystemInfo* find(const std::string& name) {
  for (const auto& s : table())
    if (s.name == name) return &s;
  return nullptr;
}

[[noreturn]] void unknown(const std::string& name) {
  std::string valid;
  for (const auto& n : system_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw ConfigError("system: unknown preset '" + name + "'; expected one of " + valid);
}

}  // namespace

std::vector<std::string> system_names() {
  std::vector<std::string> v;
  for (const auto& s : table()) v.push_back(s.name);
  return v;
}

SystemInfo system_info(const std::string& name) {
  const SystemInfo* s = find(name);
  if (!s) unknown(name);
  return *s;
}

Topology build_system(const std::string& name) {
  if (!find(name)) unknown(name);
  return build_system(system_params(name));
}

}  // namespace npusim::noc
