// One TLM-2.0 AT initiator port: requests wait in a FIFO and leave through
// the socket one BEGIN_REQ at a time; a target that withholds END_REQ holds
// the rest back (back-pressure) until its END_REQ arrives. Payloads come
// from a PayloadPool (an initiator's ports may share one), so nothing
// allocates per transaction after warm-up.
//
// Responses go to `on_response` with the payload's reference: the handler
// reads what it needs and calls gp.release(). A target that answers inside
// nb_transport_fw (TLM_COMPLETED, or TLM_UPDATED with BEGIN_RESP) is answered
// the same way, then sent END_RESP if it still expects one.
//
// The socket stays a member of the owning module (its name in the hierarchy;
// whoever assembles the system binds it); the port registers itself as the
// socket's backward path.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "sim/stats.hpp"
#include "sim/tlm_payload.hpp"

namespace npusim {

class TlmInitiatorPort {
 public:
  using Socket = tlm_utils::simple_initiator_socket<TlmInitiatorPort>;
  // A timing-only request; `id` travels in the payload's RequestExt.
  struct Request {
    uint64_t addr = 0;
    uint32_t bytes = 0;
    bool write = false;
    uint64_t id = 0;
  };

  TlmInitiatorPort(Socket& socket, PayloadPool& pool);
  TlmInitiatorPort(const TlmInitiatorPort&) = delete;
  TlmInitiatorPort& operator=(const TlmInitiatorPort&) = delete;

  // Called for every response (the handler must release the payload).
  std::function<void(tlm::tlm_generic_payload& gp)> on_response;
  // Called after an END_REQ let the queue move on (optional).
  std::function<void()> on_accepted;
  // Bytes of each request are added to `read` or `write` as it is sent (optional).
  void count_sent_bytes(stats::Scalar* read, stats::Scalar* write) {
    read_bytes_ = read;
    write_bytes_ = write;
  }

  void enqueue(const Request& r) { queue_.push_back(r); }
  // Sends queued requests until the queue is empty or the target withholds END_REQ.
  void send();

  size_t queued() const { return queue_.size(); }
  uint64_t in_flight() const { return in_flight_; }  // sent, not yet answered
  uint64_t answered() const { return answered_; }
  bool blocked() const { return waiting_end_req_; }  // the target withholds END_REQ
  bool idle() const { return in_flight_ == 0 && queue_.empty(); }

 private:
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase, sc_core::sc_time& t);
  void answer(tlm::tlm_generic_payload& gp);

  Socket& socket_;
  PayloadPool& pool_;
  std::deque<Request> queue_;
  bool waiting_end_req_ = false;
  uint64_t in_flight_ = 0, answered_ = 0;
  stats::Scalar *read_bytes_ = nullptr, *write_bytes_ = nullptr;
};

}  // namespace npusim
