// DRAM commands and the timing constraints between them, as data: one table
// of "command A -> command B within scope S needs >= N cycles". The
// controller and the protocol checker both read this table, so a timing
// parameter is interpreted in exactly one place.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "memory/hbm_config.hpp"

namespace npusim::memory {

enum class Cmd : uint8_t { ACT, PRE, PREA, RD, WR, RDA, WRA, REFab, REFpb, kCount };
constexpr size_t kNumCmds = static_cast<size_t>(Cmd::kCount);
const char* to_string(Cmd c);
inline bool is_column(Cmd c) { return c == Cmd::RD || c == Cmd::WR || c == Cmd::RDA || c == Cmd::WRA; }
inline bool is_read(Cmd c) { return c == Cmd::RD || c == Cmd::RDA; }
inline bool is_write(Cmd c) { return c == Cmd::WR || c == Cmd::WRA; }

// Where two commands must be for a rule to apply.
enum class Scope : uint8_t { Bank, BankGroup, PseudoChannel };
const char* to_string(Scope s);

struct TimingRule {
  Cmd prev, next;
  Scope scope;
  int cycles;
  const char* name;  // the JEDEC parameter(s) behind it, for messages
};

// The rule table for a configuration (latencies resolved to cycles).
std::vector<TimingRule> build_timing_rules(const HbmTiming& t, const HbmOrg& o);

}  // namespace npusim::memory
