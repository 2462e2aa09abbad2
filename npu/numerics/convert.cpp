#include "npu/numerics/convert.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "sim/errors.hpp"

namespace npusim::numerics {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// floor(log2(a)) for finite a > 0, exact (frexp gives a = f * 2^e, f in [0.5, 1)).
int ilog2(double a) {
  int e = 0;
  std::frexp(a, &e);
  return e - 1;
}

// a (>= 0) rounded to a multiple of 2^q_exp. a * 2^-q_exp stays small (the
// callers pick q_exp near a's binade), so every step here is exact in double.
double round_to_quantum(double a, int q_exp, Rounding r) {
  const double n = std::ldexp(a, -q_exp);
  double fl = std::floor(n);
  const double frac = n - fl;
  if (frac > 0.5 || (frac == 0.5 && (r == Rounding::NearestAway || std::fmod(fl, 2.0) != 0.0))) fl += 1.0;
  return std::ldexp(fl, q_exp);
}

// ---- IEEE-like binary formats (fp32/fp16/bf16/OFP8/MX FP6/FP4) ----

uint32_t float_nan(const Format& f, uint32_t sign) {
  const uint32_t m = static_cast<uint32_t>(f.man_bits);
  const uint32_t all_exp = ((1u << f.exp_bits) - 1) << m;
  if (f.specials == Specials::Ieee) return sign | all_exp | (1u << (m - 1));  // quiet NaN
  if (f.specials == Specials::NanOnly) return sign | all_exp | ((1u << m) - 1);  // S.1111.111
  return 0;  // no NaN code
}

// Code of a value V that is exactly on f's grid, 0 <= V <= max_normal.
uint32_t float_code(double v, const Format& f, uint32_t sign) {
  if (v == 0.0) return sign;
  const int m = f.man_bits;
  if (v < f.min_normal) return sign | static_cast<uint32_t>(v / f.min_subnormal);
  const int e = ilog2(v);
  const uint32_t mant = static_cast<uint32_t>(std::ldexp(std::ldexp(v, -e) - 1.0, m));
  return sign | (static_cast<uint32_t>(e + f.bias) << m) | mant;
}

uint32_t encode_float(double x, const Format& f, bool saturate, Rounding r) {
  const uint32_t sign = std::signbit(x) ? 1u << (f.bits - 1) : 0u;
  if (std::isnan(x)) return float_nan(f, sign);
  const double a = std::fabs(x);
  double v = kInf;
  if (!std::isinf(a)) {
    if (a == 0.0) return sign;
    const int emin = 1 - f.bias;  // subnormals share the smallest normal's quantum
    const int e = std::max(ilog2(a), emin);
    v = round_to_quantum(a, e - f.man_bits, r);
  }
  if (v > f.max_normal) {
    if (saturate) return float_code(f.max_normal, f, sign);
    if (f.specials == Specials::Ieee) return sign | (((1u << f.exp_bits) - 1) << f.man_bits);
    return float_nan(f, sign);
  }
  return float_code(v, f, sign);
}

double decode_float(uint32_t code, const Format& f) {
  const int m = f.man_bits;
  const bool neg = (code >> (f.bits - 1)) & 1u;
  const uint32_t ef = (code >> m) & ((1u << f.exp_bits) - 1);
  const uint32_t mf = code & ((1u << m) - 1);
  const uint32_t all_exp = (1u << f.exp_bits) - 1;
  double v;
  if (f.specials == Specials::Ieee && ef == all_exp) {
    v = mf == 0 ? kInf : kNaN;
  } else if (f.specials == Specials::NanOnly && ef == all_exp && mf == (1u << m) - 1) {
    v = kNaN;
  } else if (ef == 0) {
    v = mf * f.min_subnormal;
  } else {
    v = std::ldexp(1.0 + std::ldexp(static_cast<double>(mf), -m), static_cast<int>(ef) - f.bias);
  }
  return neg ? -v : v;
}

// ---- HiFloat8 (arXiv 2409.16626) ----
// Code: S | dot | exponent | mantissa. The dot prefix code gives the stored
// exponent width D; the exponent is sign-magnitude with an implicit leading 1
// on the magnitude:
//   dot 11   D=4  |E| = 8..15  1 mantissa bit
//   dot 10   D=3  |E| = 4..7   2 mantissa bits
//   dot 01   D=2  |E| = 2..3   3 mantissa bits
//   dot 001  D=1  |E| = 1      3 mantissa bits
//   dot 0001 D=0   E = 0       3 mantissa bits
//   dot 0000 denormal: low 3 bits m = 1..7 give 2^(m-23); 0x00 = 0, 0x80 = NaN
// Value = (-1)^S * 2^E * 1.M; 0x6F/0xEF (E = +15, M = 1) are +-Inf, so the
// largest finite value is 2^15 (0x6E). Checked against the paper's abstract
// (7/8/16 exponents with 3/2/1-bit mantissa, 38 binades) and two public
// implementations (MindSpore hifloat8.h, en_dtypes hifloat8): all agree.
constexpr uint32_t kHifNaN = 0x80, kHifInf = 0x6F, kHifMax = 0x6E;

// Mantissa bits of binade E (the denormal binades -22..-16 have none).
int hif8_man_bits(int e) {
  const int m = e < 0 ? -e : e;
  return m <= 3 ? 3 : m <= 7 ? 2 : m <= 15 ? 1 : 0;
}

uint32_t hif8_code(double v, uint32_t sign) {
  if (v == 0.0) return 0;  // the only zero; the sign is dropped
  const int e = ilog2(v);
  if (e <= -16) return sign | static_cast<uint32_t>(e + 23);  // denormal
  const int mb = hif8_man_bits(e);
  const uint32_t mant = static_cast<uint32_t>(std::ldexp(std::ldexp(v, -e) - 1.0, mb));
  const uint32_t neg = e < 0 ? 1 : 0, mag = static_cast<uint32_t>(e < 0 ? -e : e);
  uint32_t body;
  if (mag == 0) body = 0x08 | mant;                                    // dot 0001
  else if (mag == 1) body = 0x10 | (neg << 3) | mant;                  // dot 001
  else if (mag <= 3) body = 0x20 | (neg << 4) | ((mag & 1) << 3) | mant;  // dot 01
  else if (mag <= 7) body = 0x40 | (neg << 4) | ((mag & 3) << 2) | mant;  // dot 10
  else body = 0x60 | (neg << 4) | ((mag & 7) << 1) | mant;              // dot 11
  return sign | body;
}

uint32_t encode_hif8(double x, bool saturate, Rounding r) {
  if (std::isnan(x)) return kHifNaN;
  const uint32_t sign = std::signbit(x) ? 0x80u : 0u;
  const double a = std::fabs(x);
  double v = kInf;
  if (!std::isinf(a)) {
    if (a == 0.0) return 0;
    // Binades above 15 round like binade 15 (certain overflow); below -22 like
    // the smallest denormal binade, so half of 2^-22 is the underflow tie.
    const int e = std::min(std::max(ilog2(a), -22), 15);
    v = round_to_quantum(a, e - hif8_man_bits(e), r);
  }
  if (v > 32768.0) return sign | (saturate ? kHifMax : kHifInf);
  return hif8_code(v, sign);
}

double decode_hif8(uint32_t code) {
  if (code == kHifNaN) return kNaN;
  const bool neg = code & 0x80u;
  const uint32_t c = code & 0x7Fu;
  double v;
  if (c == kHifInf) {
    v = kInf;
  } else if (c & 0x60u) {  // dot 01 / 10 / 11: D = 2 / 3 / 4
    const int d = static_cast<int>(c >> 5) + 1, mb = 5 - d;
    const uint32_t ef = (c >> mb) & ((1u << d) - 1);
    const int mag = (1 << (d - 1)) | static_cast<int>(ef & ((1u << (d - 1)) - 1));
    const int e = (ef >> (d - 1)) ? -mag : mag;
    v = std::ldexp(1.0 + std::ldexp(static_cast<double>(c & ((1u << mb) - 1)), -mb), e);
  } else if (c & 0x10u) {  // dot 001: E = +-1
    v = std::ldexp(1.0 + (c & 7u) / 8.0, (c & 0x08u) ? -1 : 1);
  } else if (c & 0x08u) {  // dot 0001: E = 0
    v = 1.0 + (c & 7u) / 8.0;
  } else {  // dot 0000: denormal (c = 0 is zero)
    v = c == 0 ? 0.0 : std::ldexp(1.0, static_cast<int>(c) - 23);
  }
  return neg ? -v : v;
}

// ---- two's complement integers (int8, mxint8 elements) ----

uint32_t encode_int(double x, const Format& f, Rounding r) {
  if (std::isnan(x)) return 0;  // no NaN code
  const double a = std::fabs(std::ldexp(x, f.frac_bits));
  const double limit = std::ldexp(f.max_normal, f.frac_bits);  // 127
  const double n = std::isinf(a) ? limit : std::min(round_to_quantum(a, 0, r), limit);
  const long k = std::signbit(x) ? -static_cast<long>(n) : static_cast<long>(n);
  return static_cast<uint32_t>(k) & ((1u << f.bits) - 1);
}

double decode_int(uint32_t code, const Format& f) {
  const long k = (code & (1u << (f.bits - 1))) ? static_cast<long>(code) - (1L << f.bits) : code;
  return std::ldexp(static_cast<double>(k), -f.frac_bits);
}

Rounding resolve(Rounding r, const Format& f) { return r == Rounding::Default ? f.default_rounding : r; }

}  // namespace

