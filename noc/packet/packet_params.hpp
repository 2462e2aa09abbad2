// Parameters of the packet-level fabric, declared once (params.hpp): link,
// switch, packetisation, routing and endpoint groups under one PacketParams.
// Every default is an estimate (E) for a generic switched SerDes fabric;
// none is a published UB figure (/work/shared/reference/hardware.md has no
// switch-internal numbers). Link bandwidth and propagation latency come from
// the topology unless overridden here.
#pragma once
#include <string>

#include "sim/params.hpp"

namespace npusim::noc {

// Link media presets (their numbers and sources: noc/link_model.cpp).
NPUSIM_ENUM(LinkMediumKind, (None, "none"), (Electrical, "electrical"), (Optical, "optical"),
            (OpticalLpo, "optical_lpo"));
NPUSIM_ENUM(AllocatorKind, (RoundRobin, "round_robin"), (Islip, "islip"));
// auto: dor on generated meshes/tori/rings/nD-FullMeshes, dragonfly_min on
// dragonflies, updown elsewhere.
NPUSIM_ENUM(RoutingAlgorithm, (Auto, "auto"), (Ecmp, "ecmp"), (Dor, "dor"), (UpDown, "updown"),
            (Adaptive, "adaptive"), (DragonflyMin, "dragonfly_min"));

struct PacketLinkParams {
  double bandwidth_gbps = 0;   // 0: each link's own bandwidth from the topology
  double latency_ns = -1;      // -1: each link's own latency from the topology
  double serdes_ns = 0;        // added per traversal (serdes + FEC)
  int flit_bytes = 32;         // link-level flow-control unit, on the wire
  int flit_overhead_bytes = 0; // link-level framing/CRC inside each flit (a flit carries flit_bytes - this)
  LinkMediumKind preset = LinkMediumKind::None;  // medium of links without their own (noc/link_model.hpp)
  double length_m = -1;        // -1: each link's own length, else the medium's typical reach
  static const Schema& schema();
};

struct SwitchParams {
  int vcs = 2;                 // virtual channels per input port
  int buffer_flits = 0;        // buffer depth per VC, flits; 0 = auto (credit round trip + 1 packet)
  int pipeline_cycles = 3;     // route compute + VC alloc + switch alloc + traversal
  AllocatorKind allocator = AllocatorKind::RoundRobin;
  int islip_iterations = 1;
  double clock_ghz = 1.0;
  static const Schema& schema();
};

struct PacketisationParams {
  int mtu_bytes = 256;   // payload bytes per packet at most
  int header_bytes = 16; // per-packet header on the wire
  static const Schema& schema();
};

struct RoutingParams {
  RoutingAlgorithm algorithm = RoutingAlgorithm::Auto;
  bool dateline = true;            // dateline VC classes on rings/tori (dor)
  bool spray = true;               // ecmp/updown hash per packet (true) or per (src, dst) flow
  bool escape_vc = true;           // adaptive: Duato escape VCs (deadlock-free); false: pure minimal adaptive
  static const Schema& schema();
};

struct EndpointParams {
  int injection_queue_packets = 16;  // NIC injection queue between the source and the router
  int max_backlog_packets = 1 << 20; // synthetic source: generation pauses above this (counted)
  static const Schema& schema();
};

struct PacketParams {
  PacketLinkParams link;
  SwitchParams sw;
  PacketisationParams packet;
  RoutingParams routing;
  EndpointParams endpoint;
  uint64_t seed = 1;
  double stall_check_ns = 100000;  // watchdog: no progress over this long while work is held -> StallError
  static const Schema& schema();
};

}  // namespace npusim::noc
