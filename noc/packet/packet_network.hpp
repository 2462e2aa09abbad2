// Packet-level fabric over a noc::Topology: every node (NPU or switch) has an
// input-queued router with virtual channels; links serialise flits at their
// bandwidth and carry credits back with their latency.
//
// Flow control is virtual cut-through at packet granularity with flit
// timing: a packet may leave a router only when the downstream VC has
// credits (flits) for the whole packet; its head flit then takes one flit
// time on the link plus the link latency, and the router ahead may forward
// it before its tail has arrived (never faster than the tail). Each packet
// therefore costs a few events per hop, not one per flit, and the timing of
// a lone packet over H equal links is exactly
//     H x (pipeline + link latency + flit time) + (flits - 1) x flit time,
// link latency and flit count as noc/link_model.hpp decides them (medium,
// SerDes/FEC, per-flit framing overhead).
// Credits are returned when the packet's tail leaves a buffer (or is
// ejected), after the link latency. Routers work only when something
// happens (a head becomes ready, a credit returns, a port frees): idle
// routers cost nothing.
//
// Ports: each in-link is an input port with `vcs` VCs of `buffer_flits`; an
// NPU also has an injection port fed from its NIC backlog through a queue of
// `injection_queue_packets`. A link input port sends one packet at a time,
// read out at its link's rate; the injection port may feed several out-links
// at once (the NIC has a port per link), through the crossbar allocator on a
// forwarding NPU, directly on an NPU behind switches (nothing else uses its
// links). The NIC packetises its messages round-robin, a packet at a time.
// Ejection is not a bottleneck (a packet leaves at its tail's arrival).
//
// Progress is watched: if a VC head waits longer than stall_check_ns, or
// the events run out while packets are held, run() throws StallError naming
// every stuck buffer, its head packet and the credits it waits for.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/stats.hpp"
#include "noc/packet/event_queue.hpp"
#include "noc/packet/packet_params.hpp"
#include "noc/packet/packet_routing.hpp"
#include "noc/packet/switch_allocator.hpp"
#include "noc/topology.hpp"

namespace npusim::noc {

// Synthetic traffic plugs in here: generate() runs at the times it asks for.
class TrafficSource {
 public:
  virtual ~TrafficSource() = default;
  virtual void generate(int endpoint_index, uint64_t now_fs) = 0;
};

struct Message {
  int src = 0, dst = 0;
  uint64_t bytes = 0, unpacketised = 0;
  uint32_t packets = 0, delivered = 0;
  uint64_t created_fs = 0, done_fs = 0;
  bool measured = false, live = false;
  int64_t tag = 0;
};

class PacketNetwork {
 public:
  // ConfigError naming the key (switch.buffer_flits, routing.algorithm...) if
  // the parameters cannot work on this topology.
  PacketNetwork(const Topology& t, const PacketParams& p);
  PacketNetwork(const PacketNetwork&) = delete;
  PacketNetwork& operator=(const PacketNetwork&) = delete;

  // --- traffic ------------------------------------------------------------
  // A message of `bytes` from NPU src to NPU dst (node ids), put in the
  // source NIC's backlog at `at_fs` and packetised at the MTU. `measured`
  // packets feed the latency distribution. Returns the message id (ids are
  // reused after on_message_done returns).
  int send(int src, int dst, uint64_t bytes, uint64_t at_fs, bool measured = true, int64_t tag = 0);
  std::function<void(int msg, const Message& m)> on_message_done;
  // Called once the NIC has packetised a message's last packet (all its
  // bytes have left the backlog): a sender keeping a stream in order (a
  // queue pair) posts its next message then, instead of interleaving it
  // with this one. Runs after the NIC's refill, so it may call send().
  std::function<void(int msg, const Message& m)> on_message_injected;
  void set_source(TrafficSource* s) { source_ = s; }
  void schedule_generate(int endpoint_index, uint64_t at_fs) { q_.push(at_fs, kGen, endpoint_index); }
  void at(uint64_t fs, std::function<void()> f);  // a timer (window boundaries)
  // Backlog of an NPU's NIC in packets not yet injected (synthetic sources cap it).
  uint64_t backlog_packets(int endpoint_index) const { return backlog_pkts_[endpoint_index]; }

  // --- running ------------------------------------------------------------
  void run();  // until no events remain; StallError if packets are still held
  // Runs the events due at or before `until_fs` and advances the clock to
  // it: how a SystemC wrapper (noc/tlm_fabric.hpp) steps the fabric under
  // sc_time. Held packets are not an error here; the watchdog still is.
  void run_until(uint64_t until_fs);
  uint64_t next_event_fs() const;  // UINT64_MAX when nothing is pending
  uint64_t now_fs() const { return now_; }
  uint64_t events() const { return events_; }
  uint64_t last_delivery_fs() const { return last_delivery_fs_; }

