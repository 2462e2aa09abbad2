// Collectives on the packet-level fabric: the same algorithms and result
// keys as collectives_flow.hpp, with every chunk a message packetised at the
// MTU and carried packet by packet.
//
// Ring algorithms run with their real data dependencies instead of
// barrier-separated phases: rank i sends its step-s chunk once it has
// received the step-(s-1) chunk from its predecessor (step 0 at time 0).
// Direct algorithms post every message at time 0 (rank i's NIC sends to
// i+1, i+2, ... in turn); a direct all-reduce is a reduce-scatter phase then
// an all-gather phase, simulated once and doubled as on the flow level.
//
// Size limits: packet level is for small systems. More than kMaxEndpoints
// NPUs, or more than kMaxPackets packets in one run, is a UsageError naming
// the limit (use the flow level).
#pragma once
#include <string>
#include <vector>

#include "noc/collectives_flow.hpp"
#include "noc/packet/packet_params.hpp"

namespace npusim::noc {

constexpr int kPacketMaxEndpoints = 1024;
constexpr double kPacketMaxPackets = 2e7;

// `op`: allreduce | allgather | reducescatter | alltoall; `algo`: ring |
// direct (alltoall: direct only). `ranks` as in collectives_flow.hpp.
CollectiveResult packet_collective(const Topology& t, const PacketParams& p, const std::string& op,
                                   const std::string& algo, double bytes, std::vector<int> ranks = {});
// MoE dispatch/combine (the token matrix of collectives_flow.hpp's
// moe_alltoallv, same seed): every rank posts one message per peer at time
// 0, its NIC sending to peers in turn. Same result keys as the flow level.
CollectiveResult packet_moe(const Topology& t, const PacketParams& p, const MoeTraffic& m, std::vector<int> ranks = {});

}  // namespace npusim::noc
