#include "noc/tlm_fabric.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "sim/clock_domain.hpp"
#include "sim/errors.hpp"

namespace npusim::noc {

namespace {
constexpr uint64_t kFsPerPs = 1000;
// Message tags: kind in bits 56..63, transaction in 24..55, chunk in 0..23.
constexpr int kChunkBits = 24;
int64_t make_tag(int64_t kind, int x, uint32_t chunk) {
  return (kind << 56) | (int64_t(x) << kChunkBits) | int64_t(chunk);
}
}  // namespace

const Schema& TlmFabricParams::schema() {
  static const Schema s = [] {
    Schema s("tlm_fabric", "How NPUs' TLM ports reach each other's memory over the packet fabric");
    SchemaBuilder<TlmFabricParams>(s)
        .param(&TlmFabricParams::window_base, "window_base", "B", uint64_t(1) << 48,
               "Global address of NPU 0's window; NPU k's is window_base + k x npu_window_gib (matches "
               "chip.ub_port.window_base)", {0, 1.8e19})
        .param(&TlmFabricParams::npu_window_gib, "npu_window_gib", "GiB", 128.0,
               "Address window per NPU (at least its memory's capacity)", {1.0 / 1024, 1 << 20})
        .param(&TlmFabricParams::max_outstanding, "max_outstanding", "", 256,
               "Transactions one NPU port may have in the fabric; the next request's END_REQ waits (E)",
               {1, 1 << 20})
        .param(&TlmFabricParams::dma_bytes, "dma_bytes", "B", 512,
               "Chunk of a remote access: a larger transaction streams as chunks of this size, each one "
               "message and one memory request at the far end (E: the chip's L2 line)", {1, 1 << 24})
        .param(&TlmFabricParams::request_bytes, "request_bytes", "B", 16,
               "Payload of a read request or a write acknowledgement (address, length, tag) on top of the "
               "packet header (E)", {1, 4096});
    return s;
  }();
  return s;
}

TlmFabric::TlmFabric(sc_core::sc_module_name name, const Topology& t, const PacketParams& p,
                     const TlmFabricParams& fp, stats::Group& parent)
    : sc_core::sc_module(name),
      t_(t),
      fp_(fp),
      net_(t, p),
      stats_(&parent, std::string(static_cast<const char*>(name))),
      requests_(stats_, "requests", "Transactions that entered the fabric through the NPU ports", "count"),
      read_bytes_(stats_, "read_bytes", "Bytes read from another NPU's memory", "byte"),
      write_bytes_(stats_, "write_bytes", "Bytes written to another NPU's memory", "byte"),
      chunks_(stats_, "chunks", "Remote memory requests issued by the destinations' DMA engines", "count"),
      messages_(stats_, "messages", "Messages handed to the packet network", "count"),
      read_latency_ps_(stats_, "read_latency", "Read transaction: BEGIN_REQ accepted to all data back", "ps"),
      write_latency_ps_(stats_, "write_latency", "Write transaction: BEGIN_REQ accepted to the ack back", "ps") {
  const int n = int(t.endpoints().size());
  window_bytes_ = uint64_t(std::llround(fp.npu_window_gib * double(uint64_t(1) << 30)));
  if (window_bytes_ == 0) throw ConfigError("tlm_fabric.npu_window_gib: expected a window of at least one byte");
  if (fp.window_base + uint64_t(n) * window_bytes_ < fp.window_base || uint64_t(n) > UINT64_MAX / window_bytes_)
    throw ConfigError("tlm_fabric: " + std::to_string(n) + " windows of " + std::to_string(fp.npu_window_gib) +
                      " GiB from window_base " + std::to_string(fp.window_base) + " pass the end of the address space");
  if (fp.max_outstanding < 1) throw ConfigError("tlm_fabric.max_outstanding: expected an integer >= 1");
  if (fp.dma_bytes < 1) throw ConfigError("tlm_fabric.dma_bytes: expected an integer >= 1");
  npu_of_node_.assign(size_t(t.num_nodes()), -1);
  for (int k = 0; k < n; ++k) {
    npu_of_node_[size_t(t.endpoints()[size_t(k)])] = k;
    map_.add(AddressWindow{t.node(t.endpoints()[size_t(k)]).name, window_base(k), window_bytes_, uint32_t(k)});
    ports_.push_back(std::make_unique<Port>(("port" + std::to_string(k)).c_str()));
    ports_.back()->register_nb_transport_fw(this, &TlmFabric::port_fw, k);
    mems_.push_back(std::make_unique<MemPort>(("memory" + std::to_string(k)).c_str()));
    mems_.back()->register_nb_transport_bw(this, &TlmFabric::mem_bw, k);
  }
  npu_.resize(size_t(n));
  net_.on_message_done = [this](int, const Message& m) { on_message(m); };
  SC_METHOD(advance);
  sensitive << wake_;
  dont_initialize();
  SC_METHOD(respond_all);
  sensitive << respond_event_;
  dont_initialize();
}

// --- the NPU ports (request side) ---------------------------------------------

tlm::tlm_sync_enum TlmFabric::port_fw(int k, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                      sc_core::sc_time&) {
  Npu& npu = npu_[size_t(k)];
  if (phase == tlm::END_RESP) {
    const int x = npu.in_resp;
    npu.in_resp = -1;
    if (x >= 0) finish(x);
    respond_next(k);
    return tlm::TLM_COMPLETED;
  }
  if (phase != tlm::BEGIN_REQ) return tlm::TLM_ACCEPTED;
  if (!map_.find(gp.get_address(), std::max<uint64_t>(1, gp.get_data_length()))) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return tlm::TLM_COMPLETED;
  }
  if (npu.live >= fp_.max_outstanding) {
    npu.waiting = &gp;  // END_REQ when a transaction of this port finishes
    return tlm::TLM_ACCEPTED;
  }
  admit(k, gp);
  phase = tlm::END_REQ;
  return tlm::TLM_UPDATED;
}

