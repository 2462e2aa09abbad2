// What a compute op of the operator graph costs, from its keys alone (no
// chip): the useful floating-point operations, counted as the kernels count
// them (npu/kernels: matmul 2*batch*m*n*k; attention 4*batch*heads*head_dim
// per (query, key) pair seen, causal rows seeing fewer; elementwise one per
// element), and the bytes of its operands and result, the least HBM traffic
// it can make. The Chakra exporter writes these as num_ops and tensor_size,
// the two numbers ASTRA-sim's roofline runs a compute node from.
#pragma once
#include "sim/params.hpp"

namespace npusim::workload {

struct OpCost {
  double flops = 0;
  double bytes = 0;
};

// `op` is a graph node's op object ({"op": "matmul", "m": ..., "dtype": ...});
// keys the op job defaults (batch, kv_heads, causal, elementwise_kind, dtype)
// may be absent. ConfigError naming `where` for an unknown op.
OpCost compute_op_cost(const json& op, const std::string& where);

}  // namespace npusim::workload
