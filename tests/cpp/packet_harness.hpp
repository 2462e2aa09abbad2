// Shared by the packet-fabric tests: BookSim-like unit parameters and the
// time one message takes through an idle network.
#pragma once
#include <cstdint>

#include "noc/packet/packet_network.hpp"
#include "noc/topology.hpp"

namespace npusim::noc::test {

// 32-B flits on 32 GB/s links: one flit per ns; 240 B payload + 16 B header
// = 8 flits; 3-cycle pipeline at 1 GHz. `buffer_flits` per VC (0 = auto).
inline PacketParams unit_params(int buffer_flits) {
  PacketParams p = defaults_of<PacketParams>();
  p.packet.mtu_bytes = 240;
  p.packet.header_bytes = 16;
  p.link.flit_bytes = 32;
  p.sw.pipeline_cycles = 3;
  p.sw.clock_ghz = 1.0;
  p.sw.buffer_flits = buffer_flits;
  return p;
}

// One message of `bytes` from node src to node dst through an idle network:
// its completion time in fs.
inline uint64_t one_message_fs(const Topology& t, const PacketParams& p, int src, int dst, uint64_t bytes) {
  PacketNetwork net(t, p);
  uint64_t done = 0;
  net.on_message_done = [&](int, const Message& m) { done = m.done_fs; };
  net.send(src, dst, bytes, 0);
  net.run();
  return done;
}

}  // namespace npusim::noc::test