  // --- model facts ----------------------------------------------------------
  const Topology& topology() const { return t_; }
  const PacketParams& params() const { return p_; }
  const PacketRouting& routing() const { return routing_; }
  int flits_for(uint64_t payload_bytes) const;
  uint64_t pipeline_fs() const { return pipeline_fs_; }
  int buffer_flits() const { return buffer_flits_; }
  uint64_t flit_fs(int link) const { return channels_[link].flit_fs; }
  uint64_t latency_fs(int link) const { return channels_[link].latency_fs; }
  double link_bandwidth_gbps(int link) const;
  // What "rate 1.0" means for an NPU: one link for a forwarding NPU (its
  // router's local port is one channel wide, as in BookSim), the sum of its
  // links for an NPU behind switches (its NIC drives them all).
  double injection_bandwidth_gbps(int endpoint_index) const;

  // --- checks and stats -------------------------------------------------------
  // Every output VC holds its initial credits (call once drained); *why lists mismatches.
  bool credits_conserved(std::string* why = nullptr) const;
  uint64_t packets_created() const { return created_total_; }
  uint64_t packets_delivered() const { return delivered_total_; }
  uint64_t packets_outstanding() const { return outstanding_; }
  // Counters count from the last reset_all() (synthetic traffic resets at
  // the end of warm-up) to now, drain included; link_utilisation covers the
  // measurement window only (finish_window).
  stats::Registry& stats() { return registry_; }
  const stats::Registry& stats() const { return registry_; }
  // Fills link_utilisation from link_busy_ns over `window_ns`.
  void finish_window(double window_ns);
  double link_busy_ns(int link) const { return link_busy_ns_.at(link); }
  // The link busiest over `window_ns` (the first of equals), -1 if none
  // carried anything; *utilisation gets its busy time / window_ns.
  int busiest_link(double window_ns, double* utilisation) const;
  double link_flits(int link) const { return link_flits_.at(link); }
  const stats::Distribution& latency_ps() const { return latency_ps_; }
  const stats::Scalar& flits_delivered() const { return flits_delivered_; }
  const stats::Scalar& packets_delivered_stat() const { return packets_delivered_; }
  const stats::Scalar& escape_entries() const { return escape_entries_; }

 private:
  enum EventType : uint8_t { kAlloc, kArrive, kDeliver, kCredit, kCreditLink, kSend, kGen, kTimer, kCheck };
  struct Packet {
    int src = 0, dst = 0, msg = -1;
    uint16_t flits = 0;
    uint8_t state = 0;  // routing state (PacketRouting)
    uint8_t vc = 0;     // VC it occupies / will occupy downstream
    uint32_t payload = 0;
    uint16_t hops = 0;
    uint32_t seq = 0;  // creation number (per-packet ECMP hashing)
    // This hop's deterministic route, computed once while the packet heads
    // its VC (-1: not yet, or several candidates to weigh each round).
    int32_t route_link = -1;
    uint8_t route_vc_lo = 0, route_vc_hi = 0;
    uint64_t ready_fs = 0, tail_fs = 0;
  };
  // Packets on a link, in arrival order: (time it joins the next VC, id).
  struct Flight {
    std::vector<std::pair<uint64_t, int>> v;
    size_t head = 0;
    bool empty() const { return head == v.size(); }
    const std::pair<uint64_t, int>& front() const { return v[head]; }
    const std::pair<uint64_t, int>& back() const { return v.back(); }
    void push(uint64_t t, int pk) { v.emplace_back(t, pk); }
    void pop() {
      if (++head == v.size()) { v.clear(); head = 0; }
      else if (head >= 256 && head * 2 >= v.size()) { v.erase(v.begin(), v.begin() + head); head = 0; }
    }
  };
  // A link as a channel: it serialises flits forward and carries credits
  // back, each after its latency (BookSim's flit and credit channels).
  struct Channel {
    uint64_t flit_fs = 0, latency_fs = 0;
    Flight packets, credits;  // in flight on it, in time order
  };
  // An output port: the near end of a link. The credits it holds for each
  // downstream VC are the output VC state (out_credits_, link * vcs + vc).
  struct OutputPort {
    uint64_t free_at = 0;  // the link serialises its current packet until then
    int local = 0;         // its index among its router's out-links (allocator output)
  };
  // An input port: the far end of a link (port id = link id), or an NPU's
  // injection queue (port id = links + endpoint index).
  struct InputPort {
    uint64_t free_at = 0;  // the crossbar reads a packet out of it until then
    int first_vc = 0;      // its VCs are in_vcs_[first_vc, first_vc + VCs)
    // Injection port of an NPU behind switches: its NIC owns its out-links
    // and starts packets on them without the crossbar allocator.
    bool greedy = false;
  };
  // An input VC: a FIFO of packet ids, a ring in ring_ storage (capacity in
  // packets: a packet is >= 1 flit), and where its router finds it.
  struct VirtualChannel {
    uint32_t off = 0, cap = 0, head = 0, size = 0;
    uint32_t flits = 0;
    uint64_t head_since = 0;  // when the current head became ready to leave
    int port = 0;             // its input port
    int local_port = 0;       // that port's index among its router's inputs (allocator input)
    int active_pos = -1;      // index in its router's `active`, -1 when empty
  };
  // One router: its input ports, the VCs that hold packets (the only ones an
  // allocation round scans), its pending rounds and its allocator pointers.
  struct Router {
    std::vector<int> inports;
    std::vector<int> active;
    uint64_t alloc_at = UINT64_MAX;  // time of the pending allocation round (none: max)
    bool credit_wait = false;        // a head found no credits in the last round
    std::vector<uint64_t> queued;    // times of the router's queued kAlloc events
    ArbiterState arb;
  };
  // The output VC chosen for a head packet (link -1: none has room).
  struct OutputVc {
    int link = -1, vc = -1;
  };