void TlmFabric::admit(int k, tlm::tlm_generic_payload& gp) {
  const AddressWindow& w = map_.decode(gp.get_address(), std::max<uint64_t>(1, gp.get_data_length()));
  int x;
  if (!free_xfers_.empty()) {
    x = free_xfers_.back();
    free_xfers_.pop_back();
  } else {
    x = int(xfers_.size());
    xfers_.emplace_back();
  }
  Xfer& X = xfers_[size_t(x)];
  gp.acquire();
  X = Xfer{};
  X.gp = &gp;
  X.src = k;
  X.dst = int(w.target);
  X.local = gp.get_address() - w.base;
  X.len = gp.get_data_length();
  X.write = gp.is_write();
  const uint64_t chunks = std::max<uint64_t>(1, (uint64_t(X.len) + uint64_t(fp_.dma_bytes) - 1) / uint64_t(fp_.dma_bytes));
  if (chunks >= (uint64_t(1) << kChunkBits))
    sim_throw<ConfigError>("tlm_fabric.dma_bytes: a " + std::to_string(X.len) + "-byte transaction needs " +
                           std::to_string(chunks) + " chunks, above 2^24; raise dma_bytes");
  X.chunks = uint32_t(chunks);
  X.start_ps = ClockDomain::now_ps();
  ++npu_[size_t(k)].live;
  ++started_;
  requests_ += 1;
  (X.write ? write_bytes_ : read_bytes_) += double(X.len);
  if (X.src == X.dst) {
    // Its own window: the DMA engine serves it without the network.
    for (uint32_t c = 0; c < X.chunks; ++c) mem_enqueue(X.dst, x, c);
    return;
  }
  if (X.write) {
    for (uint32_t c = 0; c < X.chunks; ++c) send(X.src, X.dst, chunk_bytes(X, c), kWriteData, x, c);
  } else {
    send(X.src, X.dst, uint64_t(fp_.request_bytes), kReadRequest, x, 0);
  }
  schedule();
}

uint32_t TlmFabric::chunk_bytes(const Xfer& x, uint32_t chunk) const {
  const uint64_t off = uint64_t(chunk) * uint64_t(fp_.dma_bytes);
  return uint32_t(std::max<uint64_t>(1, std::min<uint64_t>(uint64_t(fp_.dma_bytes), x.len - std::min<uint64_t>(off, x.len))));
}

void TlmFabric::send(int src, int dst, uint64_t bytes, MsgKind kind, int x, uint32_t chunk) {
  messages_ += 1;
  net_.send(t_.endpoints()[size_t(src)], t_.endpoints()[size_t(dst)], bytes, ClockDomain::now_ps() * kFsPerPs, true,
            make_tag(kind, x, chunk));
}

