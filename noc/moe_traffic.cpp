#include "noc/moe_traffic.hpp"

#include <random>
#include <string>
#include <utility>

#include "sim/errors.hpp"

namespace npusim::noc {

std::vector<double> moe_token_counts(int n, const MoeTraffic& mt) {
  if (mt.tokens < 1 || mt.topk < 1 || mt.experts < mt.topk || !(mt.token_bytes > 0))
    throw ConfigError("moe: expected tokens >= 1, 1 <= topk <= experts and token_bytes > 0 (got tokens " +
                      std::to_string(mt.tokens) + ", topk " + std::to_string(mt.topk) + ", experts " +
                      std::to_string(mt.experts) + ")");
  std::mt19937_64 rng(mt.seed);
  std::vector<double> count(size_t(n) * size_t(n), 0.0);  // [src][dst] tokens
  std::vector<int> pick(size_t(mt.experts));
  for (int r = 0; r < n; ++r) {
    for (int tok = 0; tok < mt.tokens; ++tok) {
      // k distinct experts: a partial Fisher-Yates shuffle.
      for (int e = 0; e < mt.experts; ++e) pick[size_t(e)] = e;
      for (int j = 0; j < mt.topk; ++j) {
        const int sw = j + int(rng() % uint64_t(mt.experts - j));
        std::swap(pick[size_t(j)], pick[size_t(sw)]);
        count[size_t(r) * size_t(n) + size_t(pick[size_t(j)] % n)] += 1;
      }
    }
  }
  return count;
}

std::vector<double> moe_send_bytes(int n, const MoeTraffic& mt) {
  const std::vector<double> count = moe_token_counts(n, mt);
  std::vector<double> out(count.size());
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      out[size_t(i) * size_t(n) + size_t(j)] =
          (mt.combine ? count[size_t(j) * size_t(n) + size_t(i)] : count[size_t(i) * size_t(n) + size_t(j)]) *
          mt.token_bytes;
  return out;
}

}  // namespace npusim::noc
