#include "sim/stats.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <stdexcept>

namespace npusim::stats {

// ---- Group --------------------------------------------------------------

Group::Group(Group* parent, std::string name) {
  if (parent) {
    registry_ = parent->registry_;
    path_ = parent->path_ + "." + name;
  } else {
    owned_ = std::make_unique<Registry>();
    registry_ = owned_.get();
    path_ = std::move(name);
  }
}

Group::Group(Registry& registry, std::string name)
    : registry_(&registry), path_(std::move(name)) {}

Group::~Group() = default;

// ---- Stat ---------------------------------------------------------------

Stat::Stat(Group& parent, std::string name, std::string desc, std::string unit)
    : name_(parent.path() + "." + name),
      desc_(std::move(desc)),
      unit_(std::move(unit)),
      registry_(&parent.registry()) {
  registry_->add(this);
}

Stat::~Stat() {
  if (registry_) registry_->remove(this);
}

void Scalar::values(std::vector<std::pair<std::string, double>>& out) const {
  out.emplace_back(name(), v_);
}

// ---- Vector -------------------------------------------------------------

Vector::Vector(Group& parent, std::string name, std::string desc, std::string unit, size_t size,
               std::vector<std::string> subnames)
    : Stat(parent, std::move(name), std::move(desc), std::move(unit)),
      v_(size, 0.0),
      subnames_(std::move(subnames)) {
  if (!subnames_.empty() && subnames_.size() != size)
    throw std::invalid_argument("stat '" + this->name() + "': " +
                                std::to_string(subnames_.size()) + " subnames for " +
                                std::to_string(size) + " elements");
}

double Vector::total() const {
  double t = 0;
  for (double x : v_) t += x;
  return t;
}

void Vector::values(std::vector<std::pair<std::string, double>>& out) const {
  for (size_t i = 0; i < v_.size(); ++i)
    out.emplace_back(name() + "::" + (subnames_.empty() ? std::to_string(i) : subnames_[i]),
                     v_[i]);
  out.emplace_back(name() + "::total", total());
}

void Vector::reset() { std::fill(v_.begin(), v_.end(), 0.0); }

// ---- Distribution -------------------------------------------------------

namespace {
constexpr uint64_t kExact = 1024;     // values below are their own bucket
constexpr unsigned kSubBits = 6;      // 64 sub-buckets per power of two
constexpr unsigned kExactBits = 10;   // log2(kExact)
}  // namespace

size_t Distribution::bucket_of(uint64_t v) {
  if (v < kExact) return static_cast<size_t>(v);
  unsigned e = 63 - static_cast<unsigned>(__builtin_clzll(v));  // e >= 10
  uint64_t sub = (v >> (e - kSubBits)) & ((1u << kSubBits) - 1);
  return static_cast<size_t>(kExact + (uint64_t{e} - kExactBits) * (1u << kSubBits) + sub);
}

uint64_t Distribution::bucket_value(size_t b) {
  if (b < kExact) return b;
  uint64_t k = b - kExact;
  unsigned e = static_cast<unsigned>(k >> kSubBits) + kExactBits;
  uint64_t sub = k & ((1u << kSubBits) - 1);
  return ((uint64_t{1} << kSubBits) + sub) << (e - kSubBits);
}

void Distribution::sample(uint64_t v, uint64_t count) {
  if (count == 0) return;
  size_t b = bucket_of(v);
  if (b >= buckets_.size()) buckets_.resize(b + 1, 0);
  buckets_[b] += count;
  double x = static_cast<double>(v), c = static_cast<double>(count);
  double mean_old = n_ ? sum_ / static_cast<double>(n_) : 0.0;
  n_ += count;
  sum_ += x * c;
  double mean_new = sum_ / static_cast<double>(n_);
  m2_ += c * (x - mean_old) * (x - mean_new);
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
}

double Distribution::mean() const { return n_ ? sum_ / static_cast<double>(n_) : 0.0; }

double Distribution::stdev() const {
  if (!n_) return 0.0;
  return std::sqrt(std::max(0.0, m2_ / static_cast<double>(n_)));
}

double Distribution::percentile(double p) const {
  if (!n_) return 0.0;
  // The epsilon keeps e.g. 0.99 * 1000 = 990.0000000000001 at rank 990.
  double r = std::ceil(p * static_cast<double>(n_) - 1e-9);
  uint64_t rank = r < 1 ? 1 : (r >= static_cast<double>(n_) ? n_ : static_cast<uint64_t>(r));
  uint64_t cum = 0;
  for (size_t b = 0; b < buckets_.size(); ++b) {
    cum += buckets_[b];
    if (cum >= rank) return static_cast<double>(bucket_value(b));
  }
  return static_cast<double>(max_);
}

void Distribution::values(std::vector<std::pair<std::string, double>>& out) const {
  out.emplace_back(name() + "::samples", static_cast<double>(n_));
  out.emplace_back(name() + "::mean", mean());
  out.emplace_back(name() + "::stdev", stdev());
  out.emplace_back(name() + "::min", static_cast<double>(min()));
  out.emplace_back(name() + "::max", static_cast<double>(max()));
  out.emplace_back(name() + "::p50", percentile(0.50));
  out.emplace_back(name() + "::p90", percentile(0.90));
  out.emplace_back(name() + "::p99", percentile(0.99));
  out.emplace_back(name() + "::p999", percentile(0.999));
}

void Distribution::reset() {
  buckets_.clear();
  n_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
  m2_ = 0;
}

// ---- Formula ------------------------------------------------------------

Formula::Formula(Group& parent, std::string name, std::string desc, std::string unit,
                 std::function<double()> f)
    : Stat(parent, std::move(name), std::move(desc), std::move(unit)), f_(std::move(f)) {}

void Formula::values(std::vector<std::pair<std::string, double>>& out) const {
  out.emplace_back(name(), f_());
}

// ---- Registry -----------------------------------------------------------

Registry::~Registry() {
  for (Stat* s : stats_)
    if (s) s->registry_ = nullptr;
}

void Registry::add(Stat* s) {
  if (!names_.insert(s->name()).second)
    throw std::invalid_argument("duplicate stat name '" + s->name() + "'");
  s->index_ = stats_.size();
  stats_.push_back(s);
}

void Registry::remove(Stat* s) {
  if (s->index_ >= stats_.size() || stats_[s->index_] != s) return;
  names_.erase(s->name());
  stats_[s->index_] = nullptr;
  s->registry_ = nullptr;
  if (++dead_ * 2 > stats_.size()) compact();
}

void Registry::compact() const {
  if (!dead_) return;
  size_t j = 0;
  for (Stat* s : stats_) {
    if (!s) continue;
    s->index_ = j;
    stats_[j++] = s;
  }
  stats_.resize(j);
  dead_ = 0;
}

void Registry::reset_all() {
  for (Stat* s : all()) s->reset();
}

std::vector<std::pair<std::string, double>> Registry::flatten() const {
  std::vector<std::pair<std::string, double>> out;
  for (const Stat* s : all()) s->values(out);
  return out;
}

double flat_value(const std::vector<std::pair<std::string, double>>& flat, const std::string& name) {
  for (const auto& [n, v] : flat)
    if (n == name) return v;
  return 0.0;
}

namespace {

// Integral values print as integers; others as %.9g. to_chars is used
// because it ignores the C locale, so the bytes never depend on the host.
std::string format_value(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::to_chars_result r;
  if (v == std::floor(v) && std::fabs(v) < 9.2e18) {
    long long i = static_cast<long long>(v);  // also folds -0 into 0
    r = std::to_chars(buf, buf + sizeof buf, i);
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 9);
  }
  return std::string(buf, r.ptr);
}

void append_padded(std::string& line, const std::string& s, size_t width, bool right) {
  size_t pad = s.size() < width ? width - s.size() : 0;
  if (right) line.append(pad, ' ');
  line += s;
  if (!right) line.append(pad, ' ');
}

constexpr size_t kNameColumn = 56;
constexpr size_t kValueColumn = 14;

}  // namespace

