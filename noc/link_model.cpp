#include "noc/link_model.hpp"

#include <cmath>
#include <stdexcept>

namespace npusim::noc {

namespace {

// Shared parts of the presets, so each number and its source appear once.
constexpr double kSerdesNs = 20;  // see kSerdesSrc
constexpr double kFecNs = 60;     // see kFecSrc
const char* kSerdesSrc =
    "serdes 20 ns (E): a 112G PAM4 DSP-based host SerDes, ~10 ns each for transmit and receive (tens of cycles "
    "of FFE/DFE equalisation and gearbox at ~1-2 GHz); no vendor figure found";
const char* kFecSrc =
    "fec 60 ns (E, from R): RS(544,514) 'KP4' FEC (IEEE 802.3bj cl. 91, used by 802.3bs/ck/df). An IEEE 802.3dj "
    "task-force budget counts ~3 ns encode + ~3 ns decode + ~31 ns correction + a 4 x 5440-bit codeword "
    "accumulation (~27 ns at 800 Gb/s), ~64 ns (R); Sella, Moore, Zilberman, 'FEC killed the cut-through switch' "
    "(NEAT@SIGCOMM 2018) and PCI-SIG's PCIe 6.0 FLIT rationale ('the 100 ns FEC latency networking has with "
    "PAM-4') put it near 100 ns at lower lane rates (R)";
const char* kFibreSrc =
    "fibre 4.90 ns/m (V): Corning SMF-28 group index 1.4682 at 1550 nm, 1.4682 / c = 4.897 ns/m";

std::vector<LinkMedium> make_media() {
  std::vector<LinkMedium> m;
  m.push_back({LinkMediumKind::None, 0, 0, 0, 0, 0,
               "Adds nothing: the link's latency is the topology's latency_ns (plus link.serdes_ns)",
               "no hardware numbers"});
  m.push_back({LinkMediumKind::Electrical, kSerdesNs, kFecNs, 0, 4.8, 2.0,
               "Short-reach copper (backplane / in-rack cable): host SerDes + FEC + cable propagation",
               std::string(kSerdesSrc) + "; " + kFecSrc +
                   "; copper 4.8 ns/m (E): twinax velocity factor ~0.7 of c (foam-dielectric cables 0.68-0.85, "
                   "R: J. Lux, beowulf.org list, 2012), 1 / (0.7 c) = 4.77 ns/m; reach 2 m (E: passive 112G "
                   "PAM4 copper stays within a rack)"});
  m.push_back({LinkMediumKind::Optical, kSerdesNs, kFecNs, 100, 4.9, 30.0,
               "Pluggable optics with DSP retimers (e.g. 400G/800G DR/FR modules): host SerDes + FEC + a DSP "
               "in the module at each end + fibre",
               std::string(kSerdesSrc) + "; " + kFecSrc +
                   "; modules 100 ns (E): Point2 Technology quotes 3 ns for its mixed-signal 112G retimer, 15-20x "
                   "below DSP retimers (V, Electronic Design 2023), so ~45-60 ns per DSP, two per link; " +
                   kFibreSrc +
                   "; reach 30 m (E: across the racks of one supernode; CloudMatrix384's 16 racks use 6812 400G "
                   "optical modules, P/R in reference/hardware.md)"});
  m.push_back({LinkMediumKind::OpticalLpo, kSerdesNs, kFecNs, 4, 4.9, 30.0,
               "Linear pluggable optics (LPO): the host SerDes drives the optics through linear drivers and "
               "TIAs, no DSP in the module; otherwise as optical",
               std::string(kSerdesSrc) + "; " + kFecSrc +
                   "; modules 4 ns (E): ~2 ns of analog driver/TIA per end, no retiming (the LPO MSA removes the "
                   "DSP from the module and keeps the host's RS(544,514) FEC); " +
                   kFibreSrc + "; reach 30 m (E, as optical)"});
  return m;
}

}  // namespace

const std::vector<LinkMedium>& link_media() {
  static const std::vector<LinkMedium> m = make_media();
  return m;
}

std::string link_media_names() {
  std::string s;
  for (const LinkMedium& m : link_media()) s += std::string(s.empty() ? "" : ", ") + m.name();
  return s;
}

const LinkMedium& link_medium(LinkMediumKind kind) {
  for (const LinkMedium& m : link_media())
    if (m.kind == kind) return m;
  throw std::logic_error(std::string("link medium '") + to_string(kind) + "' has no entry in link_media()");
}

const LinkMedium& link_medium(const std::string& name, const std::string& key) {
  LinkMediumKind kind;
  if (!enum_from_string(name, &kind))
    throw ConfigError(key + ": unknown link medium '" + name + "'; expected one of: " + link_media_names());
  return link_medium(kind);
}

json link_media_json() {
  json out = json::object();
  for (const LinkMedium& m : link_media())
    out[m.name()] = {{"serdes_ns", m.serdes_ns},   {"fec_ns", m.fec_ns},         {"module_ns", m.module_ns},
                   {"ns_per_m", m.ns_per_m},     {"reach_m", m.reach_m},       {"latency_ns", m.latency_ns(m.reach_m)},
                   {"doc", m.doc},               {"source", m.source}};
  return out;
}

LinkTiming link_timing(const Topology& t, int l, const PacketLinkParams& p) {
  const Link& k = t.link(l);
  // Link names were checked where they were set (set_link_medium).
  const LinkMedium& m = k.medium.empty() ? link_medium(p.preset) : link_medium(k.medium, "link.medium");
  const double length = k.length_m >= 0 ? k.length_m : p.length_m >= 0 ? p.length_m : m.reach_m;
  LinkTiming r;
  r.medium_ns = m.latency_ns(length);
  r.latency_ns = (p.latency_ns >= 0 ? p.latency_ns : k.latency_ns) + p.serdes_ns + r.medium_ns;
  r.bandwidth_gbps = p.bandwidth_gbps > 0 ? p.bandwidth_gbps : k.bandwidth_gbps;
  return r;
}

int packet_flits(uint64_t payload, const PacketLinkParams& l, const PacketisationParams& pk) {
  const uint64_t wire = payload + uint64_t(pk.header_bytes);
  const uint64_t per_flit = uint64_t(l.flit_bytes - l.flit_overhead_bytes);  // >= 1, checked by PacketLinkParams users
  return static_cast<int>((wire + per_flit - 1) / per_flit);
}

double goodput_factor(const PacketLinkParams& l, const PacketisationParams& pk) {
  return double(pk.mtu_bytes) / (double(packet_flits(uint64_t(pk.mtu_bytes), l, pk)) * l.flit_bytes);
}

Topology flow_view(const Topology& t, const PacketParams& p) {
  check_link_params(p.link, p.packet);
  Topology v;
  for (int n = 0; n < t.num_nodes(); ++n) v.add_node(t.node(n).name, t.node(n).kind);
  const double g = goodput_factor(p.link, p.packet);
  for (int l = 0; l < t.num_links(); ++l) {
    const LinkTiming lt = link_timing(t, l, p.link);
    v.add_link(t.link(l).src, t.link(l).dst, lt.bandwidth_gbps * g, lt.latency_ns);
  }
  v.set_endpoints_forward(t.endpoints_forward());
  v.set_grid(t.grid());
  return v;
}

bool has_link_media(const Topology& t) {
  for (int l = 0; l < t.num_links(); ++l)
    if (!t.link(l).medium.empty()) return true;
  return false;
}

void check_link_params(const PacketLinkParams& l, const PacketisationParams&) {
  if (l.flit_overhead_bytes >= l.flit_bytes)
    throw ConfigError("link.flit_overhead_bytes: must be below link.flit_bytes (" + std::to_string(l.flit_bytes) +
                      ") so a flit carries data, got " + std::to_string(l.flit_overhead_bytes));
}

}  // namespace npusim::noc
