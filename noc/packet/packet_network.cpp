#include "noc/packet/packet_network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/errors.hpp"
#include "noc/link_model.hpp"

namespace npusim::noc {

namespace {
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
constexpr double kFsPerNs = 1e6;

std::vector<std::string> link_names(const Topology& t) {
  std::vector<std::string> v;
  v.reserve(t.num_links());
  for (int l = 0; l < t.num_links(); ++l) v.push_back(t.node(t.link(l).src).name + "->" + t.node(t.link(l).dst).name);
  return v;
}
}  // namespace

PacketNetwork::PacketNetwork(const Topology& t, const PacketParams& p)
    : t_(t),
      p_(p),
      routing_(t, p.routing, p.sw.vcs, p.seed),
      allocator_(p.sw.allocator, p.sw.islip_iterations),
      group_(registry_, "noc"),
      packets_created_(group_, "packets_created", "Packets made by NIC packetisers", "packets"),
      packets_injected_(group_, "packets_injected", "Packets that left an injection queue", "packets"),
      packets_delivered_(group_, "packets_delivered", "Packets whose tail reached their destination", "packets"),
      flits_delivered_(group_, "flits_delivered", "Flits delivered (header and padding included)", "flits"),
      bytes_delivered_(group_, "bytes_delivered", "Payload bytes delivered", "B"),
      credits_returned_(group_, "credits_returned", "Credits returned upstream", "flits"),
      escape_entries_(group_, "escape_entries",
                      "Packets that entered the escape VC class (adaptive routing found no adaptive VC with room)",
                      "packets"),
      latency_ps_(group_, "latency_ps", "Packet latency, message creation to tail arrival (measured packets)", "ps"),
      hops_(group_, "hops", "Links crossed per delivered measured packet", "links"),
      link_flits_(group_, "link_flits", "Flits sent per link", "flits", t.num_links(), link_names(t)),
      link_busy_ns_(group_, "link_busy_ns", "Time each link spent serialising flits", "ns", t.num_links(),
                    link_names(t)),
      link_utilisation_(group_, "link_utilisation", "Busy time / measurement window per link", "", t.num_links(),
                        link_names(t)),
      credit_stalls_(group_, "credit_stalls",
                     "Allocation rounds in which a ready packet found the link idle but no VC ahead with room "
                     "(back-pressure)", "rounds", t.num_links(), link_names(t)) {
  vcs_ = p.sw.vcs;
  nlinks_ = t.num_links();
  neps_ = static_cast<int>(t.endpoints().size());
  check_link_params(p.link, p.packet);
  pipeline_fs_ = static_cast<uint64_t>(std::llround(p.sw.pipeline_cycles * kFsPerNs / p.sw.clock_ghz));
  resolve_buffer_flits(p);
  build_output_ports(p);
  build_input_ports(p);
  build_routers();
  cycle_fs_ = static_cast<uint64_t>(std::llround(kFsPerNs / p.sw.clock_ghz));
  backlog_.resize(neps_);
  backlog_pkts_.assign(neps_, 0);
  packets_.reserve(4096);
  route_scratch_.resize(PacketRouting::kMaxCandidates);
}

void PacketNetwork::resolve_buffer_flits(const PacketParams& p) {
  const int mtu_flits = flits_for(p.packet.mtu_bytes);
  buffer_flits_ = p.sw.buffer_flits;
  if (buffer_flits_ == 0) {
    // Auto: credits for the longest credit round trip, plus one packet.
    double need = 0;
    for (int l = 0; l < t_.num_links(); ++l) {
      const LinkTiming lt = link_timing(t_, l, p.link);
      need = std::max(need, lt.bandwidth_gbps * (2 * lt.latency_ns + pipeline_fs_ / kFsPerNs) / p.link.flit_bytes);
    }
    buffer_flits_ = static_cast<int>(std::min(std::ceil(need), 1e6)) + mtu_flits;
  }
  if (buffer_flits_ < mtu_flits)
    throw ConfigError("switch.buffer_flits: a VC must hold one whole MTU packet for virtual cut-through (" +
                      std::to_string(mtu_flits) + " flits of " + std::to_string(p.link.flit_bytes) + " B for " +
                      std::to_string(p.packet.mtu_bytes) + " + " + std::to_string(p.packet.header_bytes) +
                      " B), got " + std::to_string(buffer_flits_));
  if (mtu_flits > 65535) throw ConfigError("packet.mtu_bytes: at most 65535 flits per packet");
}

void PacketNetwork::build_output_ports(const PacketParams& p) {
  channels_.resize(nlinks_);
  out_ports_.resize(nlinks_);
  out_credits_.assign(size_t(nlinks_) * vcs_, buffer_flits_);
  for (int l = 0; l < nlinks_; ++l) {
    const LinkTiming lt = link_timing(t_, l, p.link);
    channels_[l].flit_fs =
        std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(p.link.flit_bytes / lt.bandwidth_gbps * kFsPerNs)));
    channels_[l].latency_fs = static_cast<uint64_t>(std::llround(lt.latency_ns * kFsPerNs));
  }
  for (int n = 0; n < t_.num_nodes(); ++n) {
    const auto& outs = t_.out_links(n);
    for (size_t i = 0; i < outs.size(); ++i) out_ports_[outs[i]].local = static_cast<int>(i);
  }
}

