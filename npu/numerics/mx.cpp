#include "npu/numerics/mx.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/errors.hpp"
#include "npu/numerics/convert.hpp"

namespace npusim::numerics {

double e8m0_value(uint8_t code) {
  return code == kE8M0NaN ? std::numeric_limits<double>::quiet_NaN() : std::ldexp(1.0, code - 127);
}

uint8_t mx_block_scale(const float* v, std::size_t n, const Format& f) {
  double amax = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) return kE8M0NaN;
    amax = std::max(amax, std::fabs(static_cast<double>(v[i])));
  }
  if (amax == 0.0) return 0;
  int e = 0;
  std::frexp(amax, &e);  // amax = m * 2^e, m in [0.5, 1): floor(log2) = e - 1
  const int shared = std::clamp(e - 1 - f.emax(), -127, 127);
  return static_cast<uint8_t>(shared + 127);
}

void mx_encode_block(const float* v, std::size_t n, const Format& f, uint8_t* codes, uint8_t* scale, Rounding r) {
  *scale = mx_block_scale(v, n, f);
  if (*scale == kE8M0NaN) {
    std::fill(codes, codes + n, uint8_t{0});
    return;
  }
  // v / 2^shared in double is exact (no float under/overflow), so the only
  // rounding is the element conversion's.
  const int shared = static_cast<int>(*scale) - 127;
  for (std::size_t i = 0; i < n; ++i)
    codes[i] = static_cast<uint8_t>(encode(std::ldexp(static_cast<double>(v[i]), -shared), f, true, r));
}

void mx_decode_block(const uint8_t* codes, std::size_t n, uint8_t scale, const Format& f, float* out) {
  const double s = e8m0_value(scale);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(decode(codes[i], f) * s);
}

void check_mx_shape(const Format& f, std::size_t total, std::size_t row_len) {
  if (!f.is_mx()) throw ConfigError("format '" + f.name + "' is not block-scaled (MX); it has no scales");
  const std::size_t b = static_cast<std::size_t>(f.block_size);
  if (row_len == 0 || row_len % b != 0 || total % row_len != 0)
    throw ConfigError("format '" + f.name + "' scales blocks of " + std::to_string(b) +
                      " along the last axis, whose length must be a positive multiple of " + std::to_string(b) +
                      " (got " + std::to_string(row_len) + ")");
}

std::size_t mx_scale_count(const Format& f, std::size_t total, std::size_t row_len) {
  check_mx_shape(f, total, row_len);
  return total / static_cast<std::size_t>(f.block_size);
}

// Rows are whole blocks, so the blocks of a tensor are simply consecutive.
void mx_encode(const float* x, std::size_t total, std::size_t row_len, const Format& f, uint8_t* codes,
               uint8_t* scales, Rounding r) {
  const std::size_t b = static_cast<std::size_t>(f.block_size), blocks = mx_scale_count(f, total, row_len);
  for (std::size_t i = 0; i < blocks; ++i) mx_encode_block(x + i * b, b, f, codes + i * b, scales + i, r);
}

void mx_decode(const uint8_t* codes, const uint8_t* scales, std::size_t total, std::size_t row_len, const Format& f,
               float* out) {
  const std::size_t b = static_cast<std::size_t>(f.block_size), blocks = mx_scale_count(f, total, row_len);
  for (std::size_t i = 0; i < blocks; ++i) mx_decode_block(codes + i * b, b, scales[i], f, out + i * b);
}

std::vector<float> quantize_tensor(const float* x, std::size_t total, std::size_t row_len, const Format& f,
                                   bool saturate) {
  check_saturate(f, saturate);
  std::vector<float> out(total);
  if (f.is_mx()) {
    std::vector<uint8_t> codes(total), scales(mx_scale_count(f, total, row_len));
    mx_encode(x, total, row_len, f, codes.data(), scales.data());
    mx_decode(codes.data(), scales.data(), total, row_len, f, out.data());
  } else {
    for (std::size_t i = 0; i < total; ++i) out[i] = static_cast<float>(quantize(x[i], f, saturate));
  }
  return out;
}

}  // namespace npusim::numerics
