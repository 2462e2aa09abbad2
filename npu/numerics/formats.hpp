// Number-format descriptors: what a code of each supported format means.
// One table (formats.cpp) describes every format; convert.cpp and mx.cpp
// read it, so a format's numbers are written down exactly once.
// Sources: OCP OFP8 rev 1.0, OCP Microscaling (MX) v1.0, IEEE 754, Huawei
// HiFloat8 (arXiv 2409.16626); see ../shared/reference/hardware.md.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace npusim::numerics {

// How an element code is laid out.
enum class Kind {
  Float,  // sign | exponent (biased) | mantissa, IEEE-like subnormals
  HiF8,   // sign | dot (prefix code) | exponent (sign-magnitude) | mantissa
  Int,    // two's complement integer, value = code * 2^-frac_bits
};

// Ties of round-to-nearest: to even (IEEE/OFP8/MX default) or away from zero
// (the HiF8 paper's "TA" rounding). Default: the format's own default.
enum class Rounding { Default, NearestEven, NearestAway };

// Which codes are special in a Float-kind format.
enum class Specials {
  Ieee,     // top exponent = Inf (mantissa 0) / NaN (fp16, bf16, fp32, E5M2)
  NanOnly,  // only S.1111.111 is NaN, no Inf (OFP8 E4M3)
  None,     // every code is a finite number (MX FP6/FP4 elements, int)
  HiF8,     // 0x80 = NaN, 0x6F/0xEF = +-Inf, single zero 0x00
};

struct Format {
  std::string name;
  Kind kind;
  int bits;           // bits per element code
  int exp_bits;       // Float: exponent field width; HiF8: widest (4); Int: 0
  int man_bits;       // Float: mantissa width; HiF8: widest (3); Int: bits-1
  int bias;           // Float: exponent bias; others: 0
  int frac_bits;      // Int: value = code * 2^-frac_bits (mxint8: 6); else 0
  Specials specials;
  double max_normal;  // largest finite magnitude
  double min_normal;  // smallest normal magnitude (Int: 2^-frac_bits)
  double min_subnormal;  // smallest nonzero magnitude
  int block_size;     // MX: elements sharing one E8M0 scale (32); else 0
  Rounding default_rounding;  // NearestEven, or NearestAway for hif8
  std::string spec;   // the document that defines the format

  bool has_inf() const { return specials == Specials::Ieee || specials == Specials::HiF8; }
  bool has_nan() const { return specials != Specials::None; }
  bool is_mx() const { return block_size > 0; }
  // emax of the element: floor(log2(max_normal)); the MX shared exponent is
  // floor(log2(max|v|)) - emax (OCP MX v1.0 section 6.3).
  int emax() const;
  // Bytes of the smallest unsigned integer that holds one code (1, 2 or 4).
  int code_bytes() const { return bits <= 8 ? 1 : bits <= 16 ? 2 : 4; }
};

// The format called `name`; ConfigError listing the valid names otherwise.
const Format& find_format(const std::string& name);
// Every format, in table order.
const std::vector<Format>& all_formats();
// "fp32, fp16, ..." for error messages.
std::string format_names();

}  // namespace npusim::numerics