void check_saturate(const Format& f, bool saturate) {
  if (saturate) return;
  if (f.is_mx())
    throw ConfigError("format '" + f.name + "': MX conversion always clamps to the element's max normal "
                      "(OCP MX v1.0); saturate=False is not defined for it");
  if (!f.has_nan())
    throw ConfigError("format '" + f.name + "' has no Inf or NaN code to overflow to; "
                      "only saturate=True is defined for it");
}

void check_scalar_format(const Format& f) {
  if (f.is_mx())
    throw ConfigError("format '" + f.name + "' is block-scaled (blocks of " + std::to_string(f.block_size) +
                      " share an E8M0 scale); encode/decode it with its scales (mx_encode/mx_decode)");
}

uint32_t encode(double x, const Format& f, bool saturate, Rounding r) {
  check_saturate(f, saturate);
  r = resolve(r, f);
  switch (f.kind) {
    case Kind::Float: return encode_float(x, f, saturate, r);
    case Kind::HiF8: return encode_hif8(x, saturate, r);
    case Kind::Int: return encode_int(x, f, r);
  }
  return 0;
}

double decode(uint32_t code, const Format& f) {
  if (f.bits < 32 && (code >> f.bits) != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%X", code);
    throw ConfigError(std::string("code ") + hex + " does not fit format '" + f.name + "' (" +
                      std::to_string(f.bits) + "-bit codes)");
  }
  switch (f.kind) {
    case Kind::Float: return decode_float(code, f);
    case Kind::HiF8: return decode_hif8(code);
    case Kind::Int: return decode_int(code, f);
  }
  return kNaN;
}

double quantize(double x, const Format& f, bool saturate, Rounding r) { return decode(encode(x, f, saturate, r), f); }

}  // namespace npusim::numerics
