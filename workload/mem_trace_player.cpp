#include "workload/mem_trace_player.hpp"

#include <chrono>
#include <cstdio>

#include "sim/clock_domain.hpp"
#include "sim/errors.hpp"

namespace npusim {

MemTracePlayer::MemTracePlayer(sc_core::sc_module_name name, const memory::MemTrace& trace,
                               std::vector<uint64_t> times_ps, stats::Group& parent)
    : sc_core::sc_module(name),
      socket("socket"),
      trace_(trace),
      times_ps_(std::move(times_ps)),
      seen_(trace.records.size(), 0),
      stats_(&parent, std::string(static_cast<const char*>(name))),
      sent_stat_(stats_, "requests_sent", "Requests sent to the memory", "count"),
      stall_ps_(stats_, "backpressure_ps", "Time requests waited past their trace time to be accepted", "ps"),
      e2e_read_latency_ps_(stats_, "read_latency_e2e", "Read latency from trace time to response", "ps") {
  socket.register_nb_transport_bw(this, &MemTracePlayer::nb_transport_bw);
  SC_METHOD(issue);
  sensitive << issue_event_;
}

void MemTracePlayer::issue() {
  const uint64_t now = ClockDomain::now_ps();
  while (!waiting_end_req_ && next_ < trace_.records.size()) {
    if (times_ps_[next_] > now) {
      issue_event_.notify(sc_core::sc_time::from_value(
          (times_ps_[next_] - now) * sc_core::sc_time(1, sc_core::SC_PS).value()));
      return;
    }
    const memory::MemTraceRecord& r = trace_.records[next_];
    tlm::tlm_generic_payload* gp = pool_.acquire_request(r.is_write, r.addr, r.size, next_, times_ps_[next_]);
    const RequestExt& e = ext_of(*gp);
    ++next_;
    ++sent_;
    sent_stat_ += 1;
    if (watchdog_) watchdog_->kick();
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    tlm::tlm_sync_enum s = socket->nb_transport_fw(*gp, phase, t);
    if (s == tlm::TLM_COMPLETED) {
      stall_ps_ += double(now - e.issue_ps);
      on_response(*gp);  // answered at once (e.g. an error response)
    } else if (s == tlm::TLM_ACCEPTED || phase == tlm::BEGIN_REQ) {
      waiting_end_req_ = true;  // back-pressure: wait for END_REQ
      waiting_issue_ps_ = e.issue_ps;
    } else {
      stall_ps_ += double(now - e.issue_ps);  // accepted at once
    }
  }
}

void MemTracePlayer::on_response(tlm::tlm_generic_payload& gp) {
  const RequestExt& e = ext_of(gp);
  if (e.id >= seen_.size() || seen_[e.id]++ != 0)
    sim_throw<ProtocolError>(std::string(name()) + ": request " + std::to_string(e.id) + " answered more than once");
  if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) ++errors_;
  ++received_;
  last_response_ps_ = ClockDomain::now_ps();
  if (gp.is_read()) e2e_read_latency_ps_.sample(last_response_ps_ - e.issue_ps);
  gp.release();
  if (warmup_done_ && received_ == warmup_n_) warmup_done_();
  if (progress_ && (received_ & 0xffff) == 0) {
    // Checked every 65536 responses so the clock read stays off the hot path.
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    if (s - progress_last_s_ >= 1.0) {
      progress_last_s_ = s;
      std::fprintf(stderr, "\r%s: %llu/%zu responses (%.0f%%)", name(), (unsigned long long)received_,
                   trace_.records.size(), 100.0 * double(received_) / double(trace_.records.size()));
    }
  }
}

tlm::tlm_sync_enum MemTracePlayer::nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                                   sc_core::sc_time&) {
  if (phase == tlm::END_REQ) {
    waiting_end_req_ = false;
    stall_ps_ += double(ClockDomain::now_ps() - waiting_issue_ps_);
    issue_event_.notify(sc_core::SC_ZERO_TIME);
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::BEGIN_RESP) {
    on_response(gp);
    phase = tlm::END_RESP;
    return tlm::TLM_COMPLETED;
  }
  return tlm::TLM_ACCEPTED;
}

std::string MemTracePlayer::holdings() const {
  return "sent " + std::to_string(sent_) + " of " + std::to_string(trace_.records.size()) + ", received " +
         std::to_string(received_) + (waiting_end_req_ ? ", waiting for END_REQ" : "");
}

}  // namespace npusim
