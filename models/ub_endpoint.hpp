// What a chip's UB port ends in until the fabric model is attached: a TLM-2.0
// AT target that either loops requests back (each answered latency_ns after
// it was serialised through the port at its bandwidth, FIFO) or only counts
// them (answered at once). Either way it counts requests and bytes per
// direction, so a kernel's remote traffic is visible in the stats.
#pragma once
#include <cstdint>
#include <deque>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "sim/stats.hpp"

namespace npusim {

class UbEndpoint : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<UbEndpoint> socket;

  SC_HAS_PROCESS(UbEndpoint);
  // bandwidth_gbps: bytes per ns through the port (each direction);
  // loopback false = count only.
  UbEndpoint(sc_core::sc_module_name name, double bandwidth_gbps, double latency_ns, bool loopback,
             stats::Group& parent);

  uint64_t requests() const { return requests_; }
  uint64_t responded() const { return responded_; }
  double bytes() const { return read_bytes_.value() + write_bytes_.value(); }

 private:
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase, sc_core::sc_time& t);
  void respond();

  struct Pending {
    uint64_t due_ps;
    tlm::tlm_generic_payload* gp;
  };
  const double ps_per_byte_, latency_ps_;
  const bool loopback_;
  std::deque<Pending> pending_;  // due times never decrease (FIFO port)
  uint64_t port_free_ps_ = 0, requests_ = 0, responded_ = 0;
  tlm::tlm_generic_payload* in_resp_ = nullptr;  // BEGIN_RESP awaiting END_RESP
  sc_core::sc_event wake_;
  stats::Group stats_;
  stats::Scalar requests_stat_, read_bytes_, write_bytes_;
};

}  // namespace npusim
