#include "noc/packet/collective_schedule.hpp"

#include <algorithm>
#include <cmath>

#include "noc/packet/collectives_packet.hpp"
#include "noc/packet/packet_network.hpp"

namespace npusim::noc {

int Schedule::add(int src, int dst, uint64_t bytes) {
  Msg m;
  m.src = src;
  m.dst = dst;
  m.bytes = bytes;
  msgs_.push_back(m);
  return size() - 1;
}

void Schedule::after(int msg, int dep) {
  deps_.push_back({dep, msg});
  ++msgs_[size_t(msg)].waits;
}

void Schedule::follows(int msg, int prev) {
  if (msgs_[size_t(prev)].next >= 0) throw ProtocolError("schedule: message already has a follower in its stream");
  msgs_[size_t(prev)].next = msg;
  ++msgs_[size_t(msg)].waits;
}

double Schedule::packets(double mtu) const {
  double p = 0;
  for (const Msg& m : msgs_) p += std::ceil(double(m.bytes) / mtu);
  return p;
}

void check_packet_endpoints(const Topology& t) {
  if (t.endpoints().size() > size_t(kPacketMaxEndpoints))
    throw UsageError("--fidelity packet: packet level supports at most " + std::to_string(kPacketMaxEndpoints) +
                     " NPUs, the system has " + std::to_string(t.endpoints().size()) + "; use --fidelity flow");
}

ScheduleRun run_schedule(const Topology& t, const PacketParams& p, const std::vector<int>& ranks, const Schedule& s,
                         const std::string& what) {
  check_packet_endpoints(t);
  const double packets = s.packets(p.packet.mtu_bytes);
  if (packets > kPacketMaxPackets)
    throw UsageError("--fidelity packet: this run would carry " + std::to_string(uint64_t(packets)) +
                     " packets, above the packet-level limit of " + std::to_string(uint64_t(kPacketMaxPackets)) +
                     "; use fewer bytes, fewer ranks, or --fidelity flow");
  const std::vector<Schedule::Msg>& msgs = s.msgs();
  const int total = s.size();
  // Dependents of each message, CSR (counting sort by dependency).
  std::vector<int> first(size_t(total) + 1, 0), dependents(s.deps().size());
  for (const auto& [dep, msg] : s.deps()) ++first[size_t(dep) + 1];
  for (int i = 0; i < total; ++i) first[size_t(i) + 1] += first[size_t(i)];
  std::vector<int> fill(first.begin(), first.end() - 1);
  for (const auto& [dep, msg] : s.deps()) dependents[size_t(fill[size_t(dep)]++)] = msg;
  std::vector<int> waits(static_cast<size_t>(total));
  for (int i = 0; i < total; ++i) waits[size_t(i)] = msgs[size_t(i)].waits;

  PacketNetwork net(t, p);
  uint64_t last_fs = 0, done = 0;
  auto post = [&](int id, uint64_t at) {
    const Schedule::Msg& m = msgs[size_t(id)];
    net.send(ranks[size_t(m.src)], ranks[size_t(m.dst)], m.bytes, at, true, id);
  };
  net.on_message_done = [&](int, const Message& m) {
    ++done;
    last_fs = std::max(last_fs, m.done_fs);
    const size_t id = size_t(m.tag);
    for (int k = first[id]; k < first[id + 1]; ++k)
      if (--waits[size_t(dependents[size_t(k)])] == 0) post(dependents[size_t(k)], m.done_fs);
  };
  net.on_message_injected = [&](int, const Message& m) {
    const int next = msgs[size_t(m.tag)].next;
    if (next >= 0 && --waits[size_t(next)] == 0) post(next, net.now_fs());
  };
  for (int i = 0; i < total; ++i)
    if (waits[size_t(i)] == 0) post(i, 0);
  net.run();
  if (done != uint64_t(total))
    throw ProtocolError("packet " + what + ": " + std::to_string(done) + " of " + std::to_string(total) +
                        " messages arrived (a dependency that never resolves)");
  ScheduleRun r;
  r.time_ns = double(last_fs) / 1e6;
  r.link_wire_bytes.resize(size_t(t.num_links()));
  for (int l = 0; l < t.num_links(); ++l) r.link_wire_bytes[size_t(l)] = net.link_flits(l) * p.link.flit_bytes;
  return r;
}

}  // namespace npusim::noc
