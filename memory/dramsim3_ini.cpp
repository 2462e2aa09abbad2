#include "memory/dramsim3_ini.hpp"

#include "memory/dramsim3_ini_file.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string_view>
#include <vector>

#include "memory/hbm_config.hpp"
#include "sim/errors.hpp"
#include "sim/line_reader.hpp"

// How a DRAMSim3 HBM device maps onto our schema, and where this reader
// departs from DRAMSim3 (src/configuration.cc, src/timing.cc):
//
//  * Organisation. DRAMSim3 doubles `columns` for HBM ("each column is
//    device_width * 2 (prefetch)"), so one of its .ini columns is two of our
//    dq_bits-wide columns: org.columns = 2 * columns. A channel is `bus_width`
//    bits wide (bus_width / device_width devices per rank): org.dq_bits =
//    bus_width, one pseudo-channel, one stack of `channels` channels.
//  * Ranks. DRAMSim3 derives ranks = channel_size / (MB per rank). npusim has
//    no ranks: two or more ranks is an error. A channel_size below one rank
//    is what DRAMSim3 replaces (with a warning) by one rank; we do the same
//    and record it in `source`.
//  * Latencies. RL = AL + CL and WL = AL + CWL become nCL and nCWL; RD to PRE
//    is AL + tRTP. ACT to RD/WR are tRCDRD/tRCDWR (DRAMSim3 ignores tRCD for
//    HBM). nRC = tRAS + tRP, as DRAMSim3 derives it. RD to WR is DRAMSim3's
//    read_to_write = RL + burst_cycle - WL + tRTRS, i.e. CL + BL/2 - CWL +
//    tRTRS (tRTRS defaults to 2 there and here). With one bank group DRAMSim3
//    uses the _S values of tCCD, tWTR and tRRD for the _L ones; so do we.
//  * tRTP. DRAMSim3 reads only `tRTP` (default 5) although its HBM files give
//    tRTP_L and tRTP_S; we use tRTP if present, else max(tRTP_L, tRTP_S)
//    (RD to PRE of the same bank is a same-bank-group spacing) and say so in
//    `source`.
//  * Refresh. RANK_LEVEL_* policies -> all_bank (REFab every tREFI),
//    BANK_LEVEL_STAGGERED -> per_bank (tREFIb, tRFCb required). Without
//    tREFIb / tRFCb (DRAMSim3 would silently use 1950 / 20 cycles) we derive
//    nREFIpb = tREFI / banks and nRFCpb = tRFC / 2; without tRREFD (read by
//    older DRAMSim3 versions) nRREFD = tRRD_S. Derived values are listed in
//    `source`.
//  * Controller. trans_queue_size -> read_queue and write_queue (DRAMSim3 has
//    one transaction queue of that size for reads and one for writes);
//    row_buf_policy -> page_policy; address_mapping "rorabgbachco" (2-char
//    fields, MSB to LSB) -> "ro_bg_ba_ch_co" with `ra` dropped.
//  * Strictness. DRAMSim3 falls back to a default for a missing or garbled
//    value; we require the values that define the device and reject anything
//    malformed, naming file:line.
//  * standard = "HBM2" for both HBM and HBM2: DRAMSim3 models the two the
//    same way (legacy-mode channels, BL2/BL4, bank groups) and our schema has
//    no first-generation HBM; its own HBM2 files say `protocol = HBM`.

namespace npusim::memory {
namespace {

namespace fs = std::filesystem;
using namespace dramsim3;

class Converter {
 public:
  explicit Converter(const IniFile& ini) : ini_(ini) {}

  json run() {
    const std::string file_name = fs::path(ini_.path()).filename().string();
    std::string stem = fs::path(ini_.path()).stem().string();
    j_ = json::object();
    j_["name"] = stem.empty() ? std::string("dramsim3") : stem;
    j_["standard"] = "HBM2";
    j_["fidelity"] = "cycle";
    j_["protocol_checker"] = false;

    structure();
    system();
    timing();
    refresh();
    controller();
    validate();
    check_ranks();

    std::string source = "DRAMSim3 ini " + file_name;
    if (!notes_.empty()) source += "; " + join(notes_, "; ");
    j_["source"] = source;
    return j_;
  }

