// MoE token traffic (expert parallelism over the ranks): every rank holds
// `tokens` tokens and sends each to `topk` distinct experts chosen uniformly
// at random (seeded) among `experts`, dealt round-robin over the ranks; a
// token's payload is `token_bytes`. Dispatch sends tokens to their experts'
// ranks, combine sends the results back (the same matrix transposed); tokens
// routed to the sender's own rank stay local. collective_plan.hpp turns it
// into an all-to-all-v (direct or pairwise) that both fidelities run.
#pragma once
#include <cstdint>
#include <vector>

namespace npusim::noc {

struct MoeTraffic {
  int tokens = 0, topk = 0, experts = 0;
  double token_bytes = 0;
  uint64_t seed = 1;
  bool combine = false;
};

// The token matrix: n x n tokens, [src * n + dst] (ConfigError on bad
// parameters).
std::vector<double> moe_token_counts(int n, const MoeTraffic& m);
// Bytes rank i sends to rank j, [i * n + j]: the token matrix times the
// token size for dispatch, its transpose for combine (results go back).
std::vector<double> moe_send_bytes(int n, const MoeTraffic& m);

}  // namespace npusim::noc