void PacketNetwork::build_input_ports(const PacketParams& p) {
  const int nin = nlinks_ + neps_;
  in_ports_.resize(nin);
  uint32_t off = 0;
  for (int ip = 0; ip < nin; ++ip) {
    in_ports_[ip].first_vc = static_cast<int>(in_vcs_.size());
    const bool inj = ip >= nlinks_;
    const int nv = inj ? 1 : vcs_;
    const uint32_t cap = inj ? uint32_t(p.endpoint.injection_queue_packets) : uint32_t(buffer_flits_);
    for (int v = 0; v < nv; ++v) {
      VirtualChannel vc;
      vc.off = off;
      vc.cap = cap;
      vc.port = ip;
      off += cap;
      in_vcs_.push_back(vc);
    }
    if (inj) in_ports_[ip].greedy = !t_.forwards(t_.endpoints()[ip - nlinks_]);
  }
  ring_.assign(off, -1);
}

void PacketNetwork::build_routers() {
  routers_.resize(t_.num_nodes());
  ep_index_.assign(t_.num_nodes(), -1);
  for (int e = 0; e < neps_; ++e) ep_index_[t_.endpoints()[e]] = e;
  for (int n = 0; n < t_.num_nodes(); ++n) {
    Router& r = routers_[n];
    for (int l : t_.in_links(n)) r.inports.push_back(l);
    if (ep_index_[n] >= 0) r.inports.push_back(nlinks_ + ep_index_[n]);
    r.arb.resize(static_cast<int>(r.inports.size()), static_cast<int>(t_.out_links(n).size()), vcs_);
    for (size_t i = 0; i < r.inports.size(); ++i) {
      const int ip = r.inports[i];
      const int nv = ip < nlinks_ ? vcs_ : 1;
      for (int v = 0; v < nv; ++v) in_vcs_[in_ports_[ip].first_vc + v].local_port = static_cast<int>(i);
    }
  }
}

double PacketNetwork::link_bandwidth_gbps(int link) const { return link_timing(t_, link, p_.link).bandwidth_gbps; }

double PacketNetwork::injection_bandwidth_gbps(int e) const {
  const int n = t_.endpoints()[e];
  double sum = 0, mx = 0;
  for (int l : t_.out_links(n)) {
    sum += link_bandwidth_gbps(l);
    mx = std::max(mx, link_bandwidth_gbps(l));
  }
  return t_.forwards(n) ? mx : sum;
}

int PacketNetwork::flits_for(uint64_t payload) const { return packet_flits(payload, p_.link, p_.packet); }

