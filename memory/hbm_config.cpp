#include "memory/hbm_config.hpp"

#include "memory/address_mapping.hpp"

namespace npusim::memory {

const Schema& HbmOrg::schema() {
  static const Schema s = [] {
    Schema s("hbm_org", "Organisation of the HBM system");
    SchemaBuilder<HbmOrg>(s)
        .param(&HbmOrg::stacks, "stacks", "", 4, "HBM stacks (cubes) on the package", {1, 64})
        .param(&HbmOrg::channels_per_stack, "channels_per_stack", "", 16,
               "Independent channels per stack (each with its own row and column command buses)", {1, 64})
        .param(&HbmOrg::pseudo_channels, "pseudo_channels", "", 2,
               "Pseudo-channels per channel: own banks and data bus, shared command buses", {1, 4})
        .param(&HbmOrg::bank_groups, "bank_groups", "", 4, "Bank groups per pseudo-channel", {1, 16})
        .param(&HbmOrg::banks_per_group, "banks_per_group", "", 4, "Banks per bank group", {1, 16})
        .param(&HbmOrg::rows, "rows", "", 32768, "Rows per bank", {16, 1 << 20})
        .param(&HbmOrg::columns, "columns", "", 256,
               "Column addresses per row; one column is dq_bits wide (row = columns x dq_bits)", {4, 8192})
        .param(&HbmOrg::dq_bits, "dq_bits", "bit", 32, "Data bus width of one pseudo-channel", {8, 256})
        .param(&HbmOrg::burst_length, "burst_length", "beat", 8, "Burst length (BL)", {1, 32});
    return s;
  }();
  return s;
}

const Schema& HbmTiming::schema() {
  static const Schema s = [] {
    Schema s("hbm_timing", "JEDEC timing in command-clock cycles (tCK)");
    const Range cyc{0, 1 << 16};
    SchemaBuilder<HbmTiming>(s)
        .param(&HbmTiming::tCK_ps, "tCK_ps", "ps", 625.0, "Command clock period", {100, 100000})
        .param(&HbmTiming::beats_per_clock, "beats_per_clock", "beat/tCK", 4,
               "Data beats per command clock on DQ (2: HBM2/2E; 4: HBM3/3E)", {1, 8})
        .param(&HbmTiming::nCL, "nCL", "tCK", 24, "Read latency: RD to first data", {1, 255})
        .param(&HbmTiming::nCWL, "nCWL", "tCK", 8, "Write latency: WR to first data", {0, 255})
        .param(&HbmTiming::nRCDRD, "nRCDRD", "tCK", 23, "ACT to RD, same bank", {1, 255})
        .param(&HbmTiming::nRCDWR, "nRCDWR", "tCK", 15, "ACT to WR, same bank", {1, 255})
        .param(&HbmTiming::nRP, "nRP", "tCK", 23, "PRE to ACT, same bank", {1, 255})
        .param(&HbmTiming::nRAS, "nRAS", "tCK", 53, "ACT to PRE, same bank", {1, 1023})
        .param(&HbmTiming::nRC, "nRC", "tCK", 76, "ACT to ACT, same bank", {1, 1023})
        .param(&HbmTiming::nWR, "nWR", "tCK", 26, "Write recovery: end of write data to PRE", {1, 255})
        .param(&HbmTiming::nRTP, "nRTP", "tCK", 8, "RD to PRE, same bank", {1, 255})
        .param(&HbmTiming::nCCDS, "nCCDS", "tCK", 2, "Column to column, different bank group", {1, 64})
        .param(&HbmTiming::nCCDL, "nCCDL", "tCK", 4, "Column to column, same bank group", {1, 64})
        .param(&HbmTiming::nRRDS, "nRRDS", "tCK", 4, "ACT to ACT, different bank group", {1, 255})
        .param(&HbmTiming::nRRDL, "nRRDL", "tCK", 6, "ACT to ACT, same bank group", {1, 255})
        .param(&HbmTiming::nFAW, "nFAW", "tCK", 26, "Four-activate window per pseudo-channel", {0, 1023})
        .param(&HbmTiming::nWTRS, "nWTRS", "tCK", 4,
               "End of write data to RD, different bank group", {0, 255})
        .param(&HbmTiming::nWTRL, "nWTRL", "tCK", 12, "End of write data to RD, same bank group", {0, 255})
        .param(&HbmTiming::nRTW, "nRTW", "tCK", 18,
               "RD to WR turnaround on a pseudo-channel (covers bus direction change)", {0, 255})
        .param(&HbmTiming::nREFI, "nREFI", "tCK", 6240, "All-bank refresh interval", cyc)
        .param(&HbmTiming::nRFC, "nRFC", "tCK", 560, "All-bank refresh cycle time", cyc)
        .param(&HbmTiming::nREFIpb, "nREFIpb", "tCK", 390,
               "Per-bank refresh interval (one REFpb per interval, banks in turn)", cyc)
        .param(&HbmTiming::nRFCpb, "nRFCpb", "tCK", 224, "Per-bank refresh cycle time", cyc)
        .param(&HbmTiming::nRREFD, "nRREFD", "tCK", 13,
               "REFpb to ACT or REFpb of another bank, same pseudo-channel", {0, 255});
    return s;
  }();
  return s;
}

const Schema& HbmController::schema() {
  static const Schema s = [] {
    Schema s("hbm_controller", "Memory controller policy (one controller per channel)");
    SchemaBuilder<HbmController>(s)
        .choice(&HbmController::page_policy, "page_policy", PagePolicyKind::Open,
                "open: rows stay open until a conflict or refresh; closed: every column command "
                "auto-precharges unless a queued request hits the same row")
        .choice(&HbmController::scheduler, "scheduler", SchedulerKind::FrFcfs,
                "frfcfs: row hits first, then oldest; fcfs: oldest request first")
        .choice(&HbmController::refresh, "refresh", RefreshMode::AllBank,
                "all_bank: REFab every nREFI; per_bank: REFpb every nREFIpb round-robin; off")
        .param(&HbmController::address_mapping, "address_mapping", "", std::string("ro_ba_co_bg_pc_ch"),
               "Address bits from MSB to LSB as field tokens (ro ba bg co pc ch st), '_'-separated; "
               "a token with a count (co3) takes that many low bits of the field. Or a named scheme.")
        .param(&HbmController::refresh_stagger, "refresh_stagger", "", false,
               "Spread refreshes of the pseudo-channels evenly over the interval instead of refreshing "
               "all at once. Staggering hides refresh from parallel requestors but, behind one in-order "
               "port, a refreshing pseudo-channel with a full queue blocks every other channel")
        .param(&HbmController::read_queue, "read_queue", "request", 32,
               "Read queue entries per pseudo-channel", {1, 1024})
        .param(&HbmController::write_queue, "write_queue", "request", 32,
               "Write queue entries per pseudo-channel", {1, 1024})
        .param(&HbmController::write_high_watermark, "write_high_watermark", "fraction", 0.75,
               "Start draining writes when the write queue is this full", {0.0, 1.0})
        .param(&HbmController::write_low_watermark, "write_low_watermark", "fraction", 0.25,
               "Stop draining writes (if reads wait) at this fill", {0.0, 1.0})
        .param(&HbmController::row_hit_cap, "row_hit_cap", "request", 16,
               "FR-FCFS starvation cap: row hits served ahead of an older request (0 = no cap)",
               {0, 1 << 20})
        .param(&HbmController::frontend_latency, "frontend_latency", "tCK", 4,
               "Request path from the port into the queues", {0, 1000})
        .param(&HbmController::backend_latency, "backend_latency", "tCK", 4,
               "Response path from the end of data to the port", {0, 1000});
    return s;
  }();
  return s;
}

const Schema& FastMemoryParams::schema() {
  static const Schema s = [] {
    Schema s("fast_memory", "Latency/bandwidth model used when fidelity = 'fast'");
    SchemaBuilder<FastMemoryParams>(s)
        .param(&FastMemoryParams::efficiency, "efficiency", "fraction", 0.92,
               "Sustained fraction of peak bandwidth per channel", {0.01, 1.0})
        .param(&FastMemoryParams::extra_latency_ns, "extra_latency_ns", "ns", 0.0,
               "Added to the unloaded latency derived from the timing (tRCD + CL + burst + paths)",
               {0, 1e6});
    return s;
  }();
  return s;
}

const Schema& MemoryConfig::schema() {
  static const Schema s = [] {
    Schema s("memory", "An HBM memory system");
    SchemaBuilder<MemoryConfig>(s)
        .param(&MemoryConfig::name, "name", "", std::string("hbm3"), "Name shown in tables and stats")
        .choice(&MemoryConfig::standard, "standard", DramStandard::HBM3, "DRAM standard family")
        .choice(&MemoryConfig::fidelity, "fidelity", MemoryFidelity::Cycle,
                "cycle: bank state machines and JEDEC timing; fast: latency + bandwidth queues")
        .param(&MemoryConfig::source, "source", "", std::string(""),
               "Where the numbers come from (V vendor, P paper, R report, E estimate)")
        .param(&MemoryConfig::protocol_checker, "protocol_checker", "", false,
               "Re-check every issued command against every timing rule; fail on the first violation")
        .group(&MemoryConfig::org, "org", "Organisation")
        .group(&MemoryConfig::timing, "timing", "Timing")
        .group(&MemoryConfig::controller, "controller", "Controller")
        .group(&MemoryConfig::fast, "fast", "Fast model");
    return s;
  }();
  return s;
}

double MemoryConfig::peak_bandwidth_gbps() const {
  // bytes per ns == GB/s
  return static_cast<double>(org.channels()) * org.pseudo_channels * (org.dq_bits / 8.0) *
         timing.beats_per_clock * 1000.0 / timing.tCK_ps;
}

static bool pow2(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

void MemoryConfig::validate(const std::string& path) const {
  auto need_pow2 = [&](int v, const char* key) {
    if (!pow2(v))
      throw ConfigError(join_path(path, key) + ": expected a power of two (address bits), got " +
                        std::to_string(v));
  };
  need_pow2(org.channels_per_stack, "org.channels_per_stack");
  // org.stacks may be any count: a non-power-of-two one interleaves by
  // modulo (AddressMapping).
  need_pow2(org.pseudo_channels, "org.pseudo_channels");
  need_pow2(org.bank_groups, "org.bank_groups");
  need_pow2(org.banks_per_group, "org.banks_per_group");
  need_pow2(org.rows, "org.rows");
  need_pow2(org.columns, "org.columns");
  need_pow2(org.dq_bits, "org.dq_bits");
  need_pow2(org.burst_length, "org.burst_length");
  if (org.burst_length % timing.beats_per_clock != 0)
    throw ConfigError(join_path(path, "org.burst_length") + ": expected a multiple of timing.beats_per_clock (" +
                      std::to_string(timing.beats_per_clock) + "), got " + std::to_string(org.burst_length));
  if (org.columns < org.burst_length)
    throw ConfigError(join_path(path, "org.columns") + ": expected >= org.burst_length, got " +
                      std::to_string(org.columns));
  if (controller.write_low_watermark >= controller.write_high_watermark)
    throw ConfigError(join_path(path, "controller.write_low_watermark") +
                      ": expected less than write_high_watermark (" +
                      std::to_string(controller.write_high_watermark) + ")");
  if (timing.nRC < timing.nRAS)
    throw ConfigError(join_path(path, "timing.nRC") + ": expected >= nRAS (" + std::to_string(timing.nRAS) + ")");
  if (controller.refresh == RefreshMode::AllBank && timing.nREFI <= timing.nRFC)
    throw ConfigError(join_path(path, "timing.nREFI") + ": expected > nRFC (" + std::to_string(timing.nRFC) +
                      ") when refresh is all_bank");
  if (controller.refresh == RefreshMode::PerBank && timing.nREFIpb <= timing.nRREFD)
    throw ConfigError(join_path(path, "timing.nREFIpb") + ": expected > nRREFD when refresh is per_bank");
  // Throws ConfigError naming controller.address_mapping if malformed.
  AddressMapping::build(org, controller.address_mapping, join_path(path, "controller.address_mapping"));
}

MemoryConfig memory_config_from_json(const json& j, const std::string& path) {
  MemoryConfig c = from_json<MemoryConfig>(j, path);
  c.validate(path);
  return c;
}

}  // namespace npusim::memory
