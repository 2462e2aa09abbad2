#include "memory/memory_model.hpp"

#include "memory/channel_controller.hpp"  // kNoWake
#include "sim/tlm_payload.hpp"

namespace npusim::memory {

MemoryModel::MemoryModel(sc_core::sc_module_name name, const MemoryConfig& cfg, stats::Group& parent)
    : sc_core::sc_module(name),
      socket("socket"),
      cfg_(cfg),
      clk_(std::string(name) + ".clk", cfg.timing.tCK_ps),
      stats_(&parent, std::string(static_cast<const char*>(name))),
      capacity_(cfg.org.capacity_bytes()),
      burst_bytes_(cfg.org.burst_bytes()),
      reads_(stats_, "reads", "Read transactions completed", "count"),
      writes_(stats_, "writes", "Write transactions completed", "count"),
      bytes_read_(stats_, "bytes_read", "Bytes requested by completed reads", "byte"),
      bytes_written_(stats_, "bytes_written", "Bytes requested by completed writes", "byte"),
      backpressure_(stats_, "backpressure_events", "BEGIN_REQs that had to wait for queue space", "count"),
      read_latency_(stats_, "read_latency", "Read latency, END_REQ to BEGIN_RESP", "tCK"),
      write_latency_(stats_, "write_latency", "Write latency, END_REQ to BEGIN_RESP (data written)", "tCK") {
  socket.register_nb_transport_fw(this, &MemoryModel::nb_transport_fw);
  SC_METHOD(run);
  sensitive << wake_.event();
  dont_initialize();
}

bool MemoryModel::accept(tlm::tlm_generic_payload& gp, uint64_t now) {
  const uint64_t first = gp.get_address() / burst_bytes_;
  const uint64_t last = (gp.get_address() + gp.get_data_length() - 1) / burst_bytes_;
  if (!try_accept(gp, first, uint32_t(last - first + 1), now)) return false;
  ext_of(gp).accept_ps = ClockDomain::now_ps();
  ++accepted_;
  note_progress();
  if (watchdog_) watchdog_->kick();
  return true;
}

tlm::tlm_sync_enum MemoryModel::nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                                 sc_core::sc_time&) {
  if (phase == tlm::BEGIN_REQ) {
    if (pending_) SC_REPORT_FATAL(name(), "BEGIN_REQ before END_REQ of the previous request (TLM AT rule)");
    if (gp.get_data_length() == 0 || gp.get_address() + gp.get_data_length() > capacity_ ||
        gp.get_address() + gp.get_data_length() < gp.get_address()) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      phase = tlm::BEGIN_RESP;
      return tlm::TLM_COMPLETED;
    }
    const uint64_t now = clk_.next_cycle_at_or_after_now();
    if (accept(gp, now)) {
      phase = tlm::END_REQ;
      return tlm::TLM_UPDATED;
    }
    backpressure_ += 1;
    pending_ = &gp;
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::END_RESP) {
    resp_in_flight_ = nullptr;
    wake_at(clk_.next_cycle_at_or_after_now());
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_FATAL(name(), "unexpected phase on the forward path");
  return tlm::TLM_COMPLETED;
}

void MemoryModel::complete(tlm::tlm_generic_payload* gp, uint64_t cycle) {
  responses_.push(Response{cycle, resp_seq_++, gp});
  wake_at(cycle);
}

void MemoryModel::wake_at(uint64_t cycle) { wake_.at(cycle); }

void MemoryModel::send_responses(uint64_t now) {
  while (!resp_in_flight_ && !responses_.empty() && responses_.top().cycle <= now) {
    tlm::tlm_generic_payload* gp = responses_.top().gp;
    responses_.pop();
    const RequestExt& e = ext_of(*gp);
    const uint64_t lat = clk_.cycle_of_ps(ClockDomain::now_ps()) - clk_.cycle_of_ps(e.accept_ps);
    if (gp->is_read()) {
      reads_ += 1;
      bytes_read_ += gp->get_data_length();
      read_latency_.sample(lat);
    } else {
      writes_ += 1;
      bytes_written_ += gp->get_data_length();
      write_latency_.sample(lat);
    }
    ++responded_;
    note_progress();
    last_response_ps_ = ClockDomain::now_ps();
    gp->set_response_status(tlm::TLM_OK_RESPONSE);
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    tlm::tlm_sync_enum r = socket->nb_transport_bw(*gp, phase, t);
    if (r == tlm::TLM_ACCEPTED || (r == tlm::TLM_UPDATED && phase != tlm::END_RESP)) resp_in_flight_ = gp;
  }
}

void MemoryModel::run() {
  const uint64_t now = clk_.now_cycle();
  wake_.fired();
  uint64_t next = service(now);
  send_responses(now);
  if (pending_) {
    tlm::tlm_generic_payload* gp = pending_;
    if (accept(*gp, now)) {
      pending_ = nullptr;
      tlm::tlm_phase phase = tlm::END_REQ;
      sc_core::sc_time t = sc_core::SC_ZERO_TIME;
      socket->nb_transport_bw(*gp, phase, t);
      next = std::min(next, service(now));  // the new request may be servable now
      send_responses(now);
    }
  }
  if (!resp_in_flight_ && !responses_.empty()) next = std::min(next, std::max(responses_.top().cycle, now + 1));
  if (next != kNoWake) wake_at(std::max(next, now + 1));
}

}  // namespace npusim::memory
