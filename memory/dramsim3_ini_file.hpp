// DRAMSim3 .ini syntax: the keys DRAMSim3 reads, and a strict parser that
// checks every value's form and names file:line. Converting the parsed file
// to our memory schema is dramsim3_ini.cpp.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace npusim::memory::dramsim3 {

enum class Kind { Int, Real, Bool, Word, Mapping };

struct KeySpec {
  const char* section;
  const char* key;
  Kind kind;
  const char* choices;  // Word: space-separated accepted values
};

struct Entry {
  const KeySpec* spec = nullptr;
  std::string value;
  std::uint64_t line = 0;
  std::uint64_t u = 0;  // Int
  double d = 0;         // Real
  bool b = false;       // Bool
};

[[noreturn]] void fail_line(const std::string& file, std::uint64_t line, std::string_view what,
                            std::string_view got, std::string_view expected);
std::string lower(std::string_view s);
std::string join(const std::vector<std::string>& v, const char* sep);
std::string expected_form(const KeySpec& k);
const KeySpec* find_spec(const std::string& section, const std::string& key_lower);

// The parsed file: every key of the used sections, checked for syntax.
class IniFile {
 public:
  explicit IniFile(const std::string& path);
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
  void parse();
  void parse_value(Entry& e) const;

  std::string path_;
  std::map<std::string, Entry> entries_;  // "section.key", canonical spelling
};

}  // namespace npusim::memory::dramsim3
