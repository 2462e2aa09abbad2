// OCP Microscaling (MX) v1.0 block scaling: blocks of f.block_size (32)
// consecutive elements along the last axis share one E8M0 scale 2^(s-127).
//
// Conversion (MX v1.0 section 6.3):
//   shared = floor(log2(max|v|)) - emax(element), clamped to [-127, 127]
//   P_i    = v_i / 2^shared rounded to nearest even (by default) and clamped
//            to the element's max normal.
// Special cases, which the spec leaves to the implementation or which follow
// from its semantics ("if the scale is NaN every element is NaN"):
//   - a block holding a NaN or an Inf gets scale 0xFF (NaN) and element codes
//     0: it decodes to all-NaN, as the OCP reference code (microxcaling) does;
//   - an all-zero block gets scale code 0 (2^-127) and zero elements;
//   - a max below 2^(emax-127) clamps the scale to 2^-127 and the elements
//     underflow towards zero as the element format allows.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "npu/numerics/formats.hpp"

namespace npusim::numerics {

constexpr uint8_t kE8M0NaN = 0xFF;

// 2^(code-127), or NaN for 0xFF.
double e8m0_value(uint8_t code);

// The E8M0 scale code of one block of n values.
uint8_t mx_block_scale(const float* v, std::size_t n, const Format& f);
// Encodes one block: its scale code and n element codes.
void mx_encode_block(const float* v, std::size_t n, const Format& f, uint8_t* codes, uint8_t* scale,
                     Rounding r = Rounding::Default);
void mx_decode_block(const uint8_t* codes, std::size_t n, uint8_t scale, const Format& f, float* out);

// Whole tensors: `total` elements in rows of `row_len` (the last axis), each
// row split into row_len / f.block_size blocks. ConfigError unless f is MX
// and row_len is a positive multiple of the block size.
void check_mx_shape(const Format& f, std::size_t total, std::size_t row_len);
std::size_t mx_scale_count(const Format& f, std::size_t total, std::size_t row_len);
void mx_encode(const float* x, std::size_t total, std::size_t row_len, const Format& f, uint8_t* codes,
               uint8_t* scales, Rounding r = Rounding::Default);
void mx_decode(const uint8_t* codes, const uint8_t* scales, std::size_t total, std::size_t row_len, const Format& f,
               float* out);

// decode(encode(x)) for any format: element-wise for scalar formats, blocks
// along the last axis (rows of row_len) for MX formats.
std::vector<float> quantize_tensor(const float* x, std::size_t total, std::size_t row_len, const Format& f,
                                   bool saturate = true);

}  // namespace npusim::numerics
