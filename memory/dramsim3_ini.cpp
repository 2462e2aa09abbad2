#include "memory/dramsim3_ini.hpp"

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
#include "models/sim/errors.hpp"
#include "models/sim/line_reader.hpp"

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

enum class Kind { Int, Real, Bool, Word, Mapping };

struct KeySpec {
  const char* section;
  const char* key;
  Kind kind;
  const char* choices;  // Word: space-separated accepted values
};

constexpr const char* kProtocols = "DDR3 DDR4 GDDR5 GDDR5X LPDDR LPDDR3 LPDDR4 HBM HBM2 HMC";

// Every key DRAMSim3 reads in the three sections we convert, plus keys its
// own HBM files carry (tRTP_L, tRTP_S, tCKSRE) and tRREFD from older
// versions. Keys without a use in the conversion are accepted and their
// syntax checked: num_dies, hbm_dual_cmd (our channels always have separate
// row and column command buses), tRCD (DRAMSim3 uses tRCDRD/tRCDWR for HBM),
// tRPRE, tWPRE, tCKE, tCKESR, tCKSRE, tXS, tXP (power-down/self-refresh),
// tPPD, t32AW (GDDR/LPDDR4 only), ideal_memory_latency (DRAMSim3's ideal
// model), queue_structure, cmd_queue_size, write_buf_size, sref_threshold,
// aggressive_precharging_enabled, mega_tick, enable_self_refresh.
constexpr KeySpec kKeys[] = {
    {"dram_structure", "protocol", Kind::Word, kProtocols},
    {"dram_structure", "bankgroups", Kind::Int, nullptr},
    {"dram_structure", "banks_per_group", Kind::Int, nullptr},
    {"dram_structure", "bankgroup_enable", Kind::Bool, nullptr},
    {"dram_structure", "rows", Kind::Int, nullptr},
    {"dram_structure", "columns", Kind::Int, nullptr},
    {"dram_structure", "device_width", Kind::Int, nullptr},
    {"dram_structure", "BL", Kind::Int, nullptr},
    {"dram_structure", "num_dies", Kind::Int, nullptr},
    {"dram_structure", "hbm_dual_cmd", Kind::Bool, nullptr},

    {"timing", "tCK", Kind::Real, nullptr},
    {"timing", "AL", Kind::Int, nullptr},
    {"timing", "CL", Kind::Int, nullptr},
    {"timing", "CWL", Kind::Int, nullptr},
    {"timing", "tCCD_L", Kind::Int, nullptr},
    {"timing", "tCCD_S", Kind::Int, nullptr},
    {"timing", "tRTRS", Kind::Int, nullptr},
    {"timing", "tRTP", Kind::Int, nullptr},
    {"timing", "tRTP_L", Kind::Int, nullptr},
    {"timing", "tRTP_S", Kind::Int, nullptr},
    {"timing", "tWTR_L", Kind::Int, nullptr},
    {"timing", "tWTR_S", Kind::Int, nullptr},
    {"timing", "tWR", Kind::Int, nullptr},
    {"timing", "tRP", Kind::Int, nullptr},
    {"timing", "tRRD_L", Kind::Int, nullptr},
    {"timing", "tRRD_S", Kind::Int, nullptr},
    {"timing", "tRAS", Kind::Int, nullptr},
    {"timing", "tRCD", Kind::Int, nullptr},
    {"timing", "tRCDRD", Kind::Int, nullptr},
    {"timing", "tRCDWR", Kind::Int, nullptr},
    {"timing", "tRFC", Kind::Int, nullptr},
    {"timing", "tRFCb", Kind::Int, nullptr},
    {"timing", "tREFI", Kind::Int, nullptr},
    {"timing", "tREFIb", Kind::Int, nullptr},
    {"timing", "tRREFD", Kind::Int, nullptr},
    {"timing", "tFAW", Kind::Int, nullptr},
    {"timing", "tRPRE", Kind::Int, nullptr},
    {"timing", "tWPRE", Kind::Int, nullptr},
    {"timing", "tCKE", Kind::Int, nullptr},
    {"timing", "tCKESR", Kind::Int, nullptr},
    {"timing", "tCKSRE", Kind::Int, nullptr},
    {"timing", "tXS", Kind::Int, nullptr},
    {"timing", "tXP", Kind::Int, nullptr},
    {"timing", "tPPD", Kind::Int, nullptr},
    {"timing", "t32AW", Kind::Int, nullptr},
    {"timing", "ideal_memory_latency", Kind::Int, nullptr},

    {"system", "channel_size", Kind::Int, nullptr},
    {"system", "channels", Kind::Int, nullptr},
    {"system", "bus_width", Kind::Int, nullptr},
    {"system", "address_mapping", Kind::Mapping, nullptr},
    {"system", "queue_structure", Kind::Word, "PER_BANK PER_RANK"},
    {"system", "row_buf_policy", Kind::Word, "OPEN_PAGE CLOSE_PAGE"},
    {"system", "cmd_queue_size", Kind::Int, nullptr},
    {"system", "trans_queue_size", Kind::Int, nullptr},
    {"system", "unified_queue", Kind::Bool, nullptr},
    {"system", "write_buf_size", Kind::Int, nullptr},
    {"system", "refresh_policy", Kind::Word,
     "RANK_LEVEL_SIMULTANEOUS RANK_LEVEL_STAGGERED BANK_LEVEL_STAGGERED"},
    {"system", "enable_self_refresh", Kind::Bool, nullptr},
    {"system", "sref_threshold", Kind::Int, nullptr},
    {"system", "aggressive_precharging_enabled", Kind::Bool, nullptr},
    {"system", "mega_tick", Kind::Int, nullptr},
};

