// Integer rounding used by every timing model (bytes to cycles, elements to
// tiles).
#pragma once
#include <cstdint>

namespace npusim {

constexpr uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
constexpr uint64_t round_up(uint64_t a, uint64_t b) { return ceil_div(a, b) * b; }

}  // namespace npusim
