// Independent re-check of every command a channel controller issues. It
// keeps its own command history (last issue time per command per bank, bank
// group and pseudo-channel) rather than the controller's "earliest next"
// bookkeeping, so a bug in either shows up as a disagreement. The first
// violation throws ProtocolError naming the rule, the commands and cycles.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "memory/timing_rules.hpp"

namespace npusim::memory {

class ProtocolChecker {
 public:
  ProtocolChecker(const HbmOrg& org, const HbmTiming& timing, uint32_t channel);
  void on_command(uint64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank, uint32_t row);
  uint64_t commands_checked() const { return checked_; }

 private:
  static constexpr int64_t kNever = INT64_MIN / 4;
  using History = std::array<int64_t, kNumCmds>;
  [[noreturn]] void fail(uint64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank,
                         const std::string& why) const;
  size_t bank_index(uint32_t pc, uint32_t bg, uint32_t bank) const {
    return (static_cast<size_t>(pc) * org_.bank_groups + bg) * org_.banks_per_group + bank;
  }

  HbmOrg org_;
  HbmTiming timing_;
  uint32_t channel_;
  int n_bl_;
  std::vector<TimingRule> rules_;
  std::vector<History> bank_hist_, bg_hist_, pc_hist_;
  // Derived here from first principles, not from the rule table, so a rule
  // missing from the table still shows up: when the bank's precharge
  // (explicit or automatic, which cannot start before ACT + tRAS) completes.
  struct BankState {
    bool open = false;
    uint32_t row = 0;
    int64_t act = kNever;
    int64_t precharged = kNever;
  };
  void check_precharged(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank, const BankState& b) const;
  // on_command's checks, in order: timing rules, then bank state (ACT's
  // four-activate window, column commands' open row and data bus), then the
  // command joins each scope's history.
  void check_timing_rules(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank) const;
  void update_bank_state(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank, uint32_t row);
  void check_faw(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank);
  void column_command(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank, uint32_t row, BankState& b);
  void record_history(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank);
  std::vector<int64_t> last_refab_;  // per pseudo-channel
  std::vector<BankState> banks_;
  std::vector<std::array<int64_t, 4>> faw_;  // last four ACT cycles per pseudo-channel
  std::vector<size_t> faw_pos_;
  std::vector<int64_t> data_busy_until_;  // per pseudo-channel: end of last burst on DQ
  std::vector<bool> data_last_write_;
  int64_t last_cycle_ = kNever, last_row_cmd_ = kNever, last_col_cmd_ = kNever;
  uint64_t checked_ = 0;
};

}  // namespace npusim::memory
