#include "memory/dramsim3_ini_file.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "sim/errors.hpp"
#include "sim/line_reader.hpp"

namespace npusim::memory::dramsim3 {

namespace fs = std::filesystem;




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

[[noreturn]] void fail_line(const std::string& file, std::uint64_t line, std::string_view what,
                            std::string_view got, std::string_view expected) {
  throw ConfigError(trace_error_message(file, line, what, got, expected));
}

IniFile::IniFile(const std::string& path) : path_(path) {
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

void IniFile::parse() {
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

void IniFile::parse_value(Entry& e) const {
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

}  // namespace npusim::memory::dramsim3