int PacketNetwork::send(int src, int dst, uint64_t bytes, uint64_t at_fs, bool measured, int64_t tag) {
  if (src < 0 || src >= t_.num_nodes() || ep_index_[src] < 0 || dst < 0 || dst >= t_.num_nodes() ||
      ep_index_[dst] < 0)
    throw ConfigError("send: source and destination must be npu nodes (got " + std::to_string(src) + " -> " +
                      std::to_string(dst) + ")");
  if (src == dst) throw ConfigError("send: source and destination are the same node '" + t_.node(src).name + "'");
  if (bytes == 0) throw ConfigError("send: a message needs at least 1 byte");
  int id;
  if (!free_messages_.empty()) {
    id = free_messages_.back();
    free_messages_.pop_back();
  } else {
    id = static_cast<int>(messages_.size());
    messages_.emplace_back();
  }
  Message& m = messages_[id];
  const uint64_t mtu = uint64_t(p_.packet.mtu_bytes);
  m = Message{};
  m.src = src;
  m.dst = dst;
  m.bytes = m.unpacketised = bytes;
  m.packets = static_cast<uint32_t>((bytes + mtu - 1) / mtu);
  m.created_fs = std::max(at_fs, now_);
  m.measured = measured;
  m.live = true;
  m.tag = tag;
  if (m.created_fs == now_ && in_run_) start_message(id);  // saves an event per message
  else q_.push(m.created_fs, kSend, id);
  return id;
}

void PacketNetwork::at(uint64_t fs, std::function<void()> f) {
  timers_.push_back(std::move(f));
  q_.push(std::max(fs, now_), kTimer, static_cast<int32_t>(timers_.size() - 1));
}

int PacketNetwork::alloc_packet() {
  if (!free_packets_.empty()) {
    int id = free_packets_.back();
    free_packets_.pop_back();
    return id;
  }
  packets_.emplace_back();
  return static_cast<int>(packets_.size() - 1);
}

int PacketNetwork::node_of_inport(int ip) const {
  return ip < nlinks_ ? t_.link(ip).dst : t_.endpoints()[ip - nlinks_];
}

void PacketNetwork::schedule_alloc(int node, uint64_t t) {
  Router& r = routers_[node];
  if (r.alloc_at <= t) return;  // an earlier round will look again (and reschedule)
  r.alloc_at = t;
  // A router may have a superseded (later) event still queued; reuse it if
  // it is for this very time rather than queue a twin.
  auto& q = r.queued;
  if (std::find(q.begin(), q.end(), t) != q.end()) return;
  q.push_back(t);
  q_.push(t, kAlloc, node);
}

// Buffer write: packet `pk` joins input VC `v` at `t`; a VC that was empty
// becomes one its router scans.
void PacketNetwork::buffer_write(int v, int pk, uint64_t t) {
  VirtualChannel& f = in_vcs_[v];
  if (f.size == f.cap) throw ProtocolError("packet fabric: buffer overflow (credits out of step)");
  ring_[f.off + (f.head + f.size) % f.cap] = pk;
  ++f.size;
  f.flits += packets_[pk].flits;
  if (f.size == 1) {
    f.head_since = std::max(t, packets_[pk].ready_fs);
    auto& act = routers_[node_of_inport(f.port)].active;
    f.active_pos = static_cast<int>(act.size());
    act.push_back(v);
  }
}

// The head of input VC `v` leaves it (switch traversal).
int PacketNetwork::buffer_read(int v, uint64_t t) {
  VirtualChannel& f = in_vcs_[v];
  const int pk = ring_[f.off + f.head];
  f.head = (f.head + 1) % f.cap;
  --f.size;
  f.flits -= packets_[pk].flits;
  if (f.size) {
    f.head_since = std::max(t, packets_[ring_[f.off + f.head]].ready_fs);
  } else {
    auto& act = routers_[node_of_inport(f.port)].active;
    const int pos = f.active_pos;
    act[pos] = act.back();
    in_vcs_[act[pos]].active_pos = pos;
    act.pop_back();
    f.active_pos = -1;
  }
  return pk;
}

