// Shared by the packet-fabric tests: BookSim-like unit parameters and the
// time one message takes through an idle network.
#pragma once
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

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

// Message-level conservation: each ordered pair of the topology's first 16
// NPUs exchanges one message of base_bytes + 37 x source index bytes, all
// at time 0. Checks (Catch2) that every message arrives exactly once, that
// the packets delivered are those the MTU split makes, and that every
// credit is back home.
inline void check_all_pairs_delivered_once(PacketNetwork& net, uint64_t base_bytes) {
  const std::vector<int>& ep = net.topology().endpoints();
  const uint64_t mtu = uint64_t(net.params().packet.mtu_bytes);
  std::vector<int> got(16 * 16, 0);
  uint64_t packets = 0, want_packets = 0;
  net.on_message_done = [&](int, const Message& m) {
    ++got[size_t(m.tag)];
    packets += m.delivered;
  };
  for (int s = 0; s < 16; ++s)
    for (int d = 0; d < 16; ++d)
      if (s != d) {
        const uint64_t bytes = base_bytes + 37 * uint64_t(s);
        net.send(ep[size_t(s)], ep[size_t(d)], bytes, 0, true, s * 16 + d);
        want_packets += (bytes + mtu - 1) / mtu;
      }
  net.run();
  for (int s = 0; s < 16; ++s)
    for (int d = 0; d < 16; ++d) CHECK(got[size_t(s * 16 + d)] == (s != d ? 1 : 0));
  CHECK(packets == want_packets);
  CHECK(net.packets_delivered() == want_packets);
  std::string why;
  CHECK(net.credits_conserved(&why));
  INFO(why);
}

}  // namespace npusim::noc::test
