// Seeded random numbers for the packet fabric, written out so results do
// not depend on a standard library's distribution implementations
// (determinism across builds: same seed -> identical stats).
#pragma once
#include <cmath>
#include <cstdint>

namespace npusim::noc {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(splitmix64(seed) | 1) {}
  uint64_t next() {  // xorshift64*
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545f4914f6cdd1dULL;
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  uint64_t below(uint64_t n) { return next() % n; }  // n small: modulo bias negligible
  // Trials until the first success of a Bernoulli(p) process (>= 1).
  uint64_t geometric(double p) {
    if (p >= 1) return 1;
    double u = 1.0 - uniform();  // (0, 1]
    return 1 + static_cast<uint64_t>(std::floor(std::log(u) / std::log1p(-p)));
  }

 private:
  uint64_t s_;
};

}  // namespace npusim::noc