void PacketNetwork::refill(int ep, uint64_t t) {
  // The NIC packetises into the injection queue while there is room, one
  // packet per message in turn (a queue pair per message), so a NIC with
  // many messages spreads over their paths. The router pipeline starts as a
  // packet enters the queue.
  const int ip = nlinks_ + ep, v = in_ports_[ip].first_vc, node = t_.endpoints()[ep];
  auto& bl = backlog_[ep];
  while (in_vcs_[v].size < in_vcs_[v].cap && !bl.empty()) {
    Message& m = messages_[bl.front()];
    const uint64_t payload = std::min<uint64_t>(m.unpacketised, uint64_t(p_.packet.mtu_bytes));
    m.unpacketised -= payload;
    const int pk = alloc_packet();
    Packet& P = packets_[pk];
    P = Packet{};
    P.src = m.src;
    P.dst = m.dst;
    P.msg = bl.front();
    P.payload = static_cast<uint32_t>(payload);
    P.flits = static_cast<uint16_t>(flits_for(payload));
    P.seq = static_cast<uint32_t>(created_total_);
    P.ready_fs = t + pipeline_fs_;
    P.tail_fs = t;
    const int mid = bl.front();
    bl.pop_front();
    if (m.unpacketised) bl.push_back(mid);
    else if (on_message_injected) injected_.push_back(mid);
    --backlog_pkts_[ep];
    ++packets_created_;
    ++created_total_;
    const bool first = in_vcs_[v].size == 0;
    buffer_write(v, pk, t);
    if (first) schedule_alloc(node, P.ready_fs);
  }
  if (!injected_.empty() && !notifying_) notify_injected();
}

void PacketNetwork::notify_injected() {
  // A callback's send() may refill and finish more messages: they join the
  // list and this loop, instead of recursing.
  notifying_ = true;
  for (size_t i = 0; i < injected_.size(); ++i) {
    const Message m = messages_[injected_[i]];  // a copy: send() may grow messages_
    on_message_injected(injected_[i], m);
  }
  injected_.clear();
  notifying_ = false;
}

// One allocation round of router n at t: every input VC with a packet bids
// (route computation and VC allocation for its head), the switch allocator
// matches bids to outputs, winners traverse, losers look again later.
void PacketNetwork::allocation_round(int n, uint64_t t) {
  reqs_.clear();
  req_ip_.clear();
  req_gvc_.clear();
  req_link_.clear();
  grants_.clear();
  uint64_t wake = kNever;
  routers_[n].credit_wait = false;
  // Only VCs holding packets, in a stable copy (grants change the set).
  scan_.assign(routers_[n].active.begin(), routers_[n].active.end());
  std::sort(scan_.begin(), scan_.end());
  for (const int v : scan_) request_switch(n, v, t, route_scratch_.data(), wake);
  switch_allocation(n, t);
  retry_losers(t, wake);
  if (wake != kNever) schedule_alloc(n, wake);
}

// Input VC v's bid: once its input port is free and its head is through the
// pipeline, the head computes its route and picks an output VC, then asks
// the switch allocator for the crossbar. A NIC that owns its out-links (an
// NPU behind switches) traverses at once and lets its next head try too.
inline void PacketNetwork::request_switch(int n, int v, uint64_t t, RouteHop* hops, uint64_t& wake) {
  const int ip = in_vcs_[v].port;
  for (;;) {
    const VirtualChannel& f = in_vcs_[v];
    if (!f.size) return;
    if (ip < nlinks_ && in_ports_[ip].free_at > t) {
      wake = std::min(wake, in_ports_[ip].free_at);
      return;
    }
    Packet& P = packets_[ring_[f.off + f.head]];
    if (P.ready_fs > t) {
      wake = std::min(wake, P.ready_fs);
      return;
    }
    const int k = compute_route(n, P, hops);
    const OutputVc out = allocate_vc(P, hops, k, t, wake);
    if (out.link < 0) {  // waits for a port (wake set) or a credit (its return schedules a round)
      routers_[n].credit_wait = true;
      return;
    }
    if (in_ports_[ip].greedy) {
      traverse_switch(n, ip, v, out.link, out.vc, t);
      continue;  // the same queue again: its next head may take another link
    }
    reqs_.push_back({f.local_port, v - in_ports_[ip].first_vc, out_ports_[out.link].local, out.vc});
    req_ip_.push_back(ip);
    req_gvc_.push_back(v);
    req_link_.push_back(out.link);
    return;
  }
}

