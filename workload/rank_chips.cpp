#include "workload/rank_chips.hpp"

#include <cctype>

namespace npusim::workload {

namespace {

bool is_range_key(const std::string& k) {
  if (k.empty()) return false;
  int dashes = 0;
  for (char c : k) {
    if (c == '-') ++dashes;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dashes <= 1 && k.front() != '-' && k.back() != '-';
}

// "a-b" or "a" -> [a, b]; ConfigError naming the key otherwise.
std::pair<long, long> parse_range(const std::string& k, int ranks, const std::string& path) {
  const std::string where = path + "." + k;
  const size_t dash = k.find('-');
  long a = 0, b = 0;
  try {
    a = std::stol(k.substr(0, dash));
    b = dash == std::string::npos ? a : std::stol(k.substr(dash + 1));
  } catch (const std::exception&) {
    throw ConfigError(where + ": expected a rank range \"a-b\" or a rank \"a\"");
  }
  if (a > b || b >= ranks)
    throw ConfigError(where + ": expected ranks a <= b within 0.." + std::to_string(ranks - 1));
  return {a, b};
}

}  // namespace

bool is_rank_mapping(const json& v) {
  if (!v.is_object() || v.empty()) return false;
  for (const auto& [k, _] : v.items())
    if (!is_range_key(k)) return false;
  return true;
}

int RankChips::add(const json& spec, const std::string& path) {
  for (size_t i = 0; i < chips_.size(); ++i)
    if (chips_[i].spec == spec) return int(i);
  RankChip c;
  c.spec = spec;
  c.resolved = resolve_chip(spec, path);
  c.name = c.resolved.chip.name;
  c.key = json{{"chip", to_json(c.resolved.chip)}, {"memory", to_json(c.resolved.memory)}}.dump();
  chips_.push_back(std::move(c));
  return int(chips_.size()) - 1;
}

RankChips::RankChips(const json& mapping, int ranks, const std::string& path) {
  index_.assign(size_t(ranks), -1);
  if (!is_rank_mapping(mapping)) {
    const int c = add(mapping, path);
    for (int& i : index_) i = c;
    return;
  }
  for (const auto& [k, spec] : mapping.items()) {
    const auto [a, b] = parse_range(k, ranks, path);
    const int c = add(spec, path + "." + k);
    for (long r = a; r <= b; ++r) {
      if (index_[size_t(r)] >= 0)
        throw ConfigError(path + "." + k + ": rank " + std::to_string(r) + " is already given a chip");
      index_[size_t(r)] = c;
    }
  }
  for (int r = 0; r < ranks; ++r)
    if (index_[size_t(r)] < 0)
      throw ConfigError(path + ": rank " + std::to_string(r) + " has no chip (the ranges must cover 0.." +
                        std::to_string(ranks - 1) + ")");
}

}  // namespace npusim::workload
