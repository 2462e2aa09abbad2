#include "memory/hbm_presets.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "memory/hbm_config.hpp"

namespace npusim::memory {

namespace {

// Organisation per standard (JEDEC, V; see ../shared/reference/hardware.md).
struct OrgRow {
  DramStandard standard;
  int channels_per_stack, pseudo_channels, bank_groups, banks_per_group, columns, dq_bits, burst_length;
  int beats_per_clock;
};
constexpr OrgRow kOrgs[] = {
    // HBM2/2E pseudo-channel mode: 16 x 64-bit per stack, BL4, DDR; 1 KB page.
    {DramStandard::HBM2, 8, 2, 4, 4, 128, 64, 4, 2},
    {DramStandard::HBM2E, 8, 2, 4, 4, 128, 64, 4, 2},
    // HBM3/3E: 16 channels x 2 pseudo-channels x 32 bit, BL8, 4 beats per CK; 1 KB page.
    {DramStandard::HBM3, 16, 2, 4, 4, 256, 32, 8, 4},
    {DramStandard::HBM3E, 16, 2, 4, 4, 256, 32, 8, 4},
    // HBM4: 32 channels x 2 pseudo-channels x 32 bit (2048-bit stack).
    {DramStandard::HBM4, 32, 2, 4, 4, 256, 32, 8, 4},
};

// Core timings in ns (E: typical JEDEC-class values; HBM2 from DRAMSim3's
// HBM2_8Gb_x128.ini at tCK = 1 ns). Column/bank-group spacing in tCK.
struct TimingRow {
  DramStandard standard;
  double CL, RCDRD, RCDWR, RP, RAS, WR, RTP, RRDS, RRDL, FAW, WTRS, WTRL, REFI, RFC, REFIpb, RFCpb, RREFD;
  int CWL, CCDS, CCDL;
};
constexpr TimingRow kTimings[] = {
    {DramStandard::HBM2, 14, 14, 14, 14, 34, 16, 6, 4, 6, 30, 6, 8, 3900, 260, 243.75, 160, 8, 4, 1, 2},
    {DramStandard::HBM2E, 14, 14, 14, 14, 33, 16, 6, 4, 6, 30, 6, 8, 3900, 350, 243.75, 160, 8, 4, 1, 2},
    {DramStandard::HBM3, 15, 14, 10, 14, 33, 16, 5, 2.5, 3.75, 16, 2.5, 7.5, 3900, 350, 243.75, 160, 8, 8, 2, 4},
    {DramStandard::HBM3E, 15, 14, 10, 14, 33, 16, 5, 2.5, 3.75, 16, 2.5, 7.5, 3900, 350, 243.75, 160, 8, 10, 2, 4},
    {DramStandard::HBM4, 15, 14, 10, 14, 33, 16, 5, 2.5, 3.75, 16, 2.5, 7.5, 3900, 350, 243.75, 160, 8, 10, 2, 4},
};

// A memory system: a standard at a data rate, a number of stacks, a capacity.
struct SystemRow {
  const char* name;
  DramStandard standard;
  double gbps_per_pin;
  int stacks;
  int rows;  // rows per bank, sized to the capacity (rounded to a power of two)
  const char* source;
};
constexpr SystemRow kSystems[] = {
    {"hbm2", DramStandard::HBM2, 2.0, 1, 32768,
     "V: JEDEC HBM2, 2.0 Gb/s, 8 GB stack (256 GB/s). Timing: DRAMSim3 HBM2_8Gb_x128.ini"},
    {"hbm2e", DramStandard::HBM2E, 3.2, 1, 65536,
     "V: JEDEC HBM2E, 3.2 Gb/s, 16 GB stack (410 GB/s). E: timing in ns as HBM2"},
    {"hbm3", DramStandard::HBM3, 6.4, 1, 32768,
     "V: JEDEC HBM3, 6.4 Gb/s, 16 GB stack (819 GB/s). E: timing typical JEDEC-class"},
    {"hbm3e", DramStandard::HBM3E, 9.6, 1, 32768,
     "V: HBM3E 9.6 Gb/s per pin (1.23 TB/s per stack; reference range 8-9.8). E: timing as HBM3 in ns"},
    {"ascend_910b", DramStandard::HBM2E, 3.2, 4, 65536,
     "R: Ascend 910B, 64 GB HBM2e, 1.6 TB/s (reference/hardware.md). E: 4 stacks x 3.2 Gb/s = 1.64 TB/s"},
    {"ascend_910c", DramStandard::HBM2E, 3.2, 8, 65536,
     "V/P: Ascend 910C, 128 GB, 3.2 TB/s (2 dies). E: 8 HBM2E stacks x 3.2 Gb/s = 3.28 TB/s"},
    {"ascend_950pr", DramStandard::HBM3, 3.2, 4, 65536,
     "V/R: Ascend 950PR, HiBL 1.0, 128 GB, 1.6 TB/s. E: HiBL organisation not public; modelled as 4 "
     "HBM3-class stacks at 3.2 Gb/s = 1.64 TB/s"},
    {"ascend_950dt", DramStandard::HBM3E, 7.8, 4, 65536,
     "V/R: Ascend 950DT, HiZQ 2.0, 144 GB, 4 TB/s. E: 4 HBM3E-class stacks at 7.8 Gb/s = 3.99 TB/s "
     "(capacity modelled as 128 GB: rows are a power of two)"},
    {"ascend_960", DramStandard::HBM3E, 7.8, 8, 65536,
     "V/R: Ascend 960, 288 GB; bandwidth unknown. E: '2x 950' = ~8 TB/s: 8 HBM3E-class stacks at "
     "7.8 Gb/s = 7.99 TB/s (9.6 TB/s circulates unsourced)"},
    {"ascend_970", DramStandard::HBM4, 7.04, 8, 32768,
     "V/R: Ascend 970, 288 GB, 14.4 TB/s. E: 8 HBM4-class 2048-bit stacks at 7.04 Gb/s = 14.4 TB/s"},
    {"nvidia_h100", DramStandard::HBM3, 5.23, 5, 32768,
     "V: H100 SXM5, 80 GB HBM3, 3.35 TB/s on 5 active stacks (5120-bit bus). E: 5 stacks x 5.23 Gb/s = "
     "3.35 TB/s, 16 GB each; stacks interleave by modulo"},
    {"nvidia_b200", DramStandard::HBM3E, 8.0, 8, 32768, "V: B200, 180 GB HBM3e, 8 TB/s. E: 8 stacks x 8.0 Gb/s = 8.19 TB/s"},
    {"nvidia_gb300", DramStandard::HBM3E, 8.0, 8, 65536,
     "V: GB300, 288 GB HBM3e, 8 TB/s. E: 8 stacks x 8.0 Gb/s = 8.19 TB/s"},
};

int cycles(double ns, double tck_ns) { return std::max(1, int(std::ceil(ns / tck_ns - 1e-9))); }

json build(const SystemRow& s) {
  const OrgRow* o = nullptr;
  const TimingRow* t = nullptr;
  for (const auto& r : kOrgs)
    if (r.standard == s.standard) o = &r;
  for (const auto& r : kTimings)
    if (r.standard == s.standard) t = &r;
  const double tck_ns = o->beats_per_clock / s.gbps_per_pin;  // beats per CK / beats per ns
  const int bl_cycles = o->burst_length / o->beats_per_clock;
  const int cl = cycles(t->CL, tck_ns);
  json timing = {
      {"tCK_ps", std::round(tck_ns * 1e5) / 100.0},
      {"beats_per_clock", o->beats_per_clock},
      {"nCL", cl},
      {"nCWL", t->CWL},
      {"nRCDRD", cycles(t->RCDRD, tck_ns)},
      {"nRCDWR", cycles(t->RCDWR, tck_ns)},
      {"nRP", cycles(t->RP, tck_ns)},
      {"nRAS", cycles(t->RAS, tck_ns)},
      {"nRC", cycles(t->RAS, tck_ns) + cycles(t->RP, tck_ns)},
      {"nWR", cycles(t->WR, tck_ns)},
      {"nRTP", cycles(t->RTP, tck_ns)},
      {"nCCDS", t->CCDS},
      {"nCCDL", t->CCDL},
      {"nRRDS", cycles(t->RRDS, tck_ns)},
      {"nRRDL", cycles(t->RRDL, tck_ns)},
      {"nFAW", cycles(t->FAW, tck_ns)},
      {"nWTRS", cycles(t->WTRS, tck_ns)},
      {"nWTRL", cycles(t->WTRL, tck_ns)},
      // Read-to-write turnaround: read data must clear the bus before write
      // data starts, plus two cycles of bus turnaround.
      {"nRTW", std::max(1, cl + bl_cycles + 2 - t->CWL)},
      {"nREFI", cycles(t->REFI, tck_ns)},
      {"nRFC", cycles(t->RFC, tck_ns)},
      {"nREFIpb", cycles(t->REFIpb, tck_ns)},
      {"nRFCpb", cycles(t->RFCpb, tck_ns)},
      {"nRREFD", cycles(t->RREFD, tck_ns)},
  };
  json org = {
      {"stacks", s.stacks},         {"channels_per_stack", o->channels_per_stack},
      {"pseudo_channels", o->pseudo_channels}, {"bank_groups", o->bank_groups},
      {"banks_per_group", o->banks_per_group}, {"rows", s.rows},
      {"columns", o->columns},      {"dq_bits", o->dq_bits},
      {"burst_length", o->burst_length},
  };
  json j = {{"name", s.name}, {"standard", to_string(s.standard)}, {"source", s.source}, {"org", org}, {"timing", timing}};
  // A chip's memory sits behind an L2 that interleaves tens of concurrent
  // streams (one or more per core). Its controllers hash banks with row bits
  // and queue deeper than the JEDEC-part presets' defaults: the deeper
  // queues also stand in for the per-channel request buffers upstream of the
  // controllers, which a single TLM socket lacks (without them one full
  // pseudo-channel queue blocks every other channel). Measured on
  // ascend_950pr, 32 cores streaming 512 B lines: 37% of peak with
  // channel_interleaved and 32/64 entries, 72% with the xor hash and 128,
  // 80% with 256.
  const std::string n = s.name;
  if (n.rfind("ascend_", 0) == 0 || n.rfind("nvidia_", 0) == 0) {
    j["controller"] = {{"address_mapping", "channel_interleaved_xor"}, {"read_queue", 256}, {"write_queue", 256}};
    j["source"] = std::string(s.source) +
                  ". E: controller behind an L2 (bank XOR row hashing, 256-burst read/write queues), not published";
  }
  // Fill everything else from the declared defaults, and validate.
  MemoryConfig c = memory_config_from_json(j, std::string("preset ") + s.name);
  return to_json(c);
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::vector<std::string> memory_preset_names() {
  std::vector<std::string> v;
  for (const auto& s : kSystems) v.push_back(s.name);
  return v;
}

json memory_preset(const std::string& name) {
  const std::string want = lower(name);
  for (const auto& s : kSystems)
    if (want == s.name) return build(s);
  // A unique suffix after '_' also names a preset: "950dt" -> ascend_950dt.
  const SystemRow* only = nullptr;
  int matches = 0;
  for (const auto& s : kSystems) {
    const std::string n = s.name;
    if (n.size() > want.size() && n.compare(n.size() - want.size(), want.size(), want) == 0 &&
        n[n.size() - want.size() - 1] == '_') {
      only = &s;
      ++matches;
    }
  }
  if (matches == 1) return build(*only);
  std::string valid;
  for (const auto& s : kSystems) valid += (valid.empty() ? "" : ", ") + std::string(s.name);
  throw ConfigError("unknown memory preset '" + name + "'; expected one of: " + valid +
                    " (or a .json / DRAMSim3 .ini file)");
}

}  // namespace npusim::memory