// Route computation: the candidate hops at router n (a deterministic route
// is computed once per hop and kept in the packet).
inline int PacketNetwork::compute_route(int n, Packet& P, RouteHop* hops) {
  if (P.route_link >= 0) {
    hops[0] = {P.route_link, P.route_vc_lo, P.route_vc_hi};
    return 1;
  }
  const int k = routing_.route(n, P.src, P.dst, P.state, P.seq, hops);
  if (k == 0)
    throw ProtocolError("packet fabric: no route at '" + t_.node(n).name + "' toward '" + t_.node(P.dst).name + "'");
  if (k == 1) {
    P.route_link = hops[0].link;
    P.route_vc_lo = static_cast<uint8_t>(hops[0].vc_lo);
    P.route_vc_hi = static_cast<uint8_t>(hops[0].vc_hi);
  }
  return k;
}

// VC allocation: the free link and downstream VC with most credits for the
// whole packet; an escape-class candidate only when no other one has room
// (Duato: escape is the fallback). A busy link sets `wake` to when it frees.
inline PacketNetwork::OutputVc PacketNetwork::allocate_vc(const Packet& P, const RouteHop* hops, int k, uint64_t t,
                                                   uint64_t& wake) {
  OutputVc best;
  int best_pref = -1;
  int32_t best_cr = -1;
  bool fits[PacketRouting::kMaxCandidates];
  for (int h = 0; h < k; ++h) {
    const int l = hops[h].link;
    fits[h] = false;
    if (out_ports_[l].free_at > t) {
      wake = std::min(wake, out_ports_[l].free_at);
      continue;
    }
    const int pref = hops[h].escape ? 0 : 1;
    for (int dv = hops[h].vc_lo; dv < hops[h].vc_hi; ++dv) {
      const int32_t cr = credits(l, dv);
      if (cr < P.flits) continue;
      fits[h] = true;
      if (pref > best_pref || (pref == best_pref && cr > best_cr)) {
        best_pref = pref;
        best_cr = cr;
        best.link = l;
        best.vc = dv;
      }
    }
  }
  count_credit_stalls(hops, fits, k, t);
  return best;
}

// Back-pressure: a free link none of whose offered VCs ahead has room
// (counted once per link; adaptive and escape candidates may share it).
inline void PacketNetwork::count_credit_stalls(const RouteHop* hops, const bool* fits, int k, uint64_t t) {
  for (int h = 0; h < k; ++h) {
    const int l = hops[h].link;
    if (out_ports_[l].free_at > t) continue;
    bool room = false, counted = false;
    for (int h2 = 0; h2 < k; ++h2)
      if (hops[h2].link == l) {
        room = room || fits[h2];
        counted = counted || h2 < h;
      }
    if (!room && !counted) credit_stalls_[l] += 1;
  }
}

// Switch allocation: at most one grant per input port and per output port.
void PacketNetwork::switch_allocation(int n, uint64_t t) {
  allocator_.allocate(reqs_, routers_[n].arb, grants_);
  for (int g : grants_) traverse_switch(n, req_ip_[g], req_gvc_[g], req_link_[g], reqs_[g].out_vc, t);
}

// A loser whose output or input port is now busy looks again when it frees;
// one that lost with both still free (a separable allocator can leave such
// pairs unmatched) tries again next cycle.
void PacketNetwork::retry_losers(uint64_t t, uint64_t& wake) {
  if (grants_.size() == reqs_.size()) return;
  for (size_t r = 0; r < reqs_.size(); ++r) {
    const int l = req_link_[r], ip = req_ip_[r];
    if (out_ports_[l].free_at > t) wake = std::min(wake, out_ports_[l].free_at);
    else if (ip < nlinks_ && in_ports_[ip].free_at > t) wake = std::min(wake, in_ports_[ip].free_at);
    else if (in_vcs_[req_gvc_[r]].size) wake = std::min(wake, t + cycle_fs_);
  }
}

