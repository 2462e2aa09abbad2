// Collectives on the packet-level fabric: the descriptions the flow level
// runs (collective_plan.hpp; collective_params.hpp lists the algorithms per
// operation) and its result keys, each expanded into a graph of messages
// with its real data dependencies (collective_schedule.hpp) instead of
// barrier-separated levels, every message packetised at the MTU and carried
// packet by packet:
//  - ring (all-reduce, all-gather, reduce-scatter): rank i sends its step-s
//    chunk once its predecessor's step-(s-1) chunk arrived;
//  - halving_doubling all-reduce: step s once the partner's step-(s-1)
//    data arrived;
//  - hierarchical all-reduce: intra-group ring reduce-scatter, a ring
//    all-reduce per shard across groups, intra-group ring all-gather; a rank
//    enters each phase as its own data and its ring's data arrive;
//  - double_tree all-reduce and broadcast (a chain from the first rank):
//    pipelined in chunks of CollectiveParams::chunk_bytes, a node forwarding
//    chunk c once it holds it (for reduce-up, once its children's chunk c
//    arrived);
//  - pairwise all-to-all: step k (rank i -> i+k) once the rank's step k-1
//    send was delivered and its step k-1 receive arrived;
//  - direct (all-to-all, all-gather, reduce-scatter, all-reduce) and MoE
//    dispatch/combine: every message posted at time 0, rank i's NIC sending
//    to i+1, i+2, ... in turn; a direct all-reduce is a reduce-scatter phase
//    then an all-gather phase, simulated once and doubled as on the flow
//    level.
// Tiers count wire bytes (flits, headers and padding included).
//
// Flow vs packet error: flow time / packet time - 1 with default packet and
// collective parameters at S = 1 MiB, measured and checked (+-3 points) in
// tests/cpp/test_collectives_fidelity.cpp, which says why each has its sign.
// ring8 = 8-NPU bidirectional ring, 100 GB/s, 200 ns; star16 = 16 NPUs on
// one switch, 900 GB/s, 150 ns; clos32 = 32 NPUs, 8 per leaf, 8 spines,
// 100 GB/s, 100/200 ns.
//   collective                  ring8   star16  clos32
//   allreduce ring               -10%     -4%    +48%   (barriers vs dependencies)
//   allreduce direct             -25%     -9%    -29%
//   allreduce halving_doubling   -12%     -7%    -28%
//   allreduce hierarchical       -15%     -5%    -12%
//   allreduce double_tree        -13%    -22%    -55%   (pipeline fill, 128 KiB chunks)
//   allgather / reducescatter    -10%     -4%    +48%   (ring)
//   broadcast (chain)            -46%    -31%    -72%   (pipeline fill)
//   alltoall direct              -25%     -9%    -29%
//   alltoall pairwise            -38%     -4%    -15%
//   moe_dispatch / moe_combine   -22%  -18/-28%  -19/-24%
//   moe pairwise (disp/comb) -30/-22%  +0.5/+0.8% -1/-3%   (barrier slack offsets overhead)
// Negative: the flow level has no headers (12.5% here), pipelines, credits
// or head-of-line blocking, and its trees and chains pipeline perfectly.
// Both levels run the same description (collective_plan.hpp) since
// 2026-12; only double_tree's figures moved then (ring8 -9% -> -13%,
// clos32 -51% -> -55%): the flow level charges a pipelined level the
// latency of its longest chain of tree edges, as the description's
// dependencies run, where it charged depth x the slowest edge before
// (equal when every edge has one latency: star16 and the closed forms).
//
// Size limits: packet level is for small systems. More than kMaxEndpoints
// NPUs, or more than kMaxPackets packets in one run, is a UsageError naming
// the limit (use the flow level).
#pragma once
#include <string>
#include <vector>

#include "noc/collective_params.hpp"
#include "noc/collectives_flow.hpp"
#include "noc/packet/packet_params.hpp"

namespace npusim::noc {

constexpr int kPacketMaxEndpoints = 1024;
constexpr double kPacketMaxPackets = 2e7;

// Runs `plan` with rank i on NPU node ranks[i] (as flow_collective).
CollectiveResult packet_collective(const Topology& t, const PacketParams& p, const CollectivePlan& plan,
                                   std::vector<int> ranks = {});
// `op` and `algo` as in collective_params.hpp (ConfigError naming both and
// the available algorithms otherwise); `ranks` as in collectives_flow.hpp.
// `c`: chunk size of the pipelined algorithms, group of hierarchical.
CollectiveResult packet_collective(const Topology& t, const PacketParams& p, const std::string& op,
                                   const std::string& algo, double bytes, std::vector<int> ranks = {},
                                   const CollectiveParams& c = defaults_of<CollectiveParams>());
// MoE dispatch/combine (moe_traffic.hpp, the plan of collective_plan.hpp's
// plan_moe, as the flow level): direct, every rank posts one message per
// peer at time 0, its NIC sending to peers in turn; pairwise, n-1 steps, a
// rank's step-k send once its previous send was delivered and its previous
// receive arrived (empty pairs send nothing and wait for nothing).
CollectiveResult packet_moe(const Topology& t, const PacketParams& p, const MoeTraffic& m, std::vector<int> ranks = {},
                            const std::string& algo = "direct");

}  // namespace npusim::noc
