#include "noc/packet/packet_params.hpp"

namespace npusim::noc {

const Schema& PacketLinkParams::schema() {
  static const Schema s = [] {
    Schema s("packet_link", "Link of the packet-level fabric");
    SchemaBuilder<PacketLinkParams>(s)
        .param(&PacketLinkParams::bandwidth_gbps, "bandwidth_gbps", "GB/s", 0.0,
               "Per direction; 0 = each link's bandwidth from the topology", {0, 1e9})
        .param(&PacketLinkParams::latency_ns, "latency_ns", "ns", -1.0,
               "Propagation latency per traversal; -1 = each link's latency from the topology", {-1, 1e9})
        .param(&PacketLinkParams::serdes_ns, "serdes_ns", "ns", 0.0,
               "Extra latency added to every traversal, on top of link.preset's medium (E: 0 by default so closed "
               "forms stay simple)",
               {0, 1e9})
        .param(&PacketLinkParams::flit_bytes, "flit_bytes", "B", 32,
               "Flit on the wire: the unit of serialisation and of credits (E)", {1, 1 << 16})
        .param(&PacketLinkParams::flit_overhead_bytes, "flit_overhead_bytes", "B", 0,
               "Link-level framing/CRC in every flit (a flit carries flit_bytes minus this of the packet), so "
               "goodput < line rate even for MTU packets; must be < flit_bytes. 0 by default (E); for scale, "
               "PCIe 6.0's 256-B FLIT carries 236 B of TLPs, spending 20 B on DLLP, CRC and FEC (V, PCI-SIG)", {0, 1 << 16})
        .choice(&PacketLinkParams::preset, "preset", LinkMediumKind::None,
                "Link medium of every link without its own (topology JSON 'medium'): adds SerDes + FEC + module "
                "latency and propagation over the length; 'none' adds nothing. Numbers and sources: npusim params "
                "link_media (noc/link_model.cpp)")
        .param(&PacketLinkParams::length_m, "length_m", "m", -1.0,
               "Length of links without their own (topology JSON 'length_m'); -1 = the medium's typical reach",
               {-1, 1e6});
    return s;
  }();
  return s;
}

const Schema& SwitchParams::schema() {
  static const Schema s = [] {
    Schema s("packet_switch", "Input-queued virtual-channel switch (also the router of a forwarding NPU)");
    SchemaBuilder<SwitchParams>(s)
        .param(&SwitchParams::vcs, "vcs", "", 2, "Virtual channels per input port", {1, 64})
        .param(&SwitchParams::buffer_flits, "buffer_flits", "flits", 0,
               "Buffer depth per VC; must hold one whole packet (virtual cut-through). 0 = auto: the longest "
               "link's credit round trip (bandwidth x (2 x latency + pipeline)) plus one MTU packet, so one VC "
               "can keep any link busy", {0, 1 << 20})
        .param(&SwitchParams::pipeline_cycles, "pipeline_cycles", "cycles", 3,
               "Head-flit latency through the router: route compute, VC alloc, switch alloc, traversal (E)",
               {0, 1 << 16})
        .choice(&SwitchParams::allocator, "allocator", AllocatorKind::RoundRobin,
                "Crossbar allocator: separable input-first round-robin, or iSLIP")
        .param(&SwitchParams::islip_iterations, "islip_iterations", "", 1, "iSLIP request-grant-accept rounds",
               {1, 16})
        .param(&SwitchParams::clock_ghz, "clock_ghz", "GHz", 1.0, "Router clock (pipeline cycles) (E)",
               {1e-3, 100});
    return s;
  }();
  return s;
}

const Schema& PacketisationParams::schema() {
  static const Schema s = [] {
    Schema s("packetisation", "How messages become packets");
    SchemaBuilder<PacketisationParams>(s)
        .param(&PacketisationParams::mtu_bytes, "mtu_bytes", "B", 256, "Payload bytes per packet at most (E)",
               {1, 1 << 20})
        .param(&PacketisationParams::header_bytes, "header_bytes", "B", 16,
               "Header bytes per packet on the wire, so goodput < line rate (E)", {0, 1 << 16});
    return s;
  }();
  return s;
}

const Schema& RoutingParams::schema() {
  static const Schema s = [] {
    Schema s("packet_routing", "Routing function of the packet-level fabric");
    SchemaBuilder<RoutingParams>(s)
        .choice(&RoutingParams::algorithm, "algorithm", RoutingAlgorithm::Auto,
                "auto (dor on generated meshes/tori/rings/nD-FullMeshes, dragonfly_min on dragonflies, else "
                "updown); ecmp: shortest paths, next hop by (src,dst) hash; dor: dimension order; updown: shortest "
                "legal up*/down* paths, hashed; adaptive: any minimal next hop (the one with most free credits), "
                "deadlock-free with routing.escape_vc; dragonfly_min: local-global-local with two VC classes "
                "(needs vcs >= 2)")
        .param(&RoutingParams::dateline, "dateline", "", true,
               "dor on rings/tori: VCs split in two classes, class 1 after crossing the wrap link (needs vcs >= 2)")
        .param(&RoutingParams::spray, "spray", "", true,
               "ecmp/updown: hash each packet onto the equal-cost next hops (packet spraying, like the flow "
               "model's even split); false: one path per (src, dst) flow")
        .param(&RoutingParams::escape_vc, "escape_vc", "", true,
               "adaptive: Duato escape VCs. The low VCs form an escape class routed by dor with dateline classes "
               "(generated rings/tori: 2 VCs; meshes: 1) or updown (other graphs: 1 VC); the rest are adaptive. A "
               "packet takes the escape class when no adaptive VC has room and stays in it to its destination. "
               "Needs switch.vcs >= escape VCs + 1. false: pure minimal adaptive, which can deadlock on cyclic "
               "topologies (the watchdog reports it)");
    return s;
  }();
  return s;
}

const Schema& EndpointParams::schema() {
  static const Schema s = [] {
    Schema s("packet_endpoint", "NPU network interface");
    SchemaBuilder<EndpointParams>(s)
        .param(&EndpointParams::injection_queue_packets, "injection_queue_packets", "packets", 16,
               "NIC injection queue between the packetiser and the router (E)", {1, 1 << 20})
        .param(&EndpointParams::max_backlog_packets, "max_backlog_packets", "packets", 1 << 20,
               "Synthetic sources pause generation above this backlog (counted in source_paused)", {1, 1 << 30});
    return s;
  }();
  return s;
}

const Schema& PacketParams::schema() {
  static const Schema s = [] {
    Schema s("packet_fabric", "Packet-level (flit-timed, virtual cut-through) fabric");
    SchemaBuilder<PacketParams>(s)
        .group(&PacketParams::link, "link", "Links")
        .group(&PacketParams::sw, "switch", "Switches / routers")
        .group(&PacketParams::packet, "packet", "Packetisation")
        .group(&PacketParams::routing, "routing", "Routing")
        .group(&PacketParams::endpoint, "endpoint", "Endpoints")
        .param(&PacketParams::seed, "seed", "", uint64_t(1), "Random seed (traffic, hashing)", {0, 9.0e15})
        .param(&PacketParams::stall_check_ns, "stall_check_ns", "ns", 100000.0,
               "Watchdog: StallError when no packet moves for this long while packets are held", {1, 1e15});
    return s;
  }();
  return s;
}

}  // namespace npusim::noc
