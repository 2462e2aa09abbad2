#include "npu/numerics/formats.hpp"

#include <cmath>

#include "sim/errors.hpp"

namespace npusim::numerics {

namespace {

constexpr const char* kOfp8 = "OCP 8-bit Floating Point Specification (OFP8) rev 1.0";
constexpr const char* kMx = "OCP Microscaling Formats (MX) v1.0";
constexpr const char* kIeee = "IEEE 754-2019";

Format flt(const char* name, int bits, int e, int m, Specials sp, const char* spec, int block = 0) {
  const int bias = (1 << (e - 1)) - 1;
  // Largest biased exponent that holds finite values, and its largest mantissa.
  int top_exp = (1 << e) - 1;
  double top_frac = 2.0 - std::ldexp(1.0, -m);
  if (sp == Specials::Ieee) {
    top_exp -= 1;  // all-ones exponent is Inf/NaN
  } else if (sp == Specials::NanOnly) {
    top_frac -= std::ldexp(1.0, -m);  // S.1111.111 is NaN
  }
  Format f;
  f.name = name;
  f.kind = Kind::Float;
  f.bits = bits;
  f.exp_bits = e;
  f.man_bits = m;
  f.bias = bias;
  f.frac_bits = 0;
  f.specials = sp;
  f.max_normal = std::ldexp(top_frac, top_exp - bias);
  f.min_normal = std::ldexp(1.0, 1 - bias);
  f.min_subnormal = std::ldexp(1.0, 1 - bias - m);
  f.block_size = block;
  f.default_rounding = Rounding::NearestEven;
  f.spec = spec;
  return f;
}

Format hif8() {
  Format f;
  f.name = "hif8";
  f.kind = Kind::HiF8;
  f.bits = 8;
  f.exp_bits = 4;  // widest stored exponent (dot = 11)
  f.man_bits = 3;  // widest mantissa (dot = 01, 001, 0001)
  f.bias = 0;      // sign-magnitude exponent, no bias
  f.frac_bits = 0;
  f.specials = Specials::HiF8;
  f.max_normal = 32768.0;                 // 2^15 x 1.0; 2^15 x 1.5 is Inf
  f.min_normal = std::ldexp(1.0, -15);    // dot 11, E = -15
  f.min_subnormal = std::ldexp(1.0, -22); // denormal m = 1
  f.block_size = 0;
  f.default_rounding = Rounding::NearestAway;  // paper: TA
  f.spec = "Huawei, Ascend HiFloat8 Format for Deep Learning, arXiv 2409.16626";
  return f;
}

Format integer(const char* name, int frac_bits, const char* spec, int block = 0) {
  Format f;
  f.name = name;
  f.kind = Kind::Int;
  f.bits = 8;
  f.exp_bits = 0;
  f.man_bits = 7;
  f.bias = 0;
  f.frac_bits = frac_bits;
  f.specials = Specials::None;
  f.max_normal = std::ldexp(127.0, -frac_bits);  // symmetric: -128 is never produced
  f.min_normal = std::ldexp(1.0, -frac_bits);
  f.min_subnormal = f.min_normal;
  f.block_size = block;
  f.default_rounding = Rounding::NearestEven;
  f.spec = spec;
  return f;
}

std::vector<Format> make_table() {
  return {
      flt("fp32", 32, 8, 23, Specials::Ieee, kIeee),
      flt("fp16", 16, 5, 10, Specials::Ieee, kIeee),
      flt("bf16", 16, 8, 7, Specials::Ieee, "bfloat16 (fp32 with 7 mantissa bits)"),
      flt("fp8_e4m3", 8, 4, 3, Specials::NanOnly, kOfp8),
      flt("fp8_e5m2", 8, 5, 2, Specials::Ieee, kOfp8),
      hif8(),
      // The MX element types on their own (no block scale): useful to study
      // an element format's grid; the mx* names add the E8M0 block scale.
      flt("fp6_e3m2", 6, 3, 2, Specials::None, kMx),
      flt("fp6_e2m3", 6, 2, 3, Specials::None, kMx),
      flt("fp4_e2m1", 4, 2, 1, Specials::None, kMx),
      integer("int8", 0, "two's complement, symmetric [-127, 127]"),
      flt("mxfp8_e4m3", 8, 4, 3, Specials::NanOnly, kMx, 32),
      flt("mxfp8_e5m2", 8, 5, 2, Specials::Ieee, kMx, 32),
      flt("mxfp6_e3m2", 6, 3, 2, Specials::None, kMx, 32),
      flt("mxfp6_e2m3", 6, 2, 3, Specials::None, kMx, 32),
      flt("mxfp4", 4, 2, 1, Specials::None, kMx, 32),
      integer("mxint8", 6, kMx, 32),  // element = int8 x 2^-6 (MX v1.0 5.4)
  };
}

}  // namespace

int Format::emax() const { return static_cast<int>(std::floor(std::log2(max_normal))); }

const std::vector<Format>& all_formats() {
  static const std::vector<Format> table = make_table();
  return table;
}

std::string format_names() {
  std::string s;
  for (const auto& f : all_formats()) s += (s.empty() ? "" : ", ") + f.name;
  return s;
}

const Format& find_format(const std::string& name) {
  for (const auto& f : all_formats())
    if (f.name == name) return f;
  throw ConfigError("unknown number format '" + name + "'; expected one of: " + format_names());
}

}  // namespace npusim::numerics