 private:
  // DRAMSim3's BANK_LEVEL_STAGGERED refreshes per bank; its other policies all banks at once.
  bool per_bank_refresh() const {
    const Entry* e = opt("system", "refresh_policy");
    return e && e->value == "BANK_LEVEL_STAGGERED";
  }
  // The bank organisation after bankgroup_enable (off: one group of all banks).
  int64_t bank_groups_ = 0, banks_per_group_ = 0;

  // [dram_structure]: the device and its bank organisation.
  void structure() {
    const Entry& proto = req("dram_structure", "protocol");
    if (proto.value != "HBM" && proto.value != "HBM2")
      ini_.fail_at(proto, "protocol " + proto.value + " is not supported by this reader",
                   "HBM or HBM2: only DRAMSim3's HBM devices can be converted");
    const Entry& bg_e = req("dram_structure", "bankgroups");
    const Entry& bpg_e = req("dram_structure", "banks_per_group");
    const Entry& rows_e = req("dram_structure", "rows");
    const Entry& cols_e = req("dram_structure", "columns");
    const Entry& dw_e = req("dram_structure", "device_width");
    const Entry& bl_e = req("dram_structure", "BL");
    const Entry* bge_e = opt("dram_structure", "bankgroup_enable");
    for (const Entry* e : {&bg_e, &bpg_e, &rows_e, &cols_e, &dw_e}) positive(*e);
    if (bl_e.u == 0)
      ini_.fail_at(bl_e, "BL = 0 (DRAMSim3's perfect-bandwidth mode) cannot be converted",
                   "the burst length, e.g. 4");
    bank_groups_ = num(bg_e);
    banks_per_group_ = num(bpg_e);
    if (bge_e && !bge_e->b) {  // DRAMSim3 folds all banks into one group
      banks_per_group_ *= bank_groups_;
      bank_groups_ = 1;
    }
    if (const Entry* dual = opt("dram_structure", "hbm_dual_cmd"); dual && !dual->b)
      notes_.push_back("hbm_dual_cmd = false not modelled (separate row and column command buses)");
  }

  // [system]: channels and data bus, then the org block of the JSON.
  void system() {
    const Entry& bg_e = req("dram_structure", "bankgroups");
    const Entry& bpg_e = req("dram_structure", "banks_per_group");
    const Entry& rows_e = req("dram_structure", "rows");
    const Entry& cols_e = req("dram_structure", "columns");
    const Entry& dw_e = req("dram_structure", "device_width");
    const Entry& bl_e = req("dram_structure", "BL");
    const Entry* bge_e = opt("dram_structure", "bankgroup_enable");
    const Entry& channels_e = req("system", "channels");
    const Entry& bus_e = req("system", "bus_width");
    req("system", "channel_size");  // checked against the rank size in check_ranks()
    positive(channels_e);
    positive(bus_e);
    if (bus_e.u < dw_e.u || bus_e.u % dw_e.u != 0)
      ini_.fail_at(bus_e, "bus_width is not a multiple of device_width (" + std::to_string(dw_e.u) + ")",
                   "a multiple of device_width: DRAMSim3 puts bus_width / device_width devices in a rank");

    put("org", "stacks", 1, {});
    put("org", "channels_per_stack", num(channels_e), {&channels_e});
    put("org", "pseudo_channels", 1, {});
    put("org", "bank_groups", bank_groups_, {&bg_e, bge_e});
    put("org", "banks_per_group", banks_per_group_, {&bpg_e, bge_e});
    put("org", "rows", num(rows_e), {&rows_e});
    put("org", "columns", 2 * num(cols_e), {&cols_e});  // DRAMSim3: HBM columns *= 2
    put("org", "dq_bits", num(bus_e), {&bus_e});
    put("org", "burst_length", num(bl_e), {&bl_e});
  }