void TlmFabric::on_message(const Message& m) {
  const auto kind = MsgKind(m.tag >> 56);
  const int x = int((m.tag >> kChunkBits) & 0xffffffff);
  const uint32_t chunk = uint32_t(m.tag & ((int64_t(1) << kChunkBits) - 1));
  Xfer& X = xfers_[size_t(x)];
  switch (kind) {
    case kWriteData: mem_enqueue(X.dst, x, chunk); break;
    case kReadRequest:
      for (uint32_t c = 0; c < X.chunks; ++c) mem_enqueue(X.dst, x, c);
      break;
    case kReadData: chunk_read(x); break;
    case kWriteAck: respond(x); break;
  }
}

// --- the destination's DMA engine (memory side) --------------------------------

void TlmFabric::mem_enqueue(int k, int x, uint32_t chunk) {
  npu_[size_t(k)].mem_queue.emplace_back(x, chunk);
  mem_send(k);
}

void TlmFabric::mem_send(int k) {
  Npu& npu = npu_[size_t(k)];
  while (!npu.mem_in_req && !npu.mem_queue.empty()) {
    const auto [x, c] = npu.mem_queue.front();
    npu.mem_queue.pop_front();
    const Xfer& X = xfers_[size_t(x)];
    const uint64_t off = uint64_t(c) * uint64_t(fp_.dma_bytes);
    tlm::tlm_generic_payload* gp = pool_.acquire_request(X.write, X.local + off, chunk_bytes(X, c),
                                                          (uint64_t(x) << kChunkBits) | c, ClockDomain::now_ps());
    if (X.gp->get_data_ptr() && off < X.len) gp->set_data_ptr(X.gp->get_data_ptr() + off);
    RequestExt* e = nullptr;
    gp->get_extension(e);
    RequestExt* orig = nullptr;
    X.gp->get_extension(orig);
    e->source = uint32_t(X.src);
    e->dest = uint32_t(X.dst);
    e->traffic_class = orig ? orig->traffic_class : 0;
    chunks_ += 1;
    npu.mem_in_req = gp;
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum s = (*mems_[size_t(k)])->nb_transport_fw(*gp, phase, t);
    if (s == tlm::TLM_ACCEPTED || (s == tlm::TLM_UPDATED && phase == tlm::BEGIN_REQ)) break;  // END_REQ later
    if (npu.mem_in_req == gp) npu.mem_in_req = nullptr;
    if (s == tlm::TLM_COMPLETED) mem_done(*gp);
    else if (phase == tlm::BEGIN_RESP) {
      mem_done(*gp);
      tlm::tlm_phase p = tlm::END_RESP;
      sc_core::sc_time z = sc_core::SC_ZERO_TIME;
      (*mems_[size_t(k)])->nb_transport_fw(*gp, p, z);
    }
  }
}

tlm::tlm_sync_enum TlmFabric::mem_bw(int k, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                     sc_core::sc_time&) {
  Npu& npu = npu_[size_t(k)];
  if (phase == tlm::END_REQ) {
    if (npu.mem_in_req == &gp) npu.mem_in_req = nullptr;
    mem_send(k);
    return tlm::TLM_ACCEPTED;
  }
  if (phase != tlm::BEGIN_RESP) return tlm::TLM_ACCEPTED;
  const bool was_pending = npu.mem_in_req == &gp;
  if (was_pending) npu.mem_in_req = nullptr;
  mem_done(gp);  // returns the payload to our pool; the memory does not touch it after this call
  if (was_pending) mem_send(k);
  phase = tlm::END_RESP;
  return tlm::TLM_COMPLETED;
}

void TlmFabric::mem_done(tlm::tlm_generic_payload& gp) {
  RequestExt* e = nullptr;
  gp.get_extension(e);
  const int x = int(e->id >> kChunkBits);
  const uint32_t c = uint32_t(e->id & ((uint64_t(1) << kChunkBits) - 1));
  Xfer& X = xfers_[size_t(x)];
  if (!gp.is_response_ok()) X.error = true;
  gp.release();
  ++mem_done_;
  ++X.mem_done;
  if (X.write) {
    if (X.mem_done < X.chunks) return;
    if (X.src == X.dst) respond(x);
    else send(X.dst, X.src, uint64_t(fp_.request_bytes), kWriteAck, x, 0);
  } else {
    if (X.src == X.dst) chunk_read(x);
    else send(X.dst, X.src, chunk_bytes(X, c), kReadData, x, c);
  }
  schedule();
}

