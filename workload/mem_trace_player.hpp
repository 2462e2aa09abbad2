// Replays a memory trace into a TLM-2.0 AT target: each request is sent at
// its trace time or, when the target withholds END_REQ, as soon as it is
// accepted (in trace order, like DRAMSim3's trace frontend). Counts every
// request out and every response back.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "memory/mem_trace.hpp"
#include "sim/stats.hpp"
#include "sim/tlm_payload.hpp"
#include "sim/watchdog.hpp"

namespace npusim {

class MemTracePlayer : public sc_core::sc_module, public Watched {
 public:
  tlm_utils::simple_initiator_socket<MemTracePlayer> socket;

  SC_HAS_PROCESS(MemTracePlayer);
  // Record times are converted to ps by the caller (`times_ps`, one per record).
  MemTracePlayer(sc_core::sc_module_name name, const memory::MemTrace& trace, std::vector<uint64_t> times_ps,
                 stats::Group& parent);
  void set_watchdog(Watchdog* w) { watchdog_ = w; }
  // Prints "responses k/n" to stderr about once a second of wall time.
  void show_progress(bool on) { progress_ = on; }
  // Called once when the n-th response arrives (a measurement window that
  // excludes warm-up starts there: the caller resets the stats).
  void on_nth_response(uint64_t n, std::function<void()> f) {
    warmup_n_ = n;
    warmup_done_ = std::move(f);
  }

  uint64_t sent() const { return sent_; }
  uint64_t received() const { return received_; }
  uint64_t errors() const { return errors_; }
  uint64_t last_response_ps() const { return last_response_ps_; }

  // Watched
  std::string watch_name() const override { return name(); }
  uint64_t outstanding() const override { return sent_ - received_ + (waiting_end_req_ ? 1 : 0); }
  uint64_t progress() const override { return sent_ + received_; }
  std::string holdings() const override;

 private:
  void issue();
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase, sc_core::sc_time& t);
  void on_response(tlm::tlm_generic_payload& gp);

  const memory::MemTrace& trace_;
  std::vector<uint64_t> times_ps_;
  size_t next_ = 0;
  bool waiting_end_req_ = false;
  uint64_t waiting_issue_ps_ = 0;  // trace time of the request held for END_REQ
  PayloadPool pool_;
  std::vector<uint8_t> seen_;  // per request id: responses received (conservation)
  sc_core::sc_event issue_event_;
  Watchdog* watchdog_ = nullptr;
  bool progress_ = false;
  double progress_last_s_ = 0;
  uint64_t warmup_n_ = 0;
  std::function<void()> warmup_done_;
  uint64_t sent_ = 0, received_ = 0, errors_ = 0, last_response_ps_ = 0;
  stats::Group stats_;
  stats::Scalar sent_stat_, stall_ps_;
  stats::Distribution e2e_read_latency_ps_;
};

}  // namespace npusim
