// PacketNetwork's watch over its own progress: the stall watchdog (a VC head
// that has not moved for stall_check_ns), the report of who holds what when
// it fires or the events run out, and the credit conservation check.
#include <sstream>

#include "sim/errors.hpp"
#include "noc/packet/packet_network.hpp"

namespace npusim::noc {

namespace {
constexpr double kFsPerNs = 1e6;

std::string fmt_ns(double ns) {
  std::ostringstream os;
  os << ns;
  return os.str();
}
}  // namespace

void PacketNetwork::arm_check(uint64_t t) {
  if (check_armed_) return;
  check_armed_ = true;
  q_.push(t + static_cast<uint64_t>(p_.stall_check_ns * kFsPerNs), kCheck, 0);
}

void PacketNetwork::check(uint64_t t) {
  check_armed_ = false;
  if (!outstanding_) return;
  const uint64_t limit = static_cast<uint64_t>(p_.stall_check_ns * kFsPerNs);
  for (const VirtualChannel& f : in_vcs_)
    if (f.size && f.head_since + limit <= t) throw StallError(stuck_report(t, false));
  arm_check(t);
}

std::string PacketNetwork::inport_name(int ip) const {
  if (ip >= nlinks_) return "node '" + t_.node(t_.endpoints()[ip - nlinks_]).name + "' injection queue";
  return "node '" + t_.node(t_.link(ip).dst).name + "' input from '" + t_.node(t_.link(ip).src).name + "'";
}

std::string PacketNetwork::stuck_report(uint64_t t, bool all_held) const {
  std::ostringstream os;
  const uint64_t limit = static_cast<uint64_t>(p_.stall_check_ns * kFsPerNs);
  os << "packet fabric stalled at " << t / kFsPerNs << " ns: " << outstanding_ << " packet(s) outstanding, "
     << (all_held ? std::string("no events left") : "a buffer head has not moved for " + fmt_ns(p_.stall_check_ns) + " ns")
     << " (routing " << routing_.algorithm() << ", " << vcs_ << " VC(s)); who holds what:";
  int shown = 0, stuck = 0;
  RouteHop hops[PacketRouting::kMaxCandidates];
  for (int ip = 0; ip < nlinks_ + neps_; ++ip) {
    const int nv = ip < nlinks_ ? vcs_ : 1;
    for (int v = 0; v < nv; ++v) {
      const VirtualChannel& f = in_vcs_[in_ports_[ip].first_vc + v];
      if (!f.size || (!all_held && f.head_since + limit > t)) continue;
      ++stuck;
      if (shown >= 16) continue;
      ++shown;
      const Packet& P = packets_[ring_[f.off + f.head]];
      const int n = node_of_inport(ip);
      os << "\n  " << inport_name(ip) << " vc" << v << " holds " << f.size << " packet(s), " << f.flits
         << " flits; head " << t_.node(P.src).name << " -> " << t_.node(P.dst).name << " (" << P.flits
         << " flits) waits for";
      const int k = routing_.route(n, P.src, P.dst, P.state, P.seq, hops);
      for (int h = 0; h < k && h < 4; ++h) {
        const int l = hops[h].link;
        os << (h ? " or" : "") << " link " << t_.node(n).name << "->" << t_.node(t_.link(l).dst).name << " vc["
           << hops[h].vc_lo << "," << hops[h].vc_hi << ")" << (hops[h].escape ? " (escape)" : "") << " credits";
        for (int dv = hops[h].vc_lo; dv < hops[h].vc_hi; ++dv) os << " " << credits(l, dv);
      }
    }
  }
  if (stuck > shown) os << "\n  ... and " << (stuck - shown) << " more stuck buffer(s)";
  return os.str();
}

bool PacketNetwork::credits_conserved(std::string* why) const {
  bool ok = true;
  std::ostringstream os;
  for (int l = 0; l < nlinks_; ++l)
    for (int v = 0; v < vcs_; ++v)
      if (credits(l, v) != buffer_flits_) {
        ok = false;
        os << "link " << t_.node(t_.link(l).src).name << "->" << t_.node(t_.link(l).dst).name << " vc" << v << ": "
           << credits(l, v) << " of " << buffer_flits_ << "; ";
      }
  for (const VirtualChannel& f : in_vcs_)
    if (f.size) {
      ok = false;
      os << "a buffer still holds " << f.size << " packet(s); ";
    }
  if (why) *why = os.str();
  return ok;
}

}  // namespace npusim::noc
