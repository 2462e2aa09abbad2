#include "memory/fast_memory.hpp"

#include <algorithm>
#include <cmath>

namespace npusim::memory {

FastMemory::FastMemory(sc_core::sc_module_name name, const MemoryConfig& cfg, stats::Group& parent)
    : MemoryModel(name, cfg, parent),
      map_(AddressMapping::build(cfg.org, cfg.controller.address_mapping, "memory.controller.address_mapping")) {
  free_at_.assign(size_t(cfg.org.channels()), 0.0);
  // A channel's pseudo-channels share the load: per-channel service time is
  // one burst over all its pseudo-channels' data buses.
  const double bl = cfg.timing.nBL(cfg.org);
  burst_cycles_ = bl / cfg.org.pseudo_channels / cfg.fast.efficiency;
  const double extra = cfg.fast.extra_latency_ns * 1000.0 / cfg.timing.tCK_ps;
  latency_ = uint64_t(cfg.controller.frontend_latency + cfg.timing.nRCDRD + cfg.timing.nCL + bl +
                      cfg.controller.backend_latency + std::ceil(extra));
}

bool FastMemory::try_accept(tlm::tlm_generic_payload& gp, uint64_t first_burst, uint32_t bursts, uint64_t now) {
  const uint32_t bb = cfg_.org.burst_bytes();
  double done = 0;
  for (uint32_t i = 0; i < bursts; ++i) {
    const DramAddr a = map_.decode((first_burst + i) * bb);
    double& f = free_at_[a.channel];
    f = std::max(f, double(now)) + burst_cycles_;
    done = std::max(done, f);
  }
  bursts_ += bursts;
  complete(&gp, uint64_t(std::ceil(done)) + latency_);
  return true;
}

std::string FastMemory::holdings() const { return std::to_string(outstanding()) + " transactions in flight"; }

}  // namespace npusim::memory
