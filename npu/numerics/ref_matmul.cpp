#include "npu/numerics/ref_matmul.hpp"

#include "sim/errors.hpp"
#include "npu/numerics/mx.hpp"

namespace npusim::numerics {

namespace {

void check_k(const Format& f, const char* which, std::size_t k) {
  if (f.is_mx() && k % static_cast<std::size_t>(f.block_size) != 0)
    throw ConfigError(std::string("matmul: ") + which + " format '" + f.name + "' scales blocks of " +
                      std::to_string(f.block_size) + " along K; K = " + std::to_string(k) +
                      " is not a multiple of " + std::to_string(f.block_size));
}

}  // namespace

std::vector<float> ref_matmul(const float* a, const float* b, std::size_t m, std::size_t k, std::size_t n,
                              const Format& fa, const Format& fb) {
  check_k(fa, "fmt_a", k);
  check_k(fb, "fmt_b", k);
  std::vector<float> c(m * n, 0.0f);
  if (k == 0) return c;
  const std::vector<float> qa = quantize_tensor(a, m * k, k, fa);
  // B's blocks run along K (down a column): quantise B^T (N x K) row-wise.
  std::vector<float> bt(k * n);
  for (std::size_t kk = 0; kk < k; ++kk)
    for (std::size_t j = 0; j < n; ++j) bt[j * k + kk] = b[kk * n + j];
  const std::vector<float> qbt = quantize_tensor(bt.data(), n * k, k, fb);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (std::size_t kk = 0; kk < k; ++kk) {
        const float p = qa[i * k + kk] * qbt[j * k + kk];  // separate statement: no fused multiply-add
        acc += p;
      }
      c[i * n + j] = acc;
    }
  return c;
}

}  // namespace npusim::numerics
