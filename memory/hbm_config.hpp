// Parameters of an HBM memory system: organisation, JEDEC timing (in
// command-clock cycles), controller policy and the fast model. Declared once
// here; Python's npusim.memory objects are built from these schemas.
#pragma once
#include <cstdint>
#include <string>

#include "sim/params.hpp"

namespace npusim::memory {

NPUSIM_ENUM(DramStandard, (HBM2, "HBM2"), (HBM2E, "HBM2E"), (HBM3, "HBM3"), (HBM3E, "HBM3E"), (HBM4, "HBM4"),
            (Custom, "custom"));
NPUSIM_ENUM(MemoryFidelity, (Cycle, "cycle"), (Fast, "fast"));
NPUSIM_ENUM(PagePolicyKind, (Open, "open"), (Closed, "closed"));
NPUSIM_ENUM(SchedulerKind, (FrFcfs, "frfcfs"), (Fcfs, "fcfs"));
NPUSIM_ENUM(RefreshMode, (AllBank, "all_bank"), (PerBank, "per_bank"), (Off, "off"));

struct HbmOrg {
  int stacks, channels_per_stack, pseudo_channels, bank_groups, banks_per_group;
  int rows, columns, dq_bits, burst_length;
  static const Schema& schema();

  int channels() const { return stacks * channels_per_stack; }
  int banks_per_pc() const { return bank_groups * banks_per_group; }
  // Bytes moved by one burst on one pseudo-channel (the access granularity).
  uint32_t burst_bytes() const { return static_cast<uint32_t>(dq_bits / 8 * burst_length); }
  uint64_t row_bytes() const { return static_cast<uint64_t>(columns) * dq_bits / 8; }
  uint64_t capacity_bytes() const {
    return static_cast<uint64_t>(channels()) * pseudo_channels * banks_per_pc() * rows * row_bytes();
  }
};

// All timings in cycles of the command clock (tCK), as JEDEC tables and
// Ramulator/DRAMSim3 presets give them.
struct HbmTiming {
  double tCK_ps;
  int beats_per_clock;  // data beats per tCK on DQ: 2 (HBM2/2E), 4 (HBM3/3E)
  int nCL, nCWL, nRCDRD, nRCDWR, nRP, nRAS, nRC, nWR, nRTP;
  int nCCDS, nCCDL, nRRDS, nRRDL, nFAW, nWTRS, nWTRL, nRTW;
  int nREFI, nRFC, nREFIpb, nRFCpb, nRREFD;
  static const Schema& schema();

  // Cycles one burst occupies the pseudo-channel data bus.
  int nBL(const HbmOrg& o) const { return o.burst_length / beats_per_clock; }
  double data_rate_gbps() const { return beats_per_clock * 1000.0 / tCK_ps; }
};

struct HbmController {
  PagePolicyKind page_policy;
  SchedulerKind scheduler;
  RefreshMode refresh;
  std::string address_mapping;
  int read_queue, write_queue, row_hit_cap, frontend_latency, backend_latency;
  bool refresh_stagger;
  double write_high_watermark, write_low_watermark;
  static const Schema& schema();
};

struct FastMemoryParams {
  double efficiency, extra_latency_ns;
  static const Schema& schema();
};

struct MemoryConfig {
  std::string name;
  DramStandard standard;
  MemoryFidelity fidelity;
  std::string source;
  bool protocol_checker;
  HbmOrg org;
  HbmTiming timing;
  HbmController controller;
  FastMemoryParams fast;
  static const Schema& schema();

  // Theoretical peak: channels x pseudo-channels x width x data rate (GB/s).
  double peak_bandwidth_gbps() const;
  // Checks relations between parameters that single ranges cannot express
  // (BL divisible by beats per clock, powers of two, watermarks ordered...).
  // `path` prefixes key paths in errors.
  void validate(const std::string& path) const;
};

// Parses and validates a memory config object (over the declared defaults).
MemoryConfig memory_config_from_json(const json& j, const std::string& path);

}  // namespace npusim::memory
