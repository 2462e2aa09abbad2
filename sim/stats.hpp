// Hierarchical statistics, gem5 style: every stat has a dotted path
// ("system.mem.ch3.reads"), a description and a unit, and is dumped to
// stats.txt (one line per value, "# description (unit)") and stats.json.
// Stats are members of the components they measure; updating one is a plain
// add on a member (no lookup, no allocation) so they are free in hot paths.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

namespace npusim::stats {

class Registry;

// A node in the stat name hierarchy ("system", "mem", "ch3"). A Group with a
// null parent is a root and owns a Registry.
class Group {
 public:
  Group(Group* parent, std::string name);
  explicit Group(Registry& registry, std::string name);  // root
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
  const std::string& path() const { return path_; }
  Registry& registry() const { return *registry_; }

 private:
  std::unique_ptr<Registry> owned_;  // set only for a root built with a null parent
  Registry* registry_;
  std::string path_;
};

class Stat {
 public:
  Stat(Group& parent, std::string name, std::string desc, std::string unit);
  virtual ~Stat();  // unregisters itself
  Stat(const Stat&) = delete;
  Stat& operator=(const Stat&) = delete;
  const std::string& name() const { return name_; }  // full dotted path
  const std::string& desc() const { return desc_; }
  const std::string& unit() const { return unit_; }
  // Appends (name, value) pairs; Vector and Distribution expand to several.
  virtual void values(std::vector<std::pair<std::string, double>>& out) const = 0;
  virtual void reset() = 0;

 private:
  friend class Registry;
  std::string name_, desc_, unit_;
  Registry* registry_;  // null once the registry is gone
  size_t index_ = 0;    // slot in Registry::stats_
};

class Scalar : public Stat {
 public:
  using Stat::Stat;
  Scalar& operator+=(double v) { v_ += v; return *this; }
  Scalar& operator++() { v_ += 1; return *this; }
  void set(double v) { v_ = v; }
  double value() const { return v_; }
  void values(std::vector<std::pair<std::string, double>>& out) const override;
  void reset() override { v_ = 0; }

 private:
  double v_ = 0;
};

// Fixed-size vector of values with optional subnames ("name::read"); dumps
// each element and "::total".
class Vector : public Stat {
 public:
  Vector(Group& parent, std::string name, std::string desc, std::string unit, size_t size,
         std::vector<std::string> subnames = {});
  double& operator[](size_t i) { return v_[i]; }
  double at(size_t i) const { return v_[i]; }
  size_t size() const { return v_.size(); }
  double total() const;
  void values(std::vector<std::pair<std::string, double>>& out) const override;
  void reset() override;

 private:
  std::vector<double> v_;
  std::vector<std::string> subnames_;
};

// Distribution of non-negative integer samples (latencies in cycles, queue
// depths). Exact below 1024; above, log-linear buckets with 1/64 relative
// resolution, so percentiles are deterministic and within ~1.6%. Dumps
// ::samples ::mean ::stdev ::min ::max ::p50 ::p90 ::p99 ::p999.
class Distribution : public Stat {
 public:
  using Stat::Stat;
  void sample(uint64_t v, uint64_t count = 1);
  uint64_t samples() const { return n_; }
  double mean() const;
  double stdev() const;
  uint64_t min() const { return n_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  // Smallest recorded bucket value v such that at least p (0..1] of samples
  // are <= v (nearest-rank). 0 when empty.
  double percentile(double p) const;
  void values(std::vector<std::pair<std::string, double>>& out) const override;
  void reset() override;

 private:
  static size_t bucket_of(uint64_t v);
  static uint64_t bucket_value(size_t b);  // representative (lower bound) value
  std::vector<uint64_t> buckets_;
  uint64_t n_ = 0, min_ = UINT64_MAX, max_ = 0;
  // m2_ is the sum of squared deviations from the mean (Welford), which
  // keeps stdev exact-ish for large values with small spread.
  double sum_ = 0, m2_ = 0;
};

// Computed at dump time from other stats (e.g. bandwidth = bytes / seconds).
class Formula : public Stat {
 public:
  Formula(Group& parent, std::string name, std::string desc, std::string unit,
          std::function<double()> f);
  double value() const { return f_(); }
  void values(std::vector<std::pair<std::string, double>>& out) const override;
  void reset() override {}

 private:
  std::function<double()> f_;
};

// All stats of one simulation, in registration order (deterministic).
class Registry {
 public:
  Registry() = default;
  ~Registry();  // detaches surviving stats so their destructors are safe
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  // Throws std::invalid_argument on a duplicate full name (JSON would
  // silently keep only one of them).
  void add(Stat* s);
  void remove(Stat* s);
  const std::vector<Stat*>& all() const { compact(); return stats_; }
  void reset_all();  // start of a measurement window (warm-up excluded)
  // gem5-like text: "<name> <value> # <desc> (<unit>)", names padded.
  void dump_text(std::ostream& os) const;
  // {"stats": {name: value, ...}, "info": {stat name: {"desc":..,"unit":..}}}
  nlohmann::json dump_json() const;
  // name -> value for every dumped value.
  std::vector<std::pair<std::string, double>> flatten() const;

 private:
  // Removal leaves a null slot so that destroying n stats in any order costs
  // O(n) overall; slots are squeezed out when read or when half are dead.
  void compact() const;
  mutable std::vector<Stat*> stats_;
  mutable size_t dead_ = 0;
  std::unordered_set<std::string_view> names_;  // views into Stat::name_
};

// The value named `name` in a flatten() list; 0 when it is absent (a stat
// that a model did not register reads as nothing happened).
double flat_value(const std::vector<std::pair<std::string, double>>& flat, const std::string& name);

}  // namespace npusim::stats
