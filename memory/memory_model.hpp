// What every memory model shares: a TLM-2.0 AT target socket with real
// back-pressure (END_REQ is withheld while the model cannot take a request),
// ordered response delivery honouring END_RESP, transaction stats, and one
// self-scheduled SC_METHOD that runs only when the model has work.
// HbmSystem (cycle level) and FastMemory (latency + bandwidth) fill in how a
// request is accepted and served.
#pragma once
#include <cstdint>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "memory/hbm_config.hpp"
#include "sim/clock_domain.hpp"
#include "sim/stats.hpp"
#include "sim/wakeup.hpp"
#include "sim/watchdog.hpp"

namespace npusim::memory {

class MemoryModel : public sc_core::sc_module, public Watched {
 public:
  tlm_utils::simple_target_socket<MemoryModel> socket;

  SC_HAS_PROCESS(MemoryModel);
  MemoryModel(sc_core::sc_module_name name, const MemoryConfig& cfg, stats::Group& parent);

  const MemoryConfig& config() const { return cfg_; }
  const ClockDomain& clock() const { return clk_; }
  void set_watchdog(Watchdog* w) { watchdog_ = w; }
  // Time the last response left the model (ps).
  uint64_t last_response_ps() const { return last_response_ps_; }
  uint64_t accepted() const { return accepted_; }
  uint64_t responded() const { return responded_; }
  double bytes_completed() const { return bytes_read_.value() + bytes_written_.value(); }
  // Bytes moved on the DRAM side (bursts x burst size).
  virtual uint64_t dram_bytes() const = 0;
  // Fraction of column accesses that found their row open (cycle model).
  virtual double row_hit_rate() const = 0;
  // Folds per-channel stats into the summary scalars once the run is over.
  virtual void finish() {}

  // Watched
  std::string watch_name() const override { return name(); }
  uint64_t outstanding() const override { return accepted_ - responded_ + (pending_ ? 1 : 0); }
  uint64_t progress() const override { return progress_; }

 protected:
  // Takes the request if there is room; `now` in cycles of clock().
  virtual bool try_accept(tlm::tlm_generic_payload& gp, uint64_t first_burst, uint32_t bursts, uint64_t now) = 0;
  // Does the work due at `now`; returns the next cycle with work or kNoWake.
  virtual uint64_t service(uint64_t now) = 0;
  // A transaction's data is done; its response leaves at `cycle`.
  void complete(tlm::tlm_generic_payload* gp, uint64_t cycle);
  void wake_at(uint64_t cycle);
  void note_progress() { ++progress_; }

  const MemoryConfig cfg_;
  ClockDomain clk_;
  Wakeup wake_{clk_};
  stats::Group stats_;

 private:
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase, sc_core::sc_time& t);
  bool accept(tlm::tlm_generic_payload& gp, uint64_t now);
  void run();
  void send_responses(uint64_t now);

  struct Response {
    uint64_t cycle, seq;
    tlm::tlm_generic_payload* gp;
    bool operator>(const Response& o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
  };
  std::priority_queue<Response, std::vector<Response>, std::greater<Response>> responses_;
  tlm::tlm_generic_payload* pending_ = nullptr;  // BEGIN_REQ not yet answered with END_REQ
  tlm::tlm_generic_payload* resp_in_flight_ = nullptr;  // BEGIN_RESP awaiting END_RESP
  uint64_t resp_seq_ = 0, accepted_ = 0, responded_ = 0, progress_ = 0, last_response_ps_ = 0;
  Watchdog* watchdog_ = nullptr;
  const uint64_t capacity_;
  const uint32_t burst_bytes_;

 protected:
  stats::Scalar reads_, writes_, bytes_read_, bytes_written_, backpressure_;
  stats::Distribution read_latency_, write_latency_;
};

}  // namespace npusim::memory
