// npusim._core.numerics: bit-exact number formats (npu/numerics) for numpy
// arrays. The friendly, documented API is python/npusim/numerics.py; this
// layer converts arrays and checks shapes (ConfigError names the shape).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstring>
#include <string>
#include <vector>

#include "sim/errors.hpp"
#include "npu/numerics/convert.hpp"
#include "npu/numerics/formats.hpp"
#include "npu/numerics/mx.hpp"
#include "npu/numerics/ref_matmul.hpp"

namespace py = pybind11;
namespace nn = npusim::numerics;

namespace {

using FloatIn = py::array_t<float, py::array::c_style | py::array::forcecast>;
using CodesIn = py::array_t<uint32_t, py::array::c_style | py::array::forcecast>;

std::vector<py::ssize_t> shape_of(const py::array& a) { return {a.shape(), a.shape() + a.ndim()}; }

std::string shape_str(const std::vector<py::ssize_t>& s) {
  std::string out = "(";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// Last-axis length of an MX array; ConfigError naming the shape otherwise.
std::size_t mx_row_len(const nn::Format& f, const std::vector<py::ssize_t>& shape) {
  const std::size_t b = static_cast<std::size_t>(f.block_size);
  if (shape.empty() || shape.back() <= 0 || static_cast<std::size_t>(shape.back()) % b != 0)
    throw npusim::ConfigError("format '" + f.name + "' scales blocks of " + std::to_string(b) +
                              " along the last axis; expected shape (..., " + std::to_string(b) +
                              "*n), got " + shape_str(shape));
  return static_cast<std::size_t>(shape.back());
}

std::vector<py::ssize_t> scales_shape(const nn::Format& f, std::vector<py::ssize_t> shape) {
  shape.back() /= f.block_size;
  return shape;
}

template <class Code>
py::array encode_scalar(const FloatIn& x, const nn::Format& f, bool saturate) {
  py::array_t<Code> out(shape_of(x));
  nn::encode_array(x.data(), static_cast<std::size_t>(x.size()), f, out.mutable_data(), saturate);
  return std::move(out);
}

py::object encode(const FloatIn& x, const std::string& fmt, bool saturate) {
  const nn::Format& f = nn::find_format(fmt);
  nn::check_saturate(f, saturate);
  if (f.is_mx()) {
    const auto shape = shape_of(x);
    const std::size_t row = mx_row_len(f, shape);
    py::array_t<uint8_t> codes(shape), scales(scales_shape(f, shape));
    nn::mx_encode(x.data(), static_cast<std::size_t>(x.size()), row, f, codes.mutable_data(), scales.mutable_data());
    return py::make_tuple(codes, scales);
  }
  switch (f.code_bytes()) {
    case 1: return encode_scalar<uint8_t>(x, f, saturate);
    case 2: return encode_scalar<uint16_t>(x, f, saturate);
    default: return encode_scalar<uint32_t>(x, f, saturate);
  }
}

py::array decode(const CodesIn& codes, const std::string& fmt, const py::object& scales_obj) {
  const nn::Format& f = nn::find_format(fmt);
  const auto shape = shape_of(codes);
  py::array_t<float> out(shape);
  const std::size_t n = static_cast<std::size_t>(codes.size());
  if (!f.is_mx()) {
    if (!scales_obj.is_none())
      throw npusim::ConfigError("format '" + f.name + "' has no block scales; pass scales=None");
    nn::decode_array(codes.data(), n, f, out.mutable_data());
    return std::move(out);
  }
  if (scales_obj.is_none())
    throw npusim::ConfigError("format '" + f.name + "' needs its E8M0 block scales (scales=...)");
  const std::size_t row = mx_row_len(f, shape);
  const auto scales = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(scales_obj);
  if (!scales) throw npusim::ConfigError("scales: expected an array of uint8 E8M0 codes");
  const auto want = scales_shape(f, shape);
  if (shape_of(scales) != want)
    throw npusim::ConfigError("scales: expected shape " + shape_str(want) + " for codes of shape " +
                              shape_str(shape) + ", got " + shape_str(shape_of(scales)));
  std::vector<uint8_t> narrow(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (codes.data()[i] > 0xFFu) nn::decode(codes.data()[i], f);  // throws: code out of range
    narrow[i] = static_cast<uint8_t>(codes.data()[i]);
  }
  nn::mx_decode(narrow.data(), scales.data(), n, row, f, out.mutable_data());
  return std::move(out);
}

py::array quantize(const FloatIn& x, const std::string& fmt, bool saturate) {
  const nn::Format& f = nn::find_format(fmt);
  const auto shape = shape_of(x);
  const std::size_t row = f.is_mx() ? mx_row_len(f, shape) : 1;
  const std::vector<float> q = nn::quantize_tensor(x.data(), static_cast<std::size_t>(x.size()), row, f, saturate);
  py::array_t<float> out(shape);
  if (!q.empty()) std::memcpy(out.mutable_data(), q.data(), q.size() * sizeof(float));
  return std::move(out);
}

py::array matmul(const FloatIn& a, const FloatIn& b, const std::string& fmt_a, const std::string& fmt_b) {
  const nn::Format& fa = nn::find_format(fmt_a);
  const nn::Format& fb = nn::find_format(fmt_b);
  if (a.ndim() != 2 || b.ndim() != 2 || a.shape(1) != b.shape(0))
    throw npusim::ConfigError("matmul: expected a of shape (M, K) and b of shape (K, N), got " +
                              shape_str(shape_of(a)) + " and " + shape_str(shape_of(b)));
  const auto m = static_cast<std::size_t>(a.shape(0)), k = static_cast<std::size_t>(a.shape(1)),
             n = static_cast<std::size_t>(b.shape(1));
  const std::vector<float> c = nn::ref_matmul(a.data(), b.data(), m, k, n, fa, fb);
  py::array_t<float> out(std::vector<py::ssize_t>{a.shape(0), b.shape(1)});
  if (!c.empty()) std::memcpy(out.mutable_data(), c.data(), c.size() * sizeof(float));
  return std::move(out);
}

const char* kind_name(nn::Kind k) {
  switch (k) {
    case nn::Kind::Float: return "float";
    case nn::Kind::HiF8: return "hifloat";
    case nn::Kind::Int: return "int";
  }
  return "?";
}

py::dict formats() {
  py::dict d;
  for (const nn::Format& f : nn::all_formats()) {
    py::dict e;
    e["name"] = f.name;
    e["kind"] = kind_name(f.kind);
    e["bits"] = f.bits;
    e["exponent_bits"] = f.exp_bits;
    e["mantissa_bits"] = f.man_bits;
    e["bias"] = f.bias;
    e["max_normal"] = f.max_normal;
    e["min_normal"] = f.min_normal;
    e["min_subnormal"] = f.min_subnormal;
    e["has_inf"] = f.has_inf();
    e["has_nan"] = f.has_nan();
    e["block_size"] = f.block_size;
    e["scale_format"] = f.is_mx() ? py::object(py::str("e8m0")) : py::object(py::none());
    e["emax"] = f.emax();
    e["rounding"] = f.default_rounding == nn::Rounding::NearestAway ? "nearest_away" : "nearest_even";
    e["code_dtype"] = f.code_bytes() == 1 ? "uint8" : f.code_bytes() == 2 ? "uint16" : "uint32";
    e["spec"] = f.spec;
    d[py::str(f.name)] = e;
  }
  return d;
}

}  // namespace

void bind_numerics(py::module_& m) {
  py::module_ sub = m.def_submodule("numerics", "Bit-exact number formats (see npusim.numerics)");
  sub.def("encode", &encode, py::arg("x"), py::arg("fmt"), py::arg("saturate") = true,
          "float32 array -> codes (uint8/16/32); MX formats -> (codes, E8M0 scales).");
  sub.def("decode", &decode, py::arg("codes"), py::arg("fmt"), py::arg("scales") = py::none(),
          "codes (and MX scales) -> float32 array.");
  sub.def("quantize", &quantize, py::arg("x"), py::arg("fmt"), py::arg("saturate") = true,
          "decode(encode(x)) as float32.");
  sub.def("matmul", &matmul, py::arg("a"), py::arg("b"), py::arg("fmt_a"), py::arg("fmt_b"),
          "Reference C = A @ B on quantised inputs, FP32 accumulation.");
  sub.def("formats", &formats, "Descriptor of every format, by name.");
}
