// Reference (golden) matmul on quantised inputs, for checking the cube model
// and for numerics studies: C[M x N] = A[M x K] @ B[K x N].
#pragma once
#include <cstddef>
#include <vector>

#include "npu/numerics/formats.hpp"

namespace npusim::numerics {

// A (row-major M x K) is quantised to fa and B (row-major K x N) to fb;
// MX formats scale blocks of 32 along K: rows of A, columns of B. Products
// and the sum over k (in increasing k) are FP32, as the cube's FP32
// accumulator does. Products of fp16/bf16-or-narrower values are exact in
// FP32 (unless MX scales push them out of FP32's range), so for those only the
// accumulation rounds. Returns C row-major.
// ConfigError for an MX format when K is not a multiple of 32.
std::vector<float> ref_matmul(const float* a, const float* b, std::size_t m, std::size_t k, std::size_t n,
                              const Format& fa, const Format& fb);

}  // namespace npusim::numerics
