// Number formats: every code of each narrow format decodes to the value its
// spec defines (expected values built here from the definitions, not from
// the library), round trips, hand-worked rounding ties, overflow modes, MX
// block scaling worked by hand, int8, and the reference matmul.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "sim/errors.hpp"
#include "npu/numerics/convert.hpp"
#include "npu/numerics/formats.hpp"
#include "npu/numerics/mx.hpp"
#include "npu/numerics/ref_matmul.hpp"

using namespace npusim::numerics;
using Catch::Matchers::Contains;

namespace {

const double kNaN = std::nan("");
const double kInf = INFINITY;

// Value of a sign|exponent|mantissa code straight from the definition:
// exponent field 0 -> subnormal (-1)^s 2^(1-bias) 0.m, else (-1)^s 2^(e-bias) 1.m.
// ieee: the all-ones exponent is Inf/NaN; e4m3: only S.1111.111 is NaN.
enum class Sp { Ieee, E4M3, None };
double ref_float(uint32_t c, int ebits, int mbits, Sp sp) {
  const int bias = (1 << (ebits - 1)) - 1;
  const uint32_t s = c >> (ebits + mbits), e = (c >> mbits) & ((1u << ebits) - 1), m = c & ((1u << mbits) - 1);
  const double sign = s ? -1.0 : 1.0;
  const uint32_t emax_field = (1u << ebits) - 1;
  if (sp == Sp::Ieee && e == emax_field) return m == 0 ? sign * kInf : kNaN;
  if (sp == Sp::E4M3 && e == emax_field && m == (1u << mbits) - 1) return kNaN;
  const double frac = static_cast<double>(m) / static_cast<double>(1u << mbits);
  if (e == 0) return sign * std::pow(2.0, 1 - bias) * frac;
  return sign * std::pow(2.0, static_cast<int>(e) - bias) * (1.0 + frac);
}

// HiF8 code -> value built in the encoding direction from the paper's table:
// for each dot prefix, every exponent (sign-magnitude, implicit leading 1)
// and mantissa gives one code; denormals 2^(m-23); then the specials.
std::map<uint32_t, double> ref_hif8_table() {
  std::map<uint32_t, double> t;
  struct Row { uint32_t dot; int dot_bits, d, man; };
  const Row rows[] = {{0b11, 2, 4, 1}, {0b10, 2, 3, 2}, {0b01, 2, 2, 3}, {0b001, 3, 1, 3}, {0b0001, 4, 0, 3}};
  for (const Row& r : rows)
    for (uint32_t s = 0; s < 2; ++s)
      for (uint32_t ef = 0; ef < (1u << r.d); ++ef)
        for (uint32_t m = 0; m < (1u << r.man); ++m) {
          int e = 0;
          if (r.d > 0) {
            const int mag = (1 << (r.d - 1)) + static_cast<int>(ef & ((1u << (r.d - 1)) - 1));
            e = (ef >> (r.d - 1)) ? -mag : mag;
          }
          const uint32_t code = (s << 7) | (r.dot << (7 - r.dot_bits)) | (ef << r.man) | m;
          t[code] = (s ? -1.0 : 1.0) * std::pow(2.0, e) * (1.0 + m / std::pow(2.0, r.man));
        }
  for (uint32_t s = 0; s < 2; ++s)
    for (uint32_t m = 1; m < 8; ++m) t[(s << 7) | m] = (s ? -1.0 : 1.0) * std::pow(2.0, static_cast<int>(m) - 23);
  t[0x00] = 0.0;
  t[0x80] = kNaN;
  t[0x6F] = kInf;  // E = +15, M = 1 is taken by Inf
  t[0xEF] = -kInf;
  return t;
}

bool same(double got, double want) {
  if (std::isnan(want)) return std::isnan(got);
  return got == want && std::signbit(got) == std::signbit(want);
}

void check_all_codes(const std::string& name, int ebits, int mbits, Sp sp) {
  const Format& f = find_format(name);
  const uint32_t n = 1u << f.bits;
  for (uint32_t c = 0; c < n; ++c) {
    INFO(name << " code " << c);
    const double want = ref_float(c, ebits, mbits, sp);
    REQUIRE(same(decode(c, f), want));
    // Round trip; non-saturating where the format defines it, so that max
    // normal is shown to encode as itself, not as an overflow. MX elements
    // always saturate: their Inf codes are unreachable by conversion.
    const bool sat = f.is_mx() || !f.has_nan();
    if (std::isnan(want)) {
      REQUIRE(std::isnan(decode(encode(want, f), f)));
    } else if (std::isinf(want) && sat) {
      REQUIRE(decode(encode(want, f), f) == (want > 0 ? f.max_normal : -f.max_normal));
    } else {
      REQUIRE(encode(want, f, sat) == c);
    }
  }
}

uint32_t enc(double x, const char* fmt, bool sat = true, Rounding r = Rounding::Default) {
  return encode(x, find_format(fmt), sat, r);
}
double dec(uint32_t c, const char* fmt) { return decode(c, find_format(fmt)); }

}  // namespace

