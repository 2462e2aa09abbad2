// Collectives on the flow-level fabric model, as barrier-separated phases of
// flows. Bandwidth figures follow the nccl-tests conventions
// (doc/PERFORMANCE.md there): algbw = S / time; busbw = algbw x factor with
// factor 2(n-1)/n for all-reduce and (n-1)/n for all-gather, reduce-scatter
// and all-to-all, so busbw is comparable to a link's bandwidth.
// S is: all-reduce the buffer; all-gather the gathered output (n chunks);
// reduce-scatter the input (n chunks); all-to-all each rank's send buffer
// (S/n to each peer, itself included, as nccl-tests counts it).
#pragma once
#include <string>
#include <vector>

#include "noc/flow_model.hpp"

namespace npusim::noc {

struct CollectiveResult {
  std::string name;
  int ranks = 0;
  double bytes = 0;  // S
  double time_us = 0;
  double algbw_gbps = 0;
  double busbw_gbps = 0;
  int phases = 0;          // barrier-separated steps of the algorithm
  int simulated_phases = 0;  // steps actually run through the flow model
};

// `ranks` are endpoint node ids in ring order (empty: all endpoints in id
// order). Ring algorithms send rank i -> rank i+1. Every step of a ring
// algorithm is the same set of flows, so with no other traffic the fluid
// model gives every step the same duration: we simulate one step and
// multiply (simulated_phases says so).
CollectiveResult ring_allreduce(const Topology& t, double bytes, std::vector<int> ranks = {});
CollectiveResult ring_allgather(const Topology& t, double bytes, std::vector<int> ranks = {});
CollectiveResult ring_reduce_scatter(const Topology& t, double bytes, std::vector<int> ranks = {});
// Direct all-to-all: every rank sends S/n to every other rank at once.
CollectiveResult alltoall(const Topology& t, double bytes, std::vector<int> ranks = {});

}  // namespace npusim::noc