// Switch traversal: the head of input VC v (port ip) crosses router n onto
// link l, taking `out_vc`'s credits; the buffer space it frees is credited
// upstream once its tail has left.
void PacketNetwork::traverse_switch(int n, int ip, int v, int l, int out_vc, uint64_t t) {
  const int pk = buffer_read(v, t);
  Packet& P = packets_[pk];
  const uint64_t tf = channels_[l].flit_fs, F = P.flits;
  // Cut-through never outruns the tail: the last flit leaves after it arrived.
  uint64_t start = t;
  if (P.tail_fs > t + (F - 1) * tf) start = P.tail_fs - (F - 1) * tf;
  const uint64_t end = start + F * tf;
  // The crossbar reads the packet out of its input buffer at the input
  // link's rate (an output slower than its input does not hold the input
  // port: the output serialises from its own staging buffer).
  const uint64_t tin = ip < nlinks_ ? channels_[ip].flit_fs : tf;
  const uint64_t in_end = std::max(start + F * tin, P.tail_fs);
  out_ports_[l].free_at = end;
  if (ip < nlinks_) in_ports_[ip].free_at = in_end;
  credits(l, out_vc) -= static_cast<int32_t>(F);
  link_flits_[l] += double(F);
  link_busy_ns_[l] += double(F * tf) / kFsPerNs;
  if (ip < nlinks_) {
    // The buffer space frees as the tail leaves it; the credit travels
    // back over the input link.
    return_credit(ip, v - in_ports_[ip].first_vc, static_cast<int>(F), in_end + channels_[ip].latency_fs);
  }
  advance_route_state(P, l, out_vc);
  traverse_link(pk, l, start, end);
  // Last: refill() may grow the packet pool (P is not used after it).
  if (ip >= nlinks_) {
    ++packets_injected_;
    refill(ip - nlinks_, t);
  }
  if (in_vcs_[v].size) schedule_alloc(n, std::max(in_vcs_[v].head_since, t + cycle_fs_));
}

void PacketNetwork::advance_route_state(Packet& P, int l, int out_vc) {
  const bool was_escape = PacketRouting::in_escape(P.state);
  P.state = routing_.next_state(P.state, l, out_vc);
  if (!was_escape && PacketRouting::in_escape(P.state)) ++escape_entries_;
  P.route_link = -1;  // the next router computes its own
  P.vc = static_cast<uint8_t>(out_vc);
  ++P.hops;
}

// Link traversal: packet pk's flits cross link l in [start, end), each
// arriving after the link latency; ejected at its destination when its
// tail is in, otherwise into the next router's pipeline.
void PacketNetwork::traverse_link(int pk, int l, uint64_t start, uint64_t end) {
  Packet& P = packets_[pk];
  Channel& ch = channels_[l];
  P.tail_fs = end + ch.latency_fs;
  const uint64_t head_at = start + ch.flit_fs + ch.latency_fs;
  if (t_.link(l).dst == P.dst) {
    q_.push(P.tail_fs, kDeliver, pk, l);
  } else {
    // It joins the next router's VC once its head has been through that
    // router's pipeline. Times on one link only grow, so packets in flight
    // wait in a per-link FIFO with one heap event for the whole link.
    if (ch.packets.empty()) q_.push(head_at + pipeline_fs_, kArrive, l);
    ch.packets.push(head_at + pipeline_fs_, pk);
  }
}

// The first packet in flight on link l enters its VC at the far router.
void PacketNetwork::arrive(int l, uint64_t t) {
  Flight& fl = channels_[l].packets;
  const int pk = fl.front().second;
  fl.pop();
  if (!fl.empty()) q_.push(fl.front().first, kArrive, l);
  Packet& P = packets_[pk];
  P.ready_fs = t;
  const int v = in_ports_[l].first_vc + P.vc;
  const bool first = in_vcs_[v].size == 0;
  buffer_write(v, pk, t);
  if (first) schedule_alloc(t_.link(l).dst, t);
}

void PacketNetwork::deliver(int pk, int l, uint64_t t) {
  Packet& P = packets_[pk];
  return_credit(l, P.vc, P.flits, t + channels_[l].latency_fs);
  ++packets_delivered_;
  flits_delivered_ += P.flits;
  bytes_delivered_ += P.payload;
  --outstanding_;
  ++delivered_total_;
  last_delivery_fs_ = t;
  const int mid = P.msg;
  Message& m = messages_[mid];
  if (m.measured) {
    latency_ps_.sample((t - m.created_fs) / 1000);
    hops_.sample(P.hops);
  }
  free_packets_.push_back(pk);
  if (++m.delivered == m.packets) {
    m.done_fs = t;
    m.live = false;
    // A copy: the callback may send, and a new message can move messages_.
    const Message done = m;
    if (on_message_done) on_message_done(mid, done);
    free_messages_.push_back(mid);
  }
}