constexpr const char* kUsedSections[] = {"dram_structure", "timing", "system"};
// Sections DRAMSim3 reads that say nothing about timing or organisation;
// their keys are accepted without checks:
//   [power]   VDD IDD0 IDD2P IDD2N IDD3P IDD3N IDD4W IDD4R IDD5AB IDD5PB IDD6x
//   [other]   epoch_period output_level output_prefix
//   [thermal] (THERMAL builds) const_logic_power mat_dim_x mat_dim_y chip_dim_x
//             chip_dim_y amb_temp loc_mapping bank_order bank_layer_order ...
//   [hmc]     num_links link_width link_speed block_size xbar_queue_depth
constexpr const char* kIgnoredSections[] = {"power", "other", "thermal", "hmc"};

constexpr std::uint64_t kMaxInt = 1000000000;

constexpr const char* kMappingForm =
    "six 2-character fields from MSB to LSB, each of ch ra bg ba ro co exactly once, "
    "e.g. 'rorabgbachco'";
constexpr const char* kMappingFields[] = {"ch", "ra", "bg", "ba", "ro", "co"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_words(const char* s) {
  std::vector<std::string> out;
  std::string cur;
  for (const char* p = s; *p; ++p) {
    if (*p == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += *p;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::string expected_form(const KeySpec& k) {
  switch (k.kind) {
    case Kind::Int: return "a non-negative decimal integer";
    case Kind::Real: return "a positive decimal number (ns)";
    case Kind::Bool: return "a boolean: true/false, yes/no, on/off or 1/0";
    case Kind::Word: return "one of " + join(split_words(k.choices), ", ");
    case Kind::Mapping: return kMappingForm;
  }
  return "a value";
}

std::string section_keys(const std::string& section) {
  std::vector<std::string> keys;
  for (const auto& k : kKeys)
    if (section == k.section) keys.push_back(k.key);
  return join(keys, " ");
}

const KeySpec* find_spec(const std::string& section, const std::string& key_lower) {
  for (const auto& k : kKeys)
    if (section == k.section && key_lower == lower(k.key)) return &k;
  return nullptr;
}

struct Entry {
  const KeySpec* spec = nullptr;
  std::string value;
  std::uint64_t line = 0;
  std::uint64_t u = 0;  // Int
  double d = 0;         // Real
  bool b = false;       // Bool
};

[[noreturn]] void fail_line(const std::string& file, std::uint64_t line, std::string_view what,
                            std::string_view got, std::string_view expected) {
  throw ConfigError(trace_error_message(file, line, what, got, expected));
}

// The parsed file: every key of the used sections, checked for syntax.
class IniFile {
 public:
  explicit IniFile(const std::string& path) : path_(path) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
      throw ConfigError(path + ": cannot open DRAMSim3 .ini file: is a directory");
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
    } else {
      throw ConfigError(path + ": cannot open DRAMSim3 .ini file: " + std::strerror(errno));
    }
    try {
      parse();
    } catch (const TraceError& e) {  // LineReader's own I/O and line-length errors
      throw ConfigError(e.what());
    }
  }

  const std::string& path() const { return path_; }

  const Entry* find(const char* section, const char* key) const {
    auto it = entries_.find(std::string(section) + "." + key);
    return it == entries_.end() ? nullptr : &it->second;
  }

  // Error about a value that parsed but cannot be converted.
  [[noreturn]] void fail_at(const Entry& e, std::string_view what, std::string_view expected) const {
    fail_line(path_, e.line, what, std::string(e.spec->key) + " = " + e.value, expected);
  }

  std::string where(const Entry& e) const {
    return std::string(e.spec->section) + "." + e.spec->key + " at " + path_ + ":" + std::to_string(e.line);
  }

 private:
  void parse() {
    LineReader r(path_);
    std::string section;  // canonical name; empty before the first header
    bool ignored = false;
    while (r.next()) {
      // LineReader has removed '#' comments; ';' starts one too. DRAMSim3's
      // own files write "tRPRE = 1; read preamble".
      std::string_view t = r.text();
      if (r.line_number() == 1 && t.substr(0, 3) == "\xEF\xBB\xBF") t = trim(t.substr(3));  // UTF-8 BOM
      if (auto sc = t.find(';'); sc != std::string_view::npos) t = trim(t.substr(0, sc));
      if (t.empty()) continue;
      const std::uint64_t line = r.line_number();

      if (t.front() == '[') {
        std::string_view name = t.size() >= 2 && t.back() == ']' ? trim(t.substr(1, t.size() - 2)) : "";
        if (name.empty() || name.find_first_of("[] \t") != std::string_view::npos)
          fail_line(path_, line, "malformed section header", t, "'[name]' alone on its line");
        section = lower(name);
        ignored = false;
        bool known = false;
        for (const char* s : kUsedSections) known = known || section == s;
        for (const char* s : kIgnoredSections) {
          if (section == s) known = ignored = true;
        }
        if (!known)
          fail_line(path_, line, "unknown section [" + std::string(name) + "]", t,
                    "[dram_structure], [timing] or [system] (converted), or [power], [other], "
                    "[thermal], [hmc] (accepted and ignored)");
        continue;
      }

      auto eq = t.find_first_of("=:");
      if (eq == std::string_view::npos)
        fail_line(path_, line, "neither a section header nor a key = value line", t,
                  "'[section]' or 'key = value'");
      std::string_view key = trim(t.substr(0, eq));
      std::string_view value = trim(t.substr(eq + 1));
      if (key.empty()) fail_line(path_, line, "no key before '" + std::string(1, t[eq]) + "'", t, "'key = value'");
      if (key.find_first_of(" \t") != std::string_view::npos)
        fail_line(path_, line, "key '" + std::string(key) + "' contains whitespace", t,
                  "'key = value' with a one-word key");
      if (section.empty())
        fail_line(path_, line, "key outside any section", t,
                  "a section header such as [dram_structure] before the first key");
      if (ignored) continue;

      const KeySpec* spec = find_spec(section, lower(key));
      if (!spec)
        fail_line(path_, line, "unknown key '" + std::string(key) + "' in section [" + section + "]", t,
                  "one of the keys DRAMSim3 reads in [" + section + "]: " + section_keys(section));
      std::string id = std::string(spec->section) + "." + spec->key;
      if (auto it = entries_.find(id); it != entries_.end())
        fail_line(path_, line,
                  "duplicate key '" + std::string(key) + "' (first set at line " +
                      std::to_string(it->second.line) + ")",
                  t, "each key at most once");
      if (value.empty())
        fail_line(path_, line, "empty value for '" + std::string(spec->key) + "'", t, expected_form(*spec));

      Entry e;
      e.spec = spec;
      e.value = std::string(value);
      e.line = line;
      parse_value(e);
      entries_.emplace(id, std::move(e));
    }
  }

  void parse_value(Entry& e) const {
    const KeySpec& k = *e.spec;
    const std::string& v = e.value;
    auto bad = [&](const std::string& what) { fail_line(path_, e.line, what, v, expected_form(k)); };
    switch (k.kind) {
      case Kind::Int: {
        bool digits = std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits) bad(std::string("value of '") + k.key + "' is not a non-negative decimal integer");
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), e.u);
        if (ec != std::errc() || ptr != v.data() + v.size() || e.u > kMaxInt)
          bad(std::string("value of '") + k.key + "' is too large (max " + std::to_string(kMaxInt) + ")");
        break;
      }
      case Kind::Real: {
        bool chars = std::all_of(v.begin(), v.end(), [](char c) {
          return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
        });
        char* end = nullptr;
        e.d = chars ? std::strtod(v.c_str(), &end) : 0.0;
        if (!chars || end != v.c_str() + v.size() || !std::isfinite(e.d) || e.d <= 0)
          bad(std::string("value of '") + k.key + "' is not a positive decimal number");
        break;
      }
      case Kind::Bool: {
        std::string l = lower(v);
        if (l == "true" || l == "yes" || l == "on" || l == "1") {
          e.b = true;
        } else if (l == "false" || l == "no" || l == "off" || l == "0") {
          e.b = false;
        } else {
          bad(std::string("value of '") + k.key + "' is not a boolean");
        }
        break;
      }
      case Kind::Word: {
        auto words = split_words(k.choices);
        if (std::find(words.begin(), words.end(), v) == words.end())
          bad(std::string("unknown value for '") + k.key + "'");
        break;
      }
      case Kind::Mapping: {
        if (v.size() != 12)
          bad("address mapping has " + std::to_string(v.size()) + " characters instead of 12");
        std::vector<std::string> seen;
        for (size_t i = 0; i < 12; i += 2) {
          std::string f = v.substr(i, 2);
          if (std::find(std::begin(kMappingFields), std::end(kMappingFields), f) == std::end(kMappingFields))
            bad("unknown field '" + f + "' at position " + std::to_string(i / 2 + 1) + " of the address mapping");
          if (std::find(seen.begin(), seen.end(), f) != seen.end())
            bad("field '" + f + "' appears twice in the address mapping");
          seen.push_back(f);
        }
        break;
      }
    }
  }

  std::string path_;
  std::map<std::string, Entry> entries_;  // "section.key", canonical spelling
};

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

    // --- [dram_structure] ---
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
    int64_t bank_groups = num(bg_e), banks_per_group = num(bpg_e);
    if (bge_e && !bge_e->b) {  // DRAMSim3 folds all banks into one group
      banks_per_group *= bank_groups;
      bank_groups = 1;
    }
    if (const Entry* dual = opt("dram_structure", "hbm_dual_cmd"); dual && !dual->b)
      notes_.push_back("hbm_dual_cmd = false not modelled (separate row and column command buses)");

    // --- [system] ---
    const Entry& channels_e = req("system", "channels");
    const Entry& bus_e = req("system", "bus_width");
    const Entry& cs_e = req("system", "channel_size");
    positive(channels_e);
    positive(bus_e);
    if (bus_e.u < dw_e.u || bus_e.u % dw_e.u != 0)
      ini_.fail_at(bus_e, "bus_width is not a multiple of device_width (" + std::to_string(dw_e.u) + ")",
                   "a multiple of device_width: DRAMSim3 puts bus_width / device_width devices in a rank");

    put("org", "stacks", 1, {});
    put("org", "channels_per_stack", num(channels_e), {&channels_e});
    put("org", "pseudo_channels", 1, {});
    put("org", "bank_groups", bank_groups, {&bg_e, bge_e});
    put("org", "banks_per_group", banks_per_group, {&bpg_e, bge_e});
    put("org", "rows", num(rows_e), {&rows_e});
    put("org", "columns", 2 * num(cols_e), {&cols_e});  // DRAMSim3: HBM columns *= 2
    put("org", "dq_bits", num(bus_e), {&bus_e});
    put("org", "burst_length", num(bl_e), {&bl_e});

    // --- [timing] ---
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
    const bool one_group = bank_groups == 1;
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

    // Refresh.
    const Entry* rpol_e = opt("system", "refresh_policy");
    const bool per_bank = rpol_e && rpol_e->value == "BANK_LEVEL_STAGGERED";
    const std::string why_pb = "required when refresh_policy = BANK_LEVEL_STAGGERED";
    const Entry* refib_e = per_bank ? &req("timing", "tREFIb", why_pb) : opt("timing", "tREFIb");
    const Entry* rfcb_e = per_bank ? &req("timing", "tRFCb", why_pb) : opt("timing", "tRFCb");
    const Entry* rrefd_e = opt("timing", "tRREFD");
    std::vector<std::string> derived;
    if (refib_e) {
      put("timing", "nREFIpb", num(*refib_e), {refib_e});
    } else {
      put("timing", "nREFIpb", num(refi_e) / (bank_groups * banks_per_group), {&refi_e, &bg_e, &bpg_e});
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

    // --- controller ---
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
    put("controller", "refresh", per_bank ? "per_bank" : "all_bank", {rpol_e});
    const Entry* map_e = opt("system", "address_mapping");
    const std::string d3map = map_e ? map_e->value : "chrobabgraco";  // DRAMSim3's default
    std::vector<std::string> fields;
    for (size_t i = 0; i + 2 <= d3map.size(); i += 2) {
      std::string f = d3map.substr(i, 2);
      if (f != "ra") fields.push_back(f);  // one rank (checked below): no bits
    }
    put("controller", "address_mapping", join(fields, "_"), {map_e});

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

    // Ranks, the way DRAMSim3's CalculateSize derives them (integer MB). The
    // org is validated, so these products are small.
    const uint64_t devices = bus_e.u / dw_e.u;
    const uint64_t page_bytes = 2 * cols_e.u * dw_e.u / 8;
    const uint64_t megs_per_bank = page_bytes * (rows_e.u / 1024) / 1024;
    const uint64_t megs_per_rank =
        megs_per_bank * static_cast<uint64_t>(bank_groups * banks_per_group) * devices;
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

    std::string source = "DRAMSim3 ini " + file_name;
    if (!notes_.empty()) source += "; " + join(notes_, "; ");
    j_["source"] = source;
    return j_;
  }

 private:
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
