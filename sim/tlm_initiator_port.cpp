#include "sim/tlm_initiator_port.hpp"

#include "sim/clock_domain.hpp"

namespace npusim {

TlmInitiatorPort::TlmInitiatorPort(Socket& socket, PayloadPool& pool) : socket_(socket), pool_(pool) {
  socket_.register_nb_transport_bw(this, &TlmInitiatorPort::nb_transport_bw);
}

void TlmInitiatorPort::send() {
  while (!waiting_end_req_ && !queue_.empty()) {
    const Request r = queue_.front();
    queue_.pop_front();
    tlm::tlm_generic_payload* gp = pool_.acquire_request(r.write, r.addr, r.bytes, r.id, ClockDomain::now_ps());
    ++in_flight_;
    if (stats::Scalar* bytes = r.write ? write_bytes_ : read_bytes_) *bytes += r.bytes;
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum s = socket_->nb_transport_fw(*gp, phase, t);
    if (s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP)) {
      gp->acquire();  // held across the END_RESP below
      answer(*gp);
      if (s == tlm::TLM_UPDATED) {  // answered at once: it still wants END_RESP
        tlm::tlm_phase end = tlm::END_RESP;
        socket_->nb_transport_fw(*gp, end, t);
      }
      gp->release();
    } else if (s == tlm::TLM_ACCEPTED || phase == tlm::BEGIN_REQ) {
      waiting_end_req_ = true;
    }
  }
}

void TlmInitiatorPort::answer(tlm::tlm_generic_payload& gp) {
  --in_flight_;
  ++answered_;
  on_response(gp);
}

tlm::tlm_sync_enum TlmInitiatorPort::nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                                     sc_core::sc_time&) {
  if (phase == tlm::END_REQ) {
    waiting_end_req_ = false;
    send();
    if (on_accepted) on_accepted();
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::BEGIN_RESP) {
    answer(gp);
    phase = tlm::END_RESP;
    return tlm::TLM_COMPLETED;
  }
  return tlm::TLM_ACCEPTED;
}

}  // namespace npusim