  // --- construction
  void resolve_buffer_flits(const PacketParams& p);
  void build_output_ports(const PacketParams& p);
  void build_input_ports(const PacketParams& p);
  void build_routers();
  // --- events
  void step(const FabricEvent& e);
  int alloc_packet();
  void schedule_alloc(int node, uint64_t t);
  int node_of_inport(int ip) const;
  int32_t& credits(int link, int vc) { return out_credits_[size_t(link) * vcs_ + vc]; }
  int32_t credits(int link, int vc) const { return out_credits_[size_t(link) * vcs_ + vc]; }
  // --- NIC: packetise backlog into the injection queue
  void refill(int ep, uint64_t t);
  void notify_injected();
  void start_message(int id);  // into its NIC's backlog, now
  // --- the router pipeline, in order: buffer write (a packet joins an
  // input VC), then per allocation round route computation, VC allocation
  // and switch allocation, then switch and link traversal; credits return
  // upstream as the tail leaves a buffer; ejection at the destination.
  void buffer_write(int v, int pkt, uint64_t t);
  int buffer_read(int v, uint64_t t);
  void arrive(int link, uint64_t t);
  void allocation_round(int node, uint64_t t);
  void request_switch(int node, int v, uint64_t t, RouteHop* hops, uint64_t& wake);
  int compute_route(int node, Packet& P, RouteHop* hops);
  OutputVc allocate_vc(const Packet& P, const RouteHop* hops, int k, uint64_t t, uint64_t& wake);
  void count_credit_stalls(const RouteHop* hops, const bool* fits, int k, uint64_t t);
  void switch_allocation(int node, uint64_t t);
  void retry_losers(uint64_t t, uint64_t& wake);
  void traverse_switch(int node, int ip, int v, int link, int out_vc, uint64_t t);
  void advance_route_state(Packet& P, int link, int out_vc);
  void traverse_link(int pkt, int link, uint64_t start, uint64_t end);
  void return_credit(int link, int vc, int flits, uint64_t at);
  void receive_credit(int link, int vc, int flits);
  void deliver(int pkt, int link, uint64_t t);
  // --- watchdog (packet_network_checks.cpp)
  void arm_check(uint64_t t);
  void check(uint64_t t);
  std::string stuck_report(uint64_t t, bool all_held) const;
  std::string inport_name(int ip) const;

  const Topology& t_;
  PacketParams p_;
  PacketRouting routing_;
  SwitchAllocator allocator_;
  FabricEventQueue q_;
  uint64_t now_ = 0, events_ = 0;
  uint64_t pipeline_fs_ = 0;
  int vcs_ = 1, nlinks_ = 0, neps_ = 0;
  int buffer_flits_ = 0;  // per VC, resolved (auto when the parameter is 0)

  std::vector<Channel> channels_;      // per link
  std::vector<OutputPort> out_ports_;  // per link
  std::vector<int32_t> out_credits_;   // link * vcs + vc, flits
  std::vector<InputPort> in_ports_;    // links, then one injection port per NPU
  std::vector<VirtualChannel> in_vcs_;
  std::vector<int32_t> ring_;
  std::vector<Router> routers_;        // per node
  uint64_t cycle_fs_ = 1;  // router clock: an unmatched request retries after one cycle
  std::vector<int> ep_index_;
  // NICs
  std::vector<std::deque<int>> backlog_;
  std::vector<uint64_t> backlog_pkts_;
  // pools
  std::vector<Packet> packets_;
  std::vector<int> free_packets_;
  std::vector<Message> messages_;
  std::vector<int> free_messages_;
  std::vector<std::function<void()>> timers_;
  std::vector<int> injected_;  // fully packetised messages awaiting on_message_injected
  bool notifying_ = false;
  TrafficSource* source_ = nullptr;
  // scratch of allocation_round
  std::vector<AllocRequest> reqs_;
  std::vector<int> req_ip_, req_gvc_, req_link_, grants_, scan_;
  std::vector<RouteHop> route_scratch_;  // a bid's route candidates (kMaxCandidates)
  // progress
  uint64_t outstanding_ = 0, created_total_ = 0, delivered_total_ = 0, last_delivery_fs_ = 0;
  bool check_armed_ = false, in_run_ = false;
  uint64_t check_fs_ = 0;

  stats::Registry registry_;
  stats::Group group_;
  stats::Scalar packets_created_, packets_injected_, packets_delivered_, flits_delivered_, bytes_delivered_,
      credits_returned_, escape_entries_;
  stats::Distribution latency_ps_, hops_;
  stats::Vector link_flits_, link_busy_ns_, link_utilisation_, credit_stalls_;
};

}  // namespace npusim::noc
