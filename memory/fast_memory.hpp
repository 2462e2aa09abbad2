// Latency + bandwidth model of the same memory, behind the same TLM target:
// each channel is a server that moves a burst in burst_bytes / (channel peak x
// efficiency) and adds the unloaded latency the timing implies. No banks, no
// refresh, no back-pressure: for studies where HBM is not the question.
#pragma once
#include <vector>

#include "memory/address_mapping.hpp"
#include "memory/memory_model.hpp"

namespace npusim::memory {

class FastMemory : public MemoryModel {
 public:
  FastMemory(sc_core::sc_module_name name, const MemoryConfig& cfg, stats::Group& parent);
  uint64_t dram_bytes() const override { return bursts_ * cfg_.org.burst_bytes(); }
  double row_hit_rate() const override { return 0.0; }  // not modelled
  std::string holdings() const override;
  // Unloaded latency in cycles: frontend + tRCD + CL + burst + backend (+ extra).
  uint64_t unloaded_latency_cycles() const { return latency_; }

 protected:
  bool try_accept(tlm::tlm_generic_payload& gp, uint64_t first_burst, uint32_t bursts, uint64_t now) override;
  uint64_t service(uint64_t) override { return UINT64_MAX; }

 private:
  AddressMapping map_;
  std::vector<double> free_at_;  // per channel, in cycles (fractional: exact rate)
  double burst_cycles_;
  uint64_t latency_, bursts_ = 0;
};

}  // namespace npusim::memory
