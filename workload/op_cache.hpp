// Op-result cache: the time of each distinct compute op (chip configuration,
// op, shapes, dtype, fidelity) is simulated once per run, so 61 identical
// layers or 384 identical NPUs cost one simulation per distinct op. With a
// directory, results persist across runs in one file per key; the key is the
// full resolved chip and memory configuration plus the op's keys, so a
// changed configuration never hits (a changed npusim version may: clear the
// directory after upgrading; the cache format version is in the key).
//
// Cycle fidelity runs ChipSim under SystemC, which elaborates once per
// process: each cycle-level miss runs in a forked child process (up to
// `parallel` at once), which reports its result through a pipe.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/params.hpp"

namespace npusim::workload {

struct OpTiming {
  double time_ns = 0;
  double flops = 0;
  double hbm_bytes = 0;
  std::string bound;
};

class OpCache {
 public:
  explicit OpCache(std::string dir = "", int parallel = 1);

  // `job` is a complete op job (models/op_job.hpp) and `key` its identity
  // (RankChip::key + the op keys + fidelity; see key_of). Simulates every
  // distinct key not cached yet, cycle-level ones in parallel.
  void prefetch(const std::vector<std::pair<std::string, json>>& jobs);
  // The timing of `key` (prefetched, or simulated now); counts a hit when
  // it was known before this call, a miss when it had to be simulated.
  const OpTiming& get(const std::string& key, const json& job);

  // Uses of a key already counted by get() that the caller served itself.
  void count_hits(uint64_t n) { hits_ += n; }

  static std::string key_of(const std::string& chip_key, const json& op_keys, const std::string& fidelity);

  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return simulated_; }  // distinct ops simulated in this run
  uint64_t loaded() const { return loaded_; }     // distinct ops read from the directory
  size_t distinct() const { return known_.size(); }

 private:
  bool load(const std::string& key);
  void store(const std::string& key, const OpTiming& t) const;
  std::string file_of(const std::string& key) const;

  std::string dir_;
  int parallel_ = 1;
  std::map<std::string, OpTiming> known_;
  std::set<std::string> first_use_;  // simulated in this run, not used yet
  uint64_t hits_ = 0, simulated_ = 0, loaded_ = 0;
};

// Runs `job` (an op job) and returns its timing: in this process at fast
// fidelity, in a forked child at cycle fidelity. run_op_jobs runs several,
// `parallel` children at a time, results in input order.
std::vector<OpTiming> run_op_jobs(const std::vector<json>& jobs, int parallel);

}  // namespace npusim::workload