// --- completion -------------------------------------------------------------

void TlmFabric::chunk_read(int x) {
  Xfer& X = xfers_[size_t(x)];
  if (++X.arrived == X.chunks) respond(x);
}

void TlmFabric::respond(int x) {
  const int k = xfers_[size_t(x)].src;
  Npu& npu = npu_[size_t(k)];
  if (npu.responses.empty()) answering_.push_back(k);
  npu.responses.push_back(x);
  // An answer may become ready inside the initiator's own BEGIN_REQ call
  // (its own window, memory erring at once): BEGIN_RESP must wait until
  // that call has returned END_REQ, so every answer goes out in a delta.
  respond_event_.notify(sc_core::SC_ZERO_TIME);
}

void TlmFabric::respond_all() {
  answering_now_.clear();
  answering_now_.swap(answering_);
  for (int k : answering_now_) {
    respond_next(k);
    if (!npu_[size_t(k)].responses.empty()) answering_.push_back(k);  // waiting for END_RESP
  }
}

void TlmFabric::respond_next(int k) {
  Npu& npu = npu_[size_t(k)];
  while (npu.in_resp < 0 && !npu.responses.empty()) {
    const int x = npu.responses.front();
    npu.responses.pop_front();
    Xfer& X = xfers_[size_t(x)];
    X.gp->set_response_status(X.error ? tlm::TLM_GENERIC_ERROR_RESPONSE : tlm::TLM_OK_RESPONSE);
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    npu.in_resp = x;
    const tlm::tlm_sync_enum s = (*ports_[size_t(k)])->nb_transport_bw(*X.gp, phase, t);
    if (s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && phase == tlm::END_RESP)) {
      npu.in_resp = -1;
      finish(x);
    } else {
      break;  // END_RESP later
    }
  }
}

void TlmFabric::finish(int x) {
  Xfer& X = xfers_[size_t(x)];
  const uint64_t lat = ClockDomain::now_ps() - X.start_ps;
  (X.write ? write_latency_ps_ : read_latency_ps_).sample(lat);
  tlm::tlm_generic_payload* gp = X.gp;
  X.gp = nullptr;
  const int k = X.src;
  free_xfers_.push_back(x);
  ++completed_;
  Npu& npu = npu_[size_t(k)];
  --npu.live;
  gp->release();
  if (npu.waiting) {
    tlm::tlm_generic_payload* w = npu.waiting;
    npu.waiting = nullptr;
    admit(k, *w);
    tlm::tlm_phase p = tlm::END_REQ;
    sc_core::sc_time z = sc_core::SC_ZERO_TIME;
    (*ports_[size_t(k)])->nb_transport_bw(*w, p, z);
  }
}

// --- time -------------------------------------------------------------------

void TlmFabric::advance() {
  try {
    net_.run_until(ClockDomain::now_ps() * kFsPerPs);
  } catch (const std::exception&) {
    // SystemC would turn it into an untyped report; keep the StallError.
    pending_sim_error() = std::current_exception();
    throw;
  }
  schedule();
}

void TlmFabric::schedule() {
  const uint64_t next = net_.next_event_fs();
  if (next == UINT64_MAX) return;
  const uint64_t now = ClockDomain::now_ps();
  const uint64_t at = (next + kFsPerPs - 1) / kFsPerPs;  // first ps edge at or after it
  // notify() keeps the earlier of two pending notifications.
  if (at <= now) wake_.notify(sc_core::SC_ZERO_TIME);
  else wake_.notify(ClockDomain::ps_time(at - now));
}

std::string TlmFabric::holdings() const {
  std::ostringstream os;
  os << started_ - completed_ << " transaction(s) in the fabric, " << net_.packets_outstanding()
     << " packet(s) in the network";
  for (size_t k = 0; k < npu_.size(); ++k) {
    const Npu& n = npu_[k];
    if (!n.live && n.mem_queue.empty() && !n.mem_in_req) continue;
    os << "; " << t_.node(t_.endpoints()[k]).name << ": " << n.live << " live" << (n.waiting ? " (port full)" : "")
       << ", " << n.responses.size() << " to answer" << (n.in_resp >= 0 ? " (awaiting END_RESP)" : "") << ", DMA "
       << n.mem_queue.size() << " queued" << (n.mem_in_req ? " (memory withholds END_REQ)" : "");
  }
  return os.str();
}

}  // namespace npusim::noc