  // [timing]: JEDEC timings in clocks (DRAMSim3's AL folded into the latencies).
  void timing() {
    const Entry& bl_e = req("dram_structure", "BL");
    const Entry& tck_e = req("timing", "tCK");
    const Entry* al_e = opt("timing", "AL");
    const int64_t al = al_e ? num(*al_e) : 0;
    const Entry& cl_e = req("timing", "CL");
    const Entry& cwl_e = req("timing", "CWL");
    const Entry& rcdrd_e = req("timing", "tRCDRD");
    const Entry& rcdwr_e = req("timing", "tRCDWR");
    const Entry& rp_e = req("timing", "tRP");
    const Entry& ras_e = req("timing", "tRAS");
    const Entry& wr_e = req("timing", "tWR");
    const Entry& ccds_e = req("timing", "tCCD_S");
    const Entry& ccdl_e = req("timing", "tCCD_L");
    const Entry& rrds_e = req("timing", "tRRD_S");
    const Entry& rrdl_e = req("timing", "tRRD_L");
    const Entry& faw_e = req("timing", "tFAW");
    const Entry& wtrs_e = req("timing", "tWTR_S");
    const Entry& wtrl_e = req("timing", "tWTR_L");
    const Entry& rfc_e = req("timing", "tRFC");
    const Entry& refi_e = req("timing", "tREFI");

    const Entry* rtp_e = opt("timing", "tRTP");
    const Entry* rtpl_e = opt("timing", "tRTP_L");
    const Entry* rtps_e = opt("timing", "tRTP_S");
    int64_t rtp = 0;
    if (rtp_e) {
      rtp = num(*rtp_e);
    } else if (rtpl_e || rtps_e) {
      rtp = std::max(rtpl_e ? num(*rtpl_e) : 0, rtps_e ? num(*rtps_e) : 0);
      notes_.push_back("nRTP = max(tRTP_L, tRTP_S) (DRAMSim3 itself reads only tRTP)");
    } else {
      throw ConfigError(ini_.path() + ": missing required key 'timing.tRTP' (or 'timing.tRTP_L' / " +
                        "'timing.tRTP_S'); expected a line 'tRTP = <cycles>' in section [timing], " +
                        "value a non-negative decimal integer");
    }

    // One bank group: DRAMSim3's timing.cc uses the _S spacings for _L.
    const bool one_group = bank_groups_ == 1;
    const Entry& ccd_l = one_group ? ccds_e : ccdl_e;
    const Entry& rrd_l = one_group ? rrds_e : rrdl_e;
    const Entry& wtr_l = one_group ? wtrs_e : wtrl_e;

    const Entry* rtrs_e = opt("timing", "tRTRS");
    const int64_t rtrs = rtrs_e ? num(*rtrs_e) : 2;  // DRAMSim3's default
    const int64_t burst_cycle = num(bl_e) / 2;       // DRAMSim3: BL / 2 for HBM
    // DRAMSim3 read_to_write = RL + burst_cycle - WL + tRTRS (AL cancels).
    const int64_t rtw = std::max<int64_t>(0, num(cl_e) + burst_cycle - num(cwl_e) + rtrs);

    put("timing", "tCK_ps", std::round(tck_e.d * 1000.0 * 1e6) / 1e6, {&tck_e});
    put("timing", "beats_per_clock", 2, {});  // HBM/HBM2: DDR data bus
    put("timing", "nCL", al + num(cl_e), {al_e, &cl_e});
    put("timing", "nCWL", al + num(cwl_e), {al_e, &cwl_e});
    put("timing", "nRCDRD", num(rcdrd_e), {&rcdrd_e});
    put("timing", "nRCDWR", num(rcdwr_e), {&rcdwr_e});
    put("timing", "nRP", num(rp_e), {&rp_e});
    put("timing", "nRAS", num(ras_e), {&ras_e});
    put("timing", "nRC", num(ras_e) + num(rp_e), {&ras_e, &rp_e});
    put("timing", "nWR", num(wr_e), {&wr_e});
    put("timing", "nRTP", al + rtp, {al_e, rtp_e, rtpl_e, rtps_e});
    put("timing", "nCCDS", num(ccds_e), {&ccds_e});
    put("timing", "nCCDL", num(ccd_l), {&ccd_l});
    put("timing", "nRRDS", num(rrds_e), {&rrds_e});
    put("timing", "nRRDL", num(rrd_l), {&rrd_l});
    put("timing", "nFAW", num(faw_e), {&faw_e});
    put("timing", "nWTRS", num(wtrs_e), {&wtrs_e});
    put("timing", "nWTRL", num(wtr_l), {&wtr_l});
    put("timing", "nRTW", rtw, {&cl_e, &bl_e, &cwl_e, rtrs_e});
    put("timing", "nREFI", num(refi_e), {&refi_e});
    put("timing", "nRFC", num(rfc_e), {&rfc_e});
  }