void PacketNetwork::return_credit(int link, int vc, int flits, uint64_t at) {
  // Credits on one link nearly always return in time order: they wait in a
  // per-link FIFO behind one heap event. One that would overtake the FIFO's
  // tail (a forwarding NPU mixes ejections and departures) takes the heap.
  Flight& fc = channels_[link].credits;
  const int code = vc * 65536 + flits;
  if (fc.empty()) {
    q_.push(at, kCreditLink, link);
    fc.push(at, code);
  } else if (fc.back().first <= at) {
    fc.push(at, code);
  } else {
    q_.push(at, kCredit, link, vc, flits);
  }
}

void PacketNetwork::receive_credit(int link, int vc, int flits) {
  credits(link, vc) += flits;
  credits_returned_ += flits;
  // Only a router with a head packet short of credits needs a new round.
  const int n = t_.link(link).src;
  if (routers_[n].credit_wait) schedule_alloc(n, now_);
}

void PacketNetwork::start_message(int id) {
  const Message& m = messages_[id];
  const int ep = ep_index_[m.src];
  backlog_[ep].push_back(id);
  backlog_pkts_[ep] += m.packets;
  outstanding_ += m.packets;
  arm_check(now_);
  refill(ep, now_);
}

void PacketNetwork::step(const FabricEvent& e) {
  now_ = e.time_fs;
  ++events_;
  switch (e.type) {
    case kAlloc: {
      Router& r = routers_[e.a];
      r.queued.erase(std::find(r.queued.begin(), r.queued.end(), e.time_fs));
      if (r.alloc_at != e.time_fs) break;  // superseded by an earlier round
      r.alloc_at = kNever;
      allocation_round(e.a, now_);
      break;
    }
    case kArrive: arrive(e.a, now_); break;
    case kDeliver: deliver(e.a, e.b, now_); break;
    case kCredit: receive_credit(e.a, e.b, e.c); break;
    case kCreditLink: {
      Flight& fc = channels_[e.a].credits;
      const int code = fc.front().second;
      fc.pop();
      if (!fc.empty()) q_.push(fc.front().first, kCreditLink, e.a);
      receive_credit(e.a, code / 65536, code % 65536);
      break;
    }
    case kSend: start_message(e.a); break;
    case kGen:
      if (source_) source_->generate(e.a, now_);
      break;
    case kTimer: timers_[e.a](); break;
    case kCheck: check(now_); break;
  }
}

void PacketNetwork::run() {
  in_run_ = true;
  while (!q_.empty()) step(q_.pop());
  in_run_ = false;
  if (outstanding_) throw StallError(stuck_report(now_, true));
}

void PacketNetwork::run_until(uint64_t until_fs) {
  in_run_ = true;
  while (!q_.empty() && q_.top().time_fs <= until_fs) step(q_.pop());
  in_run_ = false;
  // The caller's clock has reached until_fs even when nothing happened then:
  // a message sent next starts no earlier.
  if (until_fs > now_) now_ = until_fs;
}

uint64_t PacketNetwork::next_event_fs() const { return q_.empty() ? UINT64_MAX : q_.top().time_fs; }

int PacketNetwork::busiest_link(double window_ns, double* utilisation) const {
  int best = -1;
  double most = 0;
  for (int l = 0; l < nlinks_; ++l) {
    const double u = window_ns > 0 ? link_busy_ns_.at(l) / window_ns : 0;
    if (u > most) {
      most = u;
      best = l;
    }
  }
  if (utilisation) *utilisation = most;
  return best;
}

void PacketNetwork::finish_window(double window_ns) {
  for (int l = 0; l < nlinks_; ++l) link_utilisation_[l] = window_ns > 0 ? link_busy_ns_.at(l) / window_ns : 0;
}

}  // namespace npusim::noc
