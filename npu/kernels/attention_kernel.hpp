// Flash-attention lowering for the Atlas A2 split architecture: cube cores
// compute S = Q K^T and P V tiles (Q resident in L1, K/V streamed in blocks
// along seq_kv), vector cores run the online softmax (row max, subtract,
// exp, row sum, rescale) and accumulate O. Cube and vector cores exchange
// S, P and the P V partials through a small per-core GM workspace, which
// the chip serves from L2.
//
// Approximation: the core model has no cross-core synchronisation yet, so
// each cube and vector program runs on its own (a cube core may load P
// before its vector core has written it). Their traffic and busy time are
// right; the coupling between them is not modelled.
#pragma once
#include <cstdint>

#include "npu/kernels/kernel_plan.hpp"

namespace npusim::npu {

struct AttentionSpec {
  uint64_t batch = 1, heads = 0, kv_heads = 0 /*0 = heads*/, head_dim = 0, seq_q = 0, seq_kv = 0;
  DType dtype = DType::bf16;
  bool causal = true;
};

// seq_q == 1 -> "attention_decode" (flash-decoding: batch x kv_heads x
// seq_kv splits over the cube cores, GQA query heads of a KV head as the
// rows of one tile, a combine pass on the vector cores); else
// "attention_prefill" (tasks batch x heads x query tiles, causal blocks
// skipped, bottom-right aligned when seq_q < seq_kv).
// Q/K/V/P in `dtype`; S and the P V partials fp32 in the workspace; O bf16.
KernelPlan lower_attention(const ChipConfig& chip, const AttentionSpec& s);

}  // namespace npusim::npu
