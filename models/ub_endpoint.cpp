#include "models/ub_endpoint.hpp"

#include <algorithm>
#include <cmath>

#include "sim/clock_domain.hpp"
#include "sim/errors.hpp"

namespace npusim {

UbEndpoint::UbEndpoint(sc_core::sc_module_name name, double bandwidth_gbps, double latency_ns, bool loopback,
                       stats::Group& parent)
    : sc_core::sc_module(name),
      socket("socket"),
      ps_per_byte_(bandwidth_gbps > 0 ? 1000.0 / bandwidth_gbps : 0.0),
      latency_ps_(latency_ns * 1000.0),
      loopback_(loopback),
      stats_(&parent, std::string(static_cast<const char*>(name))),
      requests_stat_(stats_, "requests", "Requests that reached the UB port's endpoint", "count"),
      read_bytes_(stats_, "read_bytes", "Bytes read from remote memory through the UB port", "byte"),
      write_bytes_(stats_, "write_bytes", "Bytes written to remote memory through the UB port", "byte") {
  if (loopback && !(bandwidth_gbps > 0))
    throw ConfigError("chip.ub_bandwidth_gbps: a loopback UB port needs a bandwidth > 0, got " +
                      std::to_string(bandwidth_gbps));
  socket.register_nb_transport_fw(this, &UbEndpoint::nb_transport_fw);
  SC_METHOD(respond);
  sensitive << wake_;
  dont_initialize();
}

tlm::tlm_sync_enum UbEndpoint::nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                               sc_core::sc_time&) {
  if (phase == tlm::END_RESP) {
    in_resp_ = nullptr;
    wake_.notify(sc_core::SC_ZERO_TIME);
    return tlm::TLM_COMPLETED;
  }
  if (phase != tlm::BEGIN_REQ) return tlm::TLM_ACCEPTED;
  const uint64_t now = ClockDomain::now_ps();
  const uint64_t len = gp.get_data_length();
  ++requests_;
  requests_stat_ += 1;
  (gp.is_write() ? write_bytes_ : read_bytes_) += double(len);
  uint64_t due = now;
  if (loopback_) {
    const uint64_t start = std::max(now, port_free_ps_);
    port_free_ps_ = start + uint64_t(std::llround(double(len) * ps_per_byte_));
    due = port_free_ps_ + uint64_t(std::llround(latency_ps_));
  }
  gp.acquire();
  pending_.push_back(Pending{due, &gp});
  if (pending_.size() == 1) wake_.notify(ClockDomain::ps_time(due - now));
  phase = tlm::END_REQ;  // always room: the endpoint stands in for a whole fabric
  return tlm::TLM_UPDATED;
}

void UbEndpoint::respond() {
  const uint64_t now = ClockDomain::now_ps();
  while (!in_resp_ && !pending_.empty() && pending_.front().due_ps <= now) {
    tlm::tlm_generic_payload* gp = pending_.front().gp;
    pending_.pop_front();
    gp->set_response_status(tlm::TLM_OK_RESPONSE);
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    ++responded_;
    in_resp_ = gp;
    const tlm::tlm_sync_enum s = socket->nb_transport_bw(*gp, phase, t);
    if (s == tlm::TLM_COMPLETED || phase == tlm::END_RESP) in_resp_ = nullptr;
    gp->release();
  }
  if (!in_resp_ && !pending_.empty()) wake_.notify(ClockDomain::ps_time(pending_.front().due_ps - now));
}

}  // namespace npusim
