#include "noc/packet/collectives_packet.hpp"

#include <algorithm>
#include <cmath>

#include "noc/packet/packet_network.hpp"

namespace npusim::noc {

namespace {

CollectiveResult result(const std::string& op, int n, double bytes, double time_ns, int phases, int simulated) {
  CollectiveResult r;
  r.name = op;
  r.ranks = n;
  r.bytes = bytes;
  r.time_us = time_ns / 1000.0;
  r.algbw_gbps = time_ns > 0 ? bytes / time_ns : 0;  // bytes/ns == GB/s
  const double factor = op == "allreduce" ? 2.0 * (n - 1) / n : double(n - 1) / n;
  r.busbw_gbps = r.algbw_gbps * factor;
  r.phases = phases;
  r.simulated_phases = simulated;
  return r;
}

void check_size(double packets) {
  if (packets > kPacketMaxPackets)
    throw UsageError("--fidelity packet: this run would carry " + std::to_string(uint64_t(packets)) +
                     " packets, above the packet-level limit of " + std::to_string(uint64_t(kPacketMaxPackets)) +
                     "; use fewer bytes, fewer ranks, or --fidelity flow");
}

}  // namespace

CollectiveResult packet_collective(const Topology& t, const PacketParams& p, const std::string& op,
                                   const std::string& algo, double bytes, std::vector<int> ranks) {
  if (t.endpoints().size() > size_t(kPacketMaxEndpoints))
    throw UsageError("--fidelity packet: packet level supports at most " + std::to_string(kPacketMaxEndpoints) +
                     " NPUs, the system has " + std::to_string(t.endpoints().size()) + "; use --fidelity flow");
  if (ranks.empty()) ranks = t.endpoints();
  const int n = static_cast<int>(ranks.size());
  if (n < 2) throw ConfigError(op + ": needs at least 2 ranks");
  if (!(bytes >= 1)) throw ConfigError(op + ": needs at least 1 byte");
  const double mtu = p.packet.mtu_bytes;
  const uint64_t chunk = std::max<uint64_t>(1, uint64_t(std::ceil(bytes / n)));
  const double per_msg = std::ceil(double(chunk) / mtu);

  PacketNetwork net(t, p);
  uint64_t last_fs = 0, done = 0;
  if (algo == "ring" && op != "alltoall") {
    const int steps = (op == "allreduce" ? 2 : 1) * (n - 1);
    check_size(double(steps) * n * per_msg);
    net.on_message_done = [&](int, const Message& m) {
      ++done;
      last_fs = std::max(last_fs, m.done_fs);
      const int s = static_cast<int>(m.tag / n), i = static_cast<int>(m.tag % n);
      const int r = (i + 1) % n;  // the receiver now sends its next chunk
      if (s + 1 < steps) net.send(ranks[r], ranks[(r + 1) % n], chunk, m.done_fs, true, int64_t(s + 1) * n + r);
    };
    for (int i = 0; i < n; ++i) net.send(ranks[i], ranks[(i + 1) % n], chunk, 0, true, i);
    net.run();
    if (done != uint64_t(steps) * n)
      throw ProtocolError("packet ring " + op + ": " + std::to_string(done) + " of " +
                          std::to_string(uint64_t(steps) * n) + " chunks arrived");
    return result(op, n, bytes, last_fs / 1e6, steps, steps);
  }
  if (algo != "direct") throw ConfigError(op + ": algorithm '" + algo + "' is not available at packet level");
  check_size(double(n) * (n - 1) * per_msg);
  net.on_message_done = [&](int, const Message& m) {
    ++done;
    last_fs = std::max(last_fs, m.done_fs);
  };
  for (int i = 0; i < n; ++i)
    for (int k = 1; k < n; ++k) net.send(ranks[i], ranks[(i + k) % n], chunk, 0);
  net.run();
  if (done != uint64_t(n) * (n - 1))
    throw ProtocolError("packet direct " + op + ": " + std::to_string(done) + " of " +
                        std::to_string(uint64_t(n) * (n - 1)) + " messages arrived");
  const int phases = op == "allreduce" ? 2 : 1;
  return result(op, n, bytes, phases * last_fs / 1e6, phases, 1);
}

CollectiveResult packet_moe(const Topology& t, const PacketParams& p, const MoeTraffic& mt, std::vector<int> ranks) {
  if (t.endpoints().size() > size_t(kPacketMaxEndpoints))
    throw UsageError("--fidelity packet: packet level supports at most " + std::to_string(kPacketMaxEndpoints) +
                     " NPUs, the system has " + std::to_string(t.endpoints().size()) + "; use --fidelity flow");
  if (ranks.empty()) ranks = t.endpoints();
  const int n = static_cast<int>(ranks.size());
  if (n < 2) throw ConfigError("moe: needs at least 2 ranks");
  const std::vector<double> count = moe_token_counts(n, mt);
  const double mtu = p.packet.mtu_bytes;
  double packets = 0, routed = 0;
  for (int s = 0; s < n; ++s)
    for (int d = 0; d < n; ++d) {
      const double b = count[size_t(s) * size_t(n) + size_t(d)] * mt.token_bytes;
      routed += b;
      if (s != d) packets += std::ceil(b / mtu);
    }
  check_size(packets);
  PacketNetwork net(t, p);
  uint64_t last_fs = 0, done = 0, posted = 0;
  net.on_message_done = [&](int, const Message& m) {
    ++done;
    last_fs = std::max(last_fs, m.done_fs);
  };
  for (int s = 0; s < n; ++s)
    for (int k = 1; k < n; ++k) {
      const int d = (s + k) % n;
      const double b = count[size_t(s) * size_t(n) + size_t(d)] * mt.token_bytes;
      if (b <= 0) continue;
      if (mt.combine) net.send(ranks[size_t(d)], ranks[size_t(s)], uint64_t(b), 0);
      else net.send(ranks[size_t(s)], ranks[size_t(d)], uint64_t(b), 0);
      ++posted;
    }
  net.run();
  if (done != posted)
    throw ProtocolError("packet moe: " + std::to_string(done) + " of " + std::to_string(posted) + " messages arrived");
  CollectiveResult r = result(mt.combine ? "moe_combine" : "moe_dispatch", n, routed / n, last_fs / 1e6, 1, 1);
  r.busbw_gbps = r.algbw_gbps * double(n - 1) / n;
  r.algo = "direct";
  return r;
}

}  // namespace npusim::noc