TEST_CASE("format table: descriptors and unknown names", "[numerics]") {
  CHECK(find_format("fp8_e4m3").max_normal == 448.0);
  CHECK(find_format("fp8_e4m3").bias == 7);
  CHECK(find_format("fp8_e5m2").max_normal == 57344.0);
  CHECK(find_format("fp8_e5m2").bias == 15);
  CHECK(find_format("fp16").max_normal == 65504.0);
  CHECK(find_format("bf16").max_normal == std::ldexp(255.0, 120));
  CHECK(find_format("fp32").max_normal == static_cast<double>(3.4028234663852886e38f));
  CHECK(find_format("hif8").max_normal == 32768.0);
  CHECK(find_format("hif8").min_subnormal == std::ldexp(1.0, -22));
  CHECK(find_format("mxfp6_e3m2").max_normal == 28.0);
  CHECK(find_format("mxfp6_e2m3").max_normal == 7.5);
  CHECK(find_format("mxfp4").max_normal == 6.0);
  CHECK(find_format("mxint8").max_normal == 127.0 / 64);
  CHECK(find_format("int8").max_normal == 127.0);
  CHECK(find_format("mxfp8_e4m3").block_size == 32);
  CHECK(find_format("fp8_e4m3").block_size == 0);
  CHECK(find_format("fp8_e4m3").has_nan());
  CHECK_FALSE(find_format("fp8_e4m3").has_inf());
  CHECK(find_format("fp8_e5m2").has_inf());
  CHECK_FALSE(find_format("mxfp4").has_nan());
  // emax drives the MX shared exponent (MX v1.0 table 1).
  CHECK(find_format("mxfp8_e4m3").emax() == 8);
  CHECK(find_format("mxfp8_e5m2").emax() == 15);
  CHECK(find_format("mxfp6_e3m2").emax() == 4);
  CHECK(find_format("mxfp6_e2m3").emax() == 2);
  CHECK(find_format("mxfp4").emax() == 2);
  CHECK(find_format("mxint8").emax() == 0);
  CHECK_THROWS_AS(find_format("fp8"), npusim::ConfigError);
  CHECK_THROWS_WITH(find_format("e4m3"), Contains("unknown number format 'e4m3'") && Contains("fp8_e4m3") &&
                                             Contains("hif8") && Contains("mxfp4"));
}

TEST_CASE("every code of the narrow float formats decodes per spec and round trips", "[numerics]") {
  check_all_codes("fp8_e4m3", 4, 3, Sp::E4M3);
  check_all_codes("fp8_e5m2", 5, 2, Sp::Ieee);
  check_all_codes("mxfp8_e4m3", 4, 3, Sp::E4M3);  // element codes (scale 2^0)
  check_all_codes("mxfp8_e5m2", 5, 2, Sp::Ieee);
  check_all_codes("fp6_e3m2", 3, 2, Sp::None);
  check_all_codes("fp6_e2m3", 2, 3, Sp::None);
  check_all_codes("fp4_e2m1", 2, 1, Sp::None);
  check_all_codes("mxfp6_e3m2", 3, 2, Sp::None);
  check_all_codes("mxfp6_e2m3", 2, 3, Sp::None);
  check_all_codes("mxfp4", 2, 1, Sp::None);
  check_all_codes("fp16", 5, 10, Sp::Ieee);
  check_all_codes("bf16", 8, 7, Sp::Ieee);
}

