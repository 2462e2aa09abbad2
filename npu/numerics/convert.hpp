// Bit-exact scalar conversion between real numbers and format codes.
//
// Encoding rounds to nearest (ties to even, or away from zero for hif8 by
// default) in the format's grid extended upwards without limit; a result
// beyond max_normal, or an infinite input, overflows:
//   saturate = true : +-max_normal (OFP8 "SAT" mode; like CUDA __NV_SATFINITE,
//                     infinities saturate too)
//   saturate = false: +-Inf where the format has it (fp16, bf16, fp32, E5M2,
//                     hif8), NaN otherwise (E4M3), per OFP8 "non-SAT" mode.
// Formats with neither Inf nor NaN (fp6, fp4, int8, every MX format: MX
// conversion always clamps) accept only saturate = true (ConfigError).
// NaN encodes as the format's NaN (sign kept where the format has signed
// NaNs); formats without NaN encode it as 0 (no code means NaN there).
// Values below half the smallest subnormal round to zero; the sign of zero is
// kept except in hif8 (its only zero is 0x00; 0x80 is NaN).
//
// For an MX format these functions work on one element with scale 2^0; whole
// blocks (with their shared E8M0 scale) are in mx.hpp.
#pragma once
#include <cstddef>
#include <cstdint>

#include "npu/numerics/formats.hpp"

namespace npusim::numerics {

// ConfigError if `saturate` is false for a format that cannot overflow to
// Inf or NaN (see above).
void check_saturate(const Format& f, bool saturate);

// The code of x in f (in the low f.bits bits).
uint32_t encode(double x, const Format& f, bool saturate = true, Rounding r = Rounding::Default);
// The value of `code`; ConfigError if code does not fit in f.bits.
double decode(uint32_t code, const Format& f);
// decode(encode(x)).
double quantize(double x, const Format& f, bool saturate = true, Rounding r = Rounding::Default);

// Arrays of a scalar (non-MX) format; Code is uint8_t, uint16_t or uint32_t
// (f.code_bytes() wide). MX formats: ConfigError (use mx_encode).
void check_scalar_format(const Format& f);

template <class Code>
void encode_array(const float* x, std::size_t n, const Format& f, Code* codes, bool saturate = true,
                  Rounding r = Rounding::Default) {
  check_scalar_format(f);
  check_saturate(f, saturate);
  for (std::size_t i = 0; i < n; ++i) codes[i] = static_cast<Code>(encode(x[i], f, saturate, r));
}

template <class Code>
void decode_array(const Code* codes, std::size_t n, const Format& f, float* out) {
  check_scalar_format(f);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(decode(codes[i], f));
}

}  // namespace npusim::numerics
