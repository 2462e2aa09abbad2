// Link media presets and the one function that decides a fabric link's
// effective latency and bandwidth, for the packet model and, through
// flow_view(), for the flow model, so both fidelities see the same links.
//
// A link's latency per traversal is
//     (packet_fabric link.latency_ns override, else the topology link's latency_ns)
//   + link.serdes_ns
//   + the medium's SerDes + FEC + module latency + ns_per_m x length
// where the medium is the link's own ("medium" in topology JSON), else the
// global link.preset, and the length is the link's own ("length_m"), else
// link.length_m, else the medium's typical reach. The topology latency is
// then whatever the medium does not cover (port logic outside the router
// pipeline). Medium "none" adds nothing (the default: results are those of
// the topology's numbers alone).
//
// Bandwidths are data rates after line coding and FEC parity, as vendors
// quote them (a 106.25 Gb/s PAM4 lane carries 100 Gb/s): FEC costs latency
// here, not bandwidth. What costs bandwidth is packetisation: the header per
// packet, the link-level framing/CRC per flit (link.flit_overhead_bytes) and
// the padding of the last flit. goodput_factor() is that ratio for MTU
// packets; flow_view() scales the flow model's link bandwidth by it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "noc/packet/packet_params.hpp"
#include "noc/topology.hpp"

namespace npusim::noc {

struct LinkMedium {
  LinkMediumKind kind;
  double serdes_ns = 0;  // host SerDes PMA/PCS, transmit + receive
  double fec_ns = 0;     // FEC encode + decode (incl. codeword accumulation)
  double module_ns = 0;  // optical module electronics at both ends (DSP retimers or linear drivers)
  double ns_per_m = 0;   // propagation in the medium
  double reach_m = 0;    // typical length when the link gives none
  std::string doc, source;  // what it models; every number's source with V/P/R/E labels
  const char* name() const { return to_string(kind); }
  double fixed_ns() const { return serdes_ns + fec_ns + module_ns; }
  double latency_ns(double length_m) const { return fixed_ns() + ns_per_m * length_m; }
};

// The presets, one per LinkMediumKind: none, electrical, optical, optical_lpo.
const std::vector<LinkMedium>& link_media();
const LinkMedium& link_medium(LinkMediumKind kind);
// The preset called `name`; ConfigError naming `key` and the choices otherwise.
const LinkMedium& link_medium(const std::string& name, const std::string& key);
std::string link_media_names();  // "none, electrical, ..."
// The presets as data (npusim params link_media), numbers and sources.
json link_media_json();

struct LinkTiming {
  double latency_ns = 0;      // per traversal, medium included
  double bandwidth_gbps = 0;  // data rate the flits are serialised at
  double medium_ns = 0;       // the medium's share of latency_ns
};
// The one place that decides a link's timing (see the top of this file).
LinkTiming link_timing(const Topology& t, int link, const PacketLinkParams& p);
// Flits for a packet of `payload` bytes: (payload + header) over the bytes a
// flit carries (flit_bytes - flit_overhead_bytes), rounded up.
int packet_flits(uint64_t payload, const PacketLinkParams& l, const PacketisationParams& pk);
// Payload / wire bytes of an MTU packet: the goodput of a long transfer as a
// fraction of line rate.
double goodput_factor(const PacketLinkParams& l, const PacketisationParams& pk);
// A copy of `t` whose links carry link_timing()'s latency and line rate x
// goodput_factor() (no medium left on them): the flow model run on it sees
// the packet model's links. Node ids, link ids, grid and forwarding match.
Topology flow_view(const Topology& t, const PacketParams& p);
// ConfigError naming link.flit_overhead_bytes when the link parameters
// cannot work (an overhead that fills the flit).
void check_link_params(const PacketLinkParams& l, const PacketisationParams& pk);
// Whether any link names its own medium (then flow results depend on the link model).
bool has_link_media(const Topology& t);

}  // namespace npusim::noc