  // Refresh, all-bank or per bank, deriving what the file leaves out.
  void refresh() {
    const Entry& bg_e = req("dram_structure", "bankgroups");
    const Entry& bpg_e = req("dram_structure", "banks_per_group");
    const Entry& rrds_e = req("timing", "tRRD_S");
    const Entry& rfc_e = req("timing", "tRFC");
    const Entry& refi_e = req("timing", "tREFI");
    const bool per_bank = per_bank_refresh();
    const std::string why_pb = "required when refresh_policy = BANK_LEVEL_STAGGERED";
    const Entry* refib_e = per_bank ? &req("timing", "tREFIb", why_pb) : opt("timing", "tREFIb");
    const Entry* rfcb_e = per_bank ? &req("timing", "tRFCb", why_pb) : opt("timing", "tRFCb");
    const Entry* rrefd_e = opt("timing", "tRREFD");
    std::vector<std::string> derived;
    if (refib_e) {
      put("timing", "nREFIpb", num(*refib_e), {refib_e});
    } else {
      put("timing", "nREFIpb", num(refi_e) / (bank_groups_ * banks_per_group_), {&refi_e, &bg_e, &bpg_e});
      derived.push_back("nREFIpb = tREFI / banks");
    }
    if (rfcb_e) {
      put("timing", "nRFCpb", num(*rfcb_e), {rfcb_e});
    } else {
      put("timing", "nRFCpb", num(rfc_e) / 2, {&rfc_e});
      derived.push_back("nRFCpb = tRFC / 2");
    }
    if (rrefd_e) {
      put("timing", "nRREFD", num(*rrefd_e), {rrefd_e});
    } else {
      put("timing", "nRREFD", num(rrds_e), {&rrds_e});
      derived.push_back("nRREFD = tRRD_S");
    }
    if (!derived.empty()) notes_.push_back("derived (not in the file): " + join(derived, ", "));
  }

  // The controller: page policy, queues, refresh mode, address mapping.
  void controller() {
    const Entry* rbp_e = opt("system", "row_buf_policy");
    put("controller", "page_policy", rbp_e && rbp_e->value == "CLOSE_PAGE" ? "closed" : "open", {rbp_e});
    const Entry* tq_e = opt("system", "trans_queue_size");
    const int64_t tq = tq_e ? num(*tq_e) : 32;  // DRAMSim3's default
    put("controller", "read_queue", tq, {tq_e});
    put("controller", "write_queue", tq, {tq_e});
    if (const Entry* uq = opt("system", "unified_queue"); uq && uq->b)
      notes_.push_back("unified_queue approximated by separate read and write queues of trans_queue_size");
    if (const Entry* sr = opt("system", "enable_self_refresh"); sr && sr->b)
      notes_.push_back("enable_self_refresh ignored (no self-refresh model)");
    put("controller", "refresh", per_bank_refresh() ? "per_bank" : "all_bank", {opt("system", "refresh_policy")});
    const Entry* map_e = opt("system", "address_mapping");
    const std::string d3map = map_e ? map_e->value : "chrobabgraco";  // DRAMSim3's default
    std::vector<std::string> fields;
    for (size_t i = 0; i + 2 <= d3map.size(); i += 2) {
      std::string f = d3map.substr(i, 2);
      if (f != "ra") fields.push_back(f);  // one rank (checked below): no bits
    }
    put("controller", "address_mapping", join(fields, "_"), {map_e});
  }

