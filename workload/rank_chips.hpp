// Which chip each rank runs on: one chip for all, or ranges of ranks mapped
// to chips ({"0-191": "ascend_910c", "192-383": "ascend_950dt"}), from the
// job or the trace header. Each distinct chip is resolved once (preset, .json
// or object, with its memory) and keyed by its full resolved configuration,
// so the op cache never mixes two configurations under one name.
#pragma once
#include <string>
#include <vector>

#include "models/op_job.hpp"
#include "sim/params.hpp"

namespace npusim::workload {

struct RankChip {
  json spec;          // as given (preset name, path or object)
  ResolvedChip resolved;
  std::string key;    // canonical dump of the resolved chip and memory configs
  std::string name;   // the chip's name
};

class RankChips {
 public:
  // `mapping`: a chip spec (string or chip object) for every rank, or an
  // object of rank ranges "a-b" / "a" -> spec covering each of 0..ranks-1
  // exactly once. ConfigError naming `path` and the range otherwise.
  RankChips(const json& mapping, int ranks, const std::string& path);
  const RankChip& of(int rank) const { return chips_[size_t(index_[size_t(rank)])]; }
  int index(int rank) const { return index_[size_t(rank)]; }
  const std::vector<RankChip>& chips() const { return chips_; }

 private:
  int add(const json& spec, const std::string& path);
  std::vector<RankChip> chips_;
  std::vector<int> index_;  // rank -> chips_
};

// Whether `v` is a rank-range mapping rather than one chip spec (a chip
// object has a "compute" or chip-config key; a mapping's keys are ranges).
bool is_rank_mapping(const json& v);

}  // namespace npusim::workload