TEST_CASE("spec anchors of each narrow format", "[numerics]") {
  // OFP8 E4M3: max 448 = S.1111.110, min subnormal 2^-9, NaN S.1111.111, no Inf.
  CHECK(dec(0x7E, "fp8_e4m3") == 448.0);
  CHECK(dec(0xFE, "fp8_e4m3") == -448.0);
  CHECK(dec(0x08, "fp8_e4m3") == std::ldexp(1.0, -6));
  CHECK(dec(0x07, "fp8_e4m3") == 7 * std::ldexp(1.0, -9));
  CHECK(dec(0x01, "fp8_e4m3") == std::ldexp(1.0, -9));
  CHECK(dec(0x78, "fp8_e4m3") == 256.0);
  CHECK(std::isnan(dec(0x7F, "fp8_e4m3")));
  CHECK(std::isnan(dec(0xFF, "fp8_e4m3")));
  CHECK(same(dec(0x00, "fp8_e4m3"), 0.0));
  CHECK(same(dec(0x80, "fp8_e4m3"), -0.0));
  // OFP8 E5M2: max 57344 = S.11110.11, Inf S.11111.00, NaN S.11111.{01,10,11}.
  CHECK(dec(0x7B, "fp8_e5m2") == 57344.0);
  CHECK(dec(0x7C, "fp8_e5m2") == kInf);
  CHECK(dec(0xFC, "fp8_e5m2") == -kInf);
  for (uint32_t c : {0x7Du, 0x7Eu, 0x7Fu, 0xFDu, 0xFEu, 0xFFu}) CHECK(std::isnan(dec(c, "fp8_e5m2")));
  CHECK(dec(0x01, "fp8_e5m2") == std::ldexp(1.0, -16));
  CHECK(dec(0x04, "fp8_e5m2") == std::ldexp(1.0, -14));
  CHECK(same(dec(0x80, "fp8_e5m2"), -0.0));
  // MX elements: FP6 E3M2 max 28, E2M3 max 7.5, FP4 E2M1 = {0, .5, 1, 1.5, 2, 3, 4, 6}.
  CHECK(dec(0x1F, "fp6_e3m2") == 28.0);
  CHECK(dec(0x01, "fp6_e3m2") == 0.0625);
  CHECK(dec(0x1F, "fp6_e2m3") == 7.5);
  CHECK(dec(0x01, "fp6_e2m3") == 0.125);
  CHECK(dec(0x3F, "fp6_e2m3") == -7.5);
  const double fp4[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
  for (uint32_t c = 0; c < 8; ++c) {
    CHECK(dec(c, "fp4_e2m1") == fp4[c]);
    CHECK(same(dec(c | 8, "fp4_e2m1"), -fp4[c]));
  }
  // Codes wider than the format are rejected.
  CHECK_THROWS_WITH(dec(0x10, "fp4_e2m1"), Contains("0x10") && Contains("4-bit"));
  CHECK_THROWS_AS(dec(0x100, "fp8_e4m3"), npusim::ConfigError);
}

TEST_CASE("hif8: all 256 codes match the paper's table; anchors; round trip", "[numerics]") {
  const auto table = ref_hif8_table();
  REQUIRE(table.size() == 256);  // the table's rows cover every code exactly once
  const Format& f = find_format("hif8");
  for (const auto& [code, want] : table) {
    INFO("hif8 code " << code);
    REQUIRE(same(decode(code, f), want));
    if (!std::isnan(want)) REQUIRE(encode(want, f, false) == code);
  }
  // 31 normal binades (E = -15..15) + 7 denormal = 38, as the paper says.
  CHECK(dec(0x6E, "hif8") == 32768.0);          // max finite 2^15
  CHECK(dec(0x7E, "hif8") == std::ldexp(1.0, -15));  // min normal: dot 11, E = -15
  CHECK(dec(0x01, "hif8") == std::ldexp(1.0, -22));  // min denormal
  CHECK(dec(0x07, "hif8") == std::ldexp(1.0, -16));  // max denormal
  CHECK(dec(0x08, "hif8") == 1.0);
  CHECK(dec(0x09, "hif8") == 1.125);
  CHECK(dec(0x10, "hif8") == 2.0);   // dot 001, E = +1
  CHECK(dec(0x18, "hif8") == 0.5);   // dot 001, E = -1
  CHECK(dec(0x20, "hif8") == 4.0);   // dot 01, E = +2
  CHECK(dec(0x28, "hif8") == 8.0);   // dot 01, E = +3
  CHECK(dec(0x30, "hif8") == 0.25);  // dot 01, E = -2
  CHECK(dec(0x40, "hif8") == 16.0);  // dot 10, E = +4
  CHECK(dec(0x5C, "hif8") == std::ldexp(1.0, -7));  // dot 10, E = -7
  CHECK(dec(0x60, "hif8") == 256.0);  // dot 11, E = +8
  CHECK(dec(0x6F, "hif8") == kInf);
  CHECK(dec(0xEF, "hif8") == -kInf);
  CHECK(std::isnan(dec(0x80, "hif8")));
  CHECK(same(dec(0x00, "hif8"), 0.0));
  // One zero: -0 encodes as 0x00 (0x80 is NaN), and so does a negative underflow.
  CHECK(enc(-0.0, "hif8") == 0x00);
  CHECK(enc(-std::ldexp(1.0, -30), "hif8") == 0x00);
  CHECK(enc(kNaN, "hif8") == 0x80);
}

TEST_CASE("rounding ties worked by hand", "[numerics]") {
  // E4M3 near 1: grid step 1/8. 1.0625 is halfway 1.0 (0x38, even) / 1.125 (0x39).
  CHECK(enc(1.0625, "fp8_e4m3") == 0x38);
  CHECK(enc(1.1875, "fp8_e4m3") == 0x3A);  // halfway 0x39 / 0x3A -> even 0x3A (1.25)
  CHECK(enc(1.0626, "fp8_e4m3") == 0x39);
  CHECK(enc(-1.0625, "fp8_e4m3") == 0xB8);
  // E4M3 subnormals (step 2^-9): 2^-10 ties to 0, 3 * 2^-10 ties to 2 * 2^-9.
  CHECK(enc(std::ldexp(1.0, -10), "fp8_e4m3") == 0x00);
  CHECK(enc(-std::ldexp(1.0, -10), "fp8_e4m3") == 0x80);  // signed zero kept
  CHECK(enc(std::ldexp(3.0, -10), "fp8_e4m3") == 0x02);
  CHECK(enc(std::ldexp(1.0, -10) * 1.01, "fp8_e4m3") == 0x01);
  // E5M2 near 1: step 1/4; 1.125 -> 1.0 (0x3C), 1.375 -> 1.5 (0x3E).
  CHECK(enc(1.125, "fp8_e5m2") == 0x3C);
  CHECK(enc(1.375, "fp8_e5m2") == 0x3E);
  // fp16 / bf16: 1 + half an ulp ties to 1.0; 1 + 3/2 ulp ties up to 1 + 2 ulp.
  CHECK(enc(1.0 + std::ldexp(1.0, -11), "fp16") == 0x3C00);
  CHECK(enc(1.0 + std::ldexp(3.0, -11), "fp16") == 0x3C02);
  CHECK(enc(1.0 + std::ldexp(1.0, -8), "bf16") == 0x3F80);
  CHECK(enc(1.0 + std::ldexp(3.0, -8), "bf16") == 0x3F82);
  // FP4 E2M1: 5 is halfway 4 (0x6) / 6 (0x7) -> 4; 0.25 -> 0; 0.75 -> 1.0; 2.5 -> 2.
  CHECK(enc(5.0, "fp4_e2m1") == 0x6);
  CHECK(enc(0.25, "fp4_e2m1") == 0x0);
  CHECK(enc(0.75, "fp4_e2m1") == 0x2);
  CHECK(enc(2.5, "fp4_e2m1") == 0x4);
  CHECK(enc(-3.5, "fp4_e2m1") == 0xE);  // halfway 3 (0x5) / 4 (0x6) -> -4
  // HiF8 default TA (ties away from zero); RNE offered as an option.
  CHECK(enc(1.0625, "hif8") == 0x09);   // halfway 1.0 / 1.125 -> away: 1.125
  CHECK(enc(-1.0625, "hif8") == 0x89);
  CHECK(enc(1.0625, "hif8", true, Rounding::NearestEven) == 0x08);
  CHECK(enc(15.5, "hif8") == 0x40);     // 1.9375 * 8 halfway 15 / 16 -> 16 (dot 10)
  CHECK(enc(15.5, "hif8", true, Rounding::NearestEven) == 0x40);  // 16 is even too
  CHECK(enc(7.5, "hif8") == 0x27);      // exact: E = 2, M = 111
  CHECK(enc(384.0, "hif8") == 0x61);    // 1.5 * 2^8 exact (dot 11, 1 mantissa bit)
  CHECK(enc(320.0, "hif8") == 0x61);    // halfway 256 / 384 -> away: 384
  CHECK(enc(320.0, "hif8", true, Rounding::NearestEven) == 0x60);
  // HiF8 underflow: 2^-23 is halfway 0 / 2^-22 -> TA: 2^-22, RNE: 0.
  CHECK(enc(std::ldexp(1.0, -23), "hif8") == 0x01);
  CHECK(enc(std::ldexp(1.0, -23), "hif8", true, Rounding::NearestEven) == 0x00);
  CHECK(enc(std::ldexp(0.99, -23), "hif8") == 0x00);
  CHECK(enc(std::ldexp(1.5, -16), "hif8") == 0x7E);  // halfway 2^-16 / 2^-15 -> 2^-15
  CHECK(enc(std::ldexp(1.5, -20), "hif8") == 0x04);  // denormals are powers of 2: -> 2^-19
}

TEST_CASE("saturating vs non-saturating overflow", "[numerics]") {
  // E4M3: 464 is halfway 448 / (480 = NaN slot) -> 448 in both modes; above -> overflow.
  CHECK(enc(464.0, "fp8_e4m3", false) == 0x7E);
  CHECK(enc(465.0, "fp8_e4m3", false) == 0x7F);  // NaN (E4M3 has no Inf)
  CHECK(enc(-465.0, "fp8_e4m3", false) == 0xFF);
  CHECK(enc(465.0, "fp8_e4m3", true) == 0x7E);
  CHECK(enc(1e30, "fp8_e4m3", true) == 0x7E);
  CHECK(enc(kInf, "fp8_e4m3", false) == 0x7F);
  CHECK(enc(kInf, "fp8_e4m3", true) == 0x7E);    // SAT: infinities clamp too
  CHECK(enc(-kInf, "fp8_e4m3", true) == 0xFE);
  CHECK(std::isnan(dec(enc(kNaN, "fp8_e4m3"), "fp8_e4m3")));
  // E5M2: 61440 is halfway 57344 (odd) / 65536 (even, out of range) -> overflow.
  CHECK(enc(61440.0, "fp8_e5m2", false) == 0x7C);
  CHECK(enc(61439.0, "fp8_e5m2", false) == 0x7B);
  CHECK(enc(61440.0, "fp8_e5m2", true) == 0x7B);
  CHECK(enc(-kInf, "fp8_e5m2", false) == 0xFC);
  CHECK(enc(-kInf, "fp8_e5m2", true) == 0xFB);
  CHECK(std::isnan(dec(enc(kNaN, "fp8_e5m2"), "fp8_e5m2")));
  // fp16: 65520 is halfway 65504 / 65536 -> Inf (IEEE), or 65504 saturated.
  CHECK(enc(65520.0, "fp16", false) == 0x7C00);
  CHECK(enc(65519.0, "fp16", false) == 0x7BFF);
  CHECK(enc(65520.0, "fp16", true) == 0x7BFF);
  // HiF8: 40960 = 1.25 * 2^15 is halfway 2^15 / (1.5 * 2^15 = Inf slot).
  CHECK(enc(40960.0, "hif8", false) == 0x6F);  // TA -> Inf
  CHECK(enc(40960.0, "hif8", true) == 0x6E);
  CHECK(enc(40960.0, "hif8", false, Rounding::NearestEven) == 0x6E);
  CHECK(enc(40959.0, "hif8", false) == 0x6E);
  CHECK(enc(-1e9, "hif8", false) == 0xEF);
  CHECK(enc(-1e9, "hif8", true) == 0xEE);
  CHECK(enc(kInf, "hif8", true) == 0x6E);
  // fp32 keeps float semantics.
  CHECK(enc(1e39, "fp32", false) == 0x7F800000u);
  CHECK(enc(1e39, "fp32", true) == 0x7F7FFFFFu);
  CHECK(enc(-1.5, "fp32") == 0xBFC00000u);
  // Formats without Inf/NaN only saturate.
  CHECK(enc(100.0, "fp4_e2m1") == 0x7);
  CHECK(enc(-29.0, "fp6_e3m2") == 0x3F);
  CHECK_THROWS_WITH(enc(1.0, "fp4_e2m1", false), Contains("only saturate=True"));
  CHECK_THROWS_WITH(enc(1.0, "mxfp8_e4m3", false), Contains("MX conversion always clamps"));
}

TEST_CASE("int8: symmetric, round to nearest even, saturating", "[numerics]") {
  CHECK(enc(2.5, "int8") == 2);
  CHECK(enc(3.5, "int8") == 4);
  CHECK(enc(-2.5, "int8") == 0xFE);
  CHECK(enc(-2.6, "int8") == 0xFD);
  CHECK(enc(126.5, "int8") == 126);
  CHECK(enc(200.0, "int8") == 127);
  CHECK(enc(-200.0, "int8") == 0x81);  // -127: symmetric, -128 is never produced
  CHECK(enc(-kInf, "int8") == 0x81);
  CHECK(enc(kNaN, "int8") == 0);
  CHECK(dec(0x80, "int8") == -128.0);  // still a valid code to decode
  CHECK(dec(0xFF, "int8") == -1.0);
  for (uint32_t c = 0; c < 256; ++c) {
    const double want = static_cast<double>(static_cast<int8_t>(static_cast<uint8_t>(c)));
    REQUIRE(dec(c, "int8") == want);
    if (c != 0x80) REQUIRE(enc(want, "int8") == c);
    REQUIRE(dec(c, "mxint8") == want / 64.0);  // MX INT8 element: implicit 2^-6
  }
  CHECK_THROWS_AS(enc(1.0, "int8", false), npusim::ConfigError);
  // Arrays of the right code width.
  const float x[4] = {1.4f, -1.6f, 300.0f, 0.5f};
  uint8_t codes[4];
  encode_array(x, 4, find_format("int8"), codes);
  CHECK(codes[0] == 1);
  CHECK(codes[1] == 0xFE);
  CHECK(codes[2] == 127);
  CHECK(codes[3] == 0);
}

TEST_CASE("MX block scaling worked by hand", "[numerics]") {
  const Format& fp4 = find_format("mxfp4");
  std::vector<float> v(32, 0.0f);
  std::vector<uint8_t> codes(32);
  uint8_t scale = 0;

  SECTION("max 6.0 -> mxfp4 scale 2^0, elements as is") {
    v[0] = 6.0f; v[1] = 1.0f; v[2] = -0.5f; v[3] = 0.25f; v[4] = 5.0f;
    mx_encode_block(v.data(), 32, fp4, codes.data(), &scale);
    CHECK(scale == 127);  // floor(log2 6) - emax(E2M1) = 2 - 2 = 0
    CHECK(codes[0] == 0x7);
    CHECK(codes[1] == 0x2);
    CHECK(codes[2] == 0x9);
    CHECK(codes[3] == 0x0);  // 0.25: halfway 0 / 0.5 -> 0
    CHECK(codes[4] == 0x6);  // 5: halfway 4 / 6 -> 4
  }
  SECTION("max 100 -> mxfp4 scale 2^4, elements v/16 rounded") {
    v[0] = 100.0f; v[1] = 20.0f; v[2] = 3.0f; v[3] = 40.0f; v[4] = -56.0f; v[5] = 5.0f;
    mx_encode_block(v.data(), 32, fp4, codes.data(), &scale);
    CHECK(scale == 131);     // floor(log2 100) = 6; 6 - 2 = 4
    CHECK(codes[0] == 0x7);  // 6.25 -> 6 -> 96
    CHECK(codes[1] == 0x2);  // 1.25: halfway 1 / 1.5 -> 1 -> 16
    CHECK(codes[2] == 0x0);  // 0.1875 -> 0
    CHECK(codes[3] == 0x4);  // 2.5: halfway 2 / 3 -> 2 -> 32
    CHECK(codes[4] == 0xE);  // -3.5: halfway 3 / 4 -> -4 -> -64
    CHECK(codes[5] == 0x1);  // 0.3125 -> 0.5 -> 8
    std::vector<float> out(32);
    mx_decode_block(codes.data(), 32, scale, fp4, out.data());
    CHECK(out[0] == 96.0f);
    CHECK(out[1] == 16.0f);
    CHECK(out[2] == 0.0f);
    CHECK(out[3] == 32.0f);
    CHECK(out[4] == -64.0f);
    CHECK(out[5] == 8.0f);
  }
  SECTION("mxfp8_e4m3: scale 2^(0-8) and rounding past max clamps") {
    const Format& f = find_format("mxfp8_e4m3");
    v[0] = 1.0f; v[1] = -0.75f;
    mx_encode_block(v.data(), 32, f, codes.data(), &scale);
    CHECK(scale == 119);      // floor(log2 1) - 8 = -8
    CHECK(codes[0] == 0x78);  // 256
    CHECK(codes[1] == 0xF4);  // -192 = -1.5 * 2^7: S.1110.100
    v[0] = 496.0f;            // 1.9375 * 2^8: scale 2^0, rounds to 512 > 448 -> 448
    mx_encode_block(v.data(), 32, f, codes.data(), &scale);
    CHECK(scale == 127);
    CHECK(codes[0] == 0x7E);
  }
  SECTION("mxint8: int8 elements with implicit 2^-6") {
    const Format& f = find_format("mxint8");
    v[0] = 1.5f; v[1] = 0.01f; v[2] = -1.0f;
    mx_encode_block(v.data(), 32, f, codes.data(), &scale);
    CHECK(scale == 127);      // floor(log2 1.5) - 0
    CHECK(codes[0] == 96);    // 1.5 * 64
    CHECK(codes[1] == 1);     // 0.64 -> 1
    CHECK(codes[2] == 0xC0);  // -64
    v[0] = 1.999f;            // 127.936 -> clamp 127
    mx_encode_block(v.data(), 32, f, codes.data(), &scale);
    CHECK(codes[0] == 127);
  }
  SECTION("NaN or Inf in a block -> NaN scale, all elements NaN") {
    for (float bad : {NAN, INFINITY, -INFINITY}) {
      v[0] = 1.0f; v[7] = bad;
      mx_encode_block(v.data(), 32, fp4, codes.data(), &scale);
      CHECK(scale == 0xFF);
      std::vector<float> out(32);
      mx_decode_block(codes.data(), 32, scale, fp4, out.data());
      for (float o : out) CHECK(std::isnan(o));
    }
  }
  SECTION("all-zero block -> smallest scale, zeros") {
    mx_encode_block(v.data(), 32, fp4, codes.data(), &scale);
    CHECK(scale == 0);
    for (uint8_t c : codes) CHECK(c == 0);
  }
  SECTION("tiny max clamps the scale at 2^-127") {
    v[0] = std::ldexp(1.0f, -130);
    mx_encode_block(v.data(), 32, fp4, codes.data(), &scale);
    CHECK(scale == 0);
    CHECK(codes[0] == 0);  // 2^-3 of the scale: below half of 0.5 -> 0
  }
  SECTION("whole tensors: blocks along the last axis, shape errors") {
    std::vector<float> x(64);
    for (int i = 0; i < 64; ++i) x[i] = i < 32 ? 6.0f : 100.0f;
    std::vector<uint8_t> c(64), s(2);
    mx_encode(x.data(), 64, 32, fp4, c.data(), s.data());
    CHECK(s[0] == 127);
    CHECK(s[1] == 131);
    CHECK(mx_scale_count(fp4, 128, 64) == 4);
    CHECK_THROWS_WITH(mx_encode(x.data(), 66, 33, fp4, c.data(), s.data()),
                      Contains("multiple of 32") && Contains("got 33"));
    CHECK_THROWS_AS(check_mx_shape(find_format("fp16"), 32, 32), npusim::ConfigError);
    CHECK_THROWS_WITH(encode_array(x.data(), 4, fp4, c.data()), Contains("block-scaled"));
  }
}

TEST_CASE("reference matmul equals a naive loop on the quantised inputs", "[numerics]") {
  std::mt19937 rng(1234);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  const char* pairs[][2] = {{"fp32", "fp32"},   {"fp16", "bf16"},         {"fp8_e4m3", "fp8_e5m2"},
                            {"hif8", "hif8"},   {"mxfp4", "mxfp8_e4m3"},  {"mxfp6_e3m2", "mxfp6_e2m3"},
                            {"mxint8", "int8"}, {"mxfp8_e5m2", "fp8_e4m3"}};
  for (const auto& p : pairs) {
    const Format& fa = find_format(p[0]);
    const Format& fb = find_format(p[1]);
    for (int trial = 0; trial < 3; ++trial) {
      const std::size_t m = 1 + rng() % 5, n = 1 + rng() % 5, k = 32 * (1 + rng() % 3);
      std::vector<float> a(m * k), b(k * n);
      for (auto& x : a) x = dist(rng);
      for (auto& x : b) x = dist(rng);
      const std::vector<float> c = ref_matmul(a.data(), b.data(), m, k, n, fa, fb);
      // Quantise independently: A row-wise; B column by column (blocks down K).
      const std::vector<float> qa = quantize_tensor(a.data(), m * k, k, fa);
      std::vector<float> qb(k * n);
      for (std::size_t j = 0; j < n; ++j) {
        std::vector<float> col(k);
        for (std::size_t kk = 0; kk < k; ++kk) col[kk] = b[kk * n + j];
        const std::vector<float> qcol = quantize_tensor(col.data(), k, k, fb);
        for (std::size_t kk = 0; kk < k; ++kk) qb[kk * n + j] = qcol[kk];
      }
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
          float acc = 0.0f;
          double exact = 0.0;
          for (std::size_t kk = 0; kk < k; ++kk) {
            const float prod = qa[i * k + kk] * qb[kk * n + j];
            acc += prod;
            exact += static_cast<double>(qa[i * k + kk]) * qb[kk * n + j];
          }
          INFO(p[0] << " x " << p[1] << " (" << m << "x" << k << "x" << n << ") at " << i << "," << j);
          REQUIRE(c[i * n + j] == acc);  // same FP32 order: bit-identical
          REQUIRE(c[i * n + j] == Approx(exact).epsilon(1e-5).margin(1e-3));
        }
      if (std::string(p[0]) == "fp32") {  // fp32 x fp32 is plain float matmul
        float acc = 0.0f;
        for (std::size_t kk = 0; kk < k; ++kk) {
          const float prod = a[kk] * b[kk * n];
          acc += prod;
        }
        CHECK(c[0] == acc);
      }
    }
  }
  // Quantisation really happens: hif8 x hif8 of 1.0625 (-> 1.125 under TA).
  std::vector<float> a(32, 0.0f), b(32, 0.0f);
  a[0] = 1.0625f;
  b[0] = 1.0f;
  CHECK(ref_matmul(a.data(), b.data(), 1, 32, 1, find_format("hif8"), find_format("hif8"))[0] == 1.125f);
  CHECK_THROWS_WITH(ref_matmul(a.data(), b.data(), 1, 31, 1, find_format("mxfp4"), find_format("fp16")),
                    Contains("fmt_a") && Contains("K = 31"));
  CHECK_NOTHROW(ref_matmul(a.data(), b.data(), 1, 31, 1, find_format("fp16"), find_format("fp8_e4m3")));
}