  void validate() {
    // Validate against our schema; point a failure back to the .ini keys.
    try {
      memory_config_from_json(j_, "memory");
    } catch (const ConfigError& e) {
      std::string what = e.what();
      std::string msg = ini_.path() + ": the converted configuration is invalid: " + what;
      for (const auto& [p, o] : origin_) {
        if (what.find("memory." + p + ":") != std::string::npos) {
          msg += " (memory." + p + " comes from " + (o.empty() ? std::string("a fixed value") : o) + ")";
          break;
        }
      }
      throw ConfigError(msg);
    }
  }

  void check_ranks() {
    const Entry& rows_e = req("dram_structure", "rows");
    const Entry& cols_e = req("dram_structure", "columns");
    const Entry& dw_e = req("dram_structure", "device_width");
    const Entry& bus_e = req("system", "bus_width");
    const Entry& cs_e = req("system", "channel_size");
    // Ranks, the way DRAMSim3's CalculateSize derives them (integer MB). The
    // org is validated, so these products are small.
    const uint64_t devices = bus_e.u / dw_e.u;
    const uint64_t page_bytes = 2 * cols_e.u * dw_e.u / 8;
    const uint64_t megs_per_bank = page_bytes * (rows_e.u / 1024) / 1024;
    const uint64_t megs_per_rank =
        megs_per_bank * static_cast<uint64_t>(bank_groups_ * banks_per_group_) * devices;
    if (megs_per_rank == 0)
      ini_.fail_at(rows_e, "a rank of this device holds less than 1 MB, which DRAMSim3 cannot size",
                   "a device of at least 1 MB per rank");
    const uint64_t channel_size = cs_e.u;
    if (channel_size < megs_per_rank) {
      notes_.push_back("channel_size " + std::to_string(channel_size) + " MB is less than one rank (" +
                       std::to_string(megs_per_rank) + " MB); DRAMSim3 then uses one rank of " +
                       std::to_string(megs_per_rank) + " MB, as here");
    } else if (channel_size / megs_per_rank > 1) {
      ini_.fail_at(cs_e,
                   "channel_size gives " + std::to_string(channel_size / megs_per_rank) + " ranks of " +
                       std::to_string(megs_per_rank) + " MB per channel (DRAMSim3: ranks = channel_size / " +
                       "MB per rank); npusim models one rank per channel",
                   "channel_size = " + std::to_string(megs_per_rank) + " (one rank)");
    } else if (channel_size != megs_per_rank) {
      notes_.push_back("channel_size " + std::to_string(channel_size) + " MB rounded down to one rank of " +
                       std::to_string(megs_per_rank) + " MB, as DRAMSim3 does");
    }
  }

  const Entry* opt(const char* section, const char* key) const { return ini_.find(section, key); }

  const Entry& req(const char* section, const char* key, const std::string& why = "") const {
    if (const Entry* e = ini_.find(section, key)) return *e;
    const KeySpec* spec = find_spec(section, lower(key));
    throw ConfigError(ini_.path() + ": missing required key '" + section + "." + key + "'" +
                      (why.empty() ? "" : " (" + why + ")") + "; expected a line '" + key +
                      " = <value>' in section [" + section + "], value " +
                      (spec ? expected_form(*spec) : std::string("a number")));
  }

  void positive(const Entry& e) const {
    if (e.u == 0) ini_.fail_at(e, std::string(e.spec->key) + " is 0", "a positive integer");
  }

  static int64_t num(const Entry& e) { return static_cast<int64_t>(e.u); }

  void put(const char* group, const char* field, json value, std::initializer_list<const Entry*> from) {
    j_[group][field] = std::move(value);
    std::vector<std::string> where;
    for (const Entry* e : from)
      if (e) where.push_back(ini_.where(*e));
    origin_[std::string(group) + "." + field] = join(where, ", ");
  }

  const IniFile& ini_;
  json j_;
  std::map<std::string, std::string> origin_;  // json key path -> .ini keys it came from
  std::vector<std::string> notes_;
};

}  // namespace

json dramsim3_ini_to_memory_json(const std::string& path) {
  IniFile ini(path);
  return Converter(ini).run();
}

}  // namespace npusim::memory
