#include "workload/op_cost.hpp"

#include "sim/errors.hpp"
#include "npu/kernels/kernel_plan.hpp"

namespace npusim::workload {

namespace {

double u(const json& op, const char* key, uint64_t fallback) { return double(op.value(key, fallback)); }

// Q, K, V in the dtype; O in bf16 (attention_kernel.hpp).
OpCost attention_cost(const json& op, npu::DType d) {
  const double b = u(op, "batch", 1), h = u(op, "heads", 0), hd = u(op, "head_dim", 0);
  const double kvh = op.value("kv_heads", uint64_t(0)) ? u(op, "kv_heads", 0) : h;
  const double sq = u(op, "seq_q", 0), skv = u(op, "seq_kv", 0);
  double pairs = sq * skv;
  if (op.value("causal", true) && skv >= sq) pairs = sq * (skv - sq) + sq * (sq + 1) / 2;
  const double eb = double(npu::dtype_bits(d)) / 8.0;
  return {4.0 * b * h * hd * pairs, b * ((h * sq * hd + 2 * kvh * skv * hd) * eb + h * sq * hd * 2.0)};
}

}  // namespace

OpCost compute_op_cost(const json& op, const std::string& where) {
  const std::string kind = op.value("op", std::string());
  const npu::DType d = npu::dtype_from_string(op.value("dtype", std::string("bf16")), where + ".dtype");
  if (kind == "matmul") {
    const uint64_t m = op.value("m", uint64_t(0)), n = op.value("n", uint64_t(0)), k = op.value("k", uint64_t(0));
    const double b = u(op, "batch", 1);
    // A (m x k) and B (n x k) along the contraction; C written in bf16 (matmul_kernel.hpp).
    const double ab = double(npu::gm_bytes(d, m, k) + npu::gm_bytes(d, n, k));
    return {2.0 * b * double(m) * double(n) * double(k), b * (ab + double(m) * double(n) * 2.0)};
  }
  if (kind == "attention") return attention_cost(op, d);
  if (kind == "elementwise") {
    const double e = u(op, "elements", 0), eb = double(npu::dtype_bits(d)) / 8.0;
    const bool reduce = op.value("elementwise_kind", std::string("add")) == "reduce_sum";
    return {e, (reduce ? 1.0 : 3.0) * e * eb};
  }
  throw ConfigError(where + ".op: expected matmul, attention or elementwise, got " + op.value("op", json()).dump());
}

}  // namespace npusim::workload