void Registry::dump_text(std::ostream& os) const {
  os << "---------- Begin Simulation Statistics ----------\n";
  std::vector<std::pair<std::string, double>> vals;
  std::string line;
  for (const Stat* s : all()) {
    vals.clear();
    s->values(vals);
    for (const auto& [name, v] : vals) {
      line.clear();
      append_padded(line, name, kNameColumn, false);
      line += ' ';
      append_padded(line, format_value(v), kValueColumn, true);
      if (!s->desc().empty() || !s->unit().empty()) {
        line += "  # ";
        line += s->desc();
        if (!s->unit().empty()) line += (s->desc().empty() ? "(" : " (") + s->unit() + ")";
      }
      line += '\n';
      os << line;
    }
  }
  os << "---------- End Simulation Statistics   ----------\n\n";
}

nlohmann::json Registry::dump_json() const {
  nlohmann::json stats = nlohmann::json::object();
  nlohmann::json info = nlohmann::json::object();
  std::vector<std::pair<std::string, double>> vals;
  for (const Stat* s : all()) {
    vals.clear();
    s->values(vals);
    for (const auto& [name, v] : vals) {
      nlohmann::json& slot = stats[name];
      if (!std::isfinite(v))
        slot = nullptr;
      else if (v == std::floor(v) && std::fabs(v) < 9.2e18)
        slot = static_cast<int64_t>(v);  // "5", not "5.0"
      else
        slot = v;
    }
    info[s->name()] = {{"desc", s->desc()}, {"unit", s->unit()}};
  }
  return {{"stats", std::move(stats)}, {"info", std::move(info)}};
}

}  // namespace npusim::stats
