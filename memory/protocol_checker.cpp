#include "memory/protocol_checker.hpp"

#include <algorithm>

namespace npusim::memory {

ProtocolChecker::ProtocolChecker(const HbmOrg& org, const HbmTiming& timing, uint32_t channel)
    : org_(org), timing_(timing), channel_(channel), n_bl_(timing.nBL(org)),
      rules_(build_timing_rules(timing, org)) {
  History never;
  never.fill(kNever);
  size_t pcs = static_cast<size_t>(org.pseudo_channels);
  bank_hist_.assign(pcs * org.banks_per_pc(), never);
  bg_hist_.assign(pcs * org.bank_groups, never);
  pc_hist_.assign(pcs, never);
  banks_.assign(pcs * org.banks_per_pc(), BankState{});
  std::array<int64_t, 4> f;
  f.fill(kNever);
  faw_.assign(pcs, f);
  faw_pos_.assign(pcs, 0);
  data_busy_until_.assign(pcs, kNever);
  data_last_write_.assign(pcs, false);
  last_refab_.assign(pcs, kNever);
}

void ProtocolChecker::check_precharged(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank,
                                       const BankState& b) const {
  if (b.precharged != kNever && cycle < b.precharged)
    fail(uint64_t(cycle), c, pc, bg, bank,
         "bank precharge completes at cycle " + std::to_string(b.precharged) +
             " (PRE + tRP, or auto-precharge no earlier than ACT + tRAS, + tRP)");
}

void ProtocolChecker::fail(uint64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank,
                           const std::string& why) const {
  sim_throw<ProtocolError>("protocol violation at cycle " + std::to_string(cycle) + ": " + to_string(c) +
                      " to channel " + std::to_string(channel_) + " pc " + std::to_string(pc) + " bg " +
                      std::to_string(bg) + " bank " + std::to_string(bank) + ": " + why);
}

void ProtocolChecker::on_command(uint64_t cycle_u, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank,
                                 uint32_t row) {
  const int64_t cycle = static_cast<int64_t>(cycle_u);
  ++checked_;
  if (cycle < last_cycle_)
    fail(cycle_u, c, pc, bg, bank, "issued before an earlier command (cycle " + std::to_string(last_cycle_) + ")");
  last_cycle_ = cycle;

  // One row and one column command per cycle on the channel's command buses.
  int64_t& bus = is_column(c) ? last_col_cmd_ : last_row_cmd_;
  if (bus == cycle) fail(cycle_u, c, pc, bg, bank, std::string(is_column(c) ? "column" : "row") +
                                                        " command bus already used this cycle");
  bus = cycle;

  check_timing_rules(cycle, c, pc, bg, bank);
  update_bank_state(cycle, c, pc, bg, bank, row);
  record_history(cycle, c, pc, bg, bank);
}

// Timing rules against the history of each scope.
void ProtocolChecker::check_timing_rules(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank) const {
  const size_t bi = bank_index(pc, bg, bank);
  const size_t gi = static_cast<size_t>(pc) * org_.bank_groups + bg;
  for (const TimingRule& r : rules_) {
    if (r.next != c) continue;
    int64_t last = kNever;
    switch (r.scope) {
      case Scope::Bank:
        if (c == Cmd::PREA || c == Cmd::REFab) {
          // All-bank commands must respect every bank of the pseudo-channel.
          for (int b = 0; b < org_.banks_per_pc(); ++b)
            last = std::max(last, bank_hist_[static_cast<size_t>(pc) * org_.banks_per_pc() + b][size_t(r.prev)]);
        } else {
          last = bank_hist_[bi][size_t(r.prev)];
        }
        break;
      case Scope::BankGroup: last = bg_hist_[gi][size_t(r.prev)]; break;
      case Scope::PseudoChannel: last = pc_hist_[pc][size_t(r.prev)]; break;
    }
    if (last != kNever && cycle - last < r.cycles)
      fail(uint64_t(cycle), c, pc, bg, bank,
           std::string(r.name) + " requires " + std::to_string(r.cycles) + " cycles after " + to_string(r.prev) +
               " (" + to_string(r.scope) + ") at cycle " + std::to_string(last) + ", got " +
               std::to_string(cycle - last));
  }
}

// Bank state: open rows, precharge completion, refresh, the data bus.
void ProtocolChecker::update_bank_state(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank, uint32_t row) {
  const uint64_t cycle_u = uint64_t(cycle);
  BankState& b = banks_[bank_index(pc, bg, bank)];
  const size_t first = static_cast<size_t>(pc) * org_.banks_per_pc();
  switch (c) {
    case Cmd::ACT:
      if (b.open) fail(cycle_u, c, pc, bg, bank, "bank already open (row " + std::to_string(b.row) + ")");
      check_precharged(cycle, c, pc, bg, bank, b);
      b.act = cycle;
      check_faw(cycle, c, pc, bg, bank);
      b.open = true;
      b.row = row;
      break;
    case Cmd::PRE:
      if (b.open) b.precharged = cycle + timing_.nRP;
      b.open = false;
      break;
    case Cmd::PREA:
      for (int k = 0; k < org_.banks_per_pc(); ++k) {
        BankState& o = banks_[first + k];
        if (o.open) o.precharged = cycle + timing_.nRP;
        o.open = false;
      }
      break;
    case Cmd::REFab:
      for (int k = 0; k < org_.banks_per_pc(); ++k) {
        if (banks_[first + k].open) fail(cycle_u, c, pc, bg, bank, "REFab with bank " + std::to_string(k) + " open");
        check_precharged(cycle, c, pc, bg, uint32_t(k), banks_[first + k]);
      }
      // JEDEC lets a controller postpone up to 8 refreshes, never more.
      if (last_refab_[pc] != kNever && cycle - last_refab_[pc] > 9 * int64_t(timing_.nREFI))
        fail(cycle_u, c, pc, bg, bank,
             "refresh starved: " + std::to_string(cycle - last_refab_[pc]) + " cycles since the last REFab (> 9 x tREFI)");
      last_refab_[pc] = cycle;
      break;
    case Cmd::REFpb:
      if (b.open) fail(cycle_u, c, pc, bg, bank, "REFpb to an open bank");
      check_precharged(cycle, c, pc, bg, bank, b);
      break;
    default: column_command(cycle, c, pc, bg, bank, row, b); break;
  }
}

// Four-activate window.
void ProtocolChecker::check_faw(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank) {
  auto& w = faw_[pc];
  int64_t oldest = w[faw_pos_[pc]];
  if (oldest != kNever && cycle - oldest < timing_.nFAW)
    fail(uint64_t(cycle), c, pc, bg, bank,
         "tFAW requires " + std::to_string(timing_.nFAW) + " cycles for five ACTs; the fourth-last was at cycle " +
             std::to_string(oldest));
  w[faw_pos_[pc]] = cycle;
  faw_pos_[pc] = (faw_pos_[pc] + 1) % 4;
}

void ProtocolChecker::column_command(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank, uint32_t row,
                                     BankState& b) {
  const uint64_t cycle_u = uint64_t(cycle);
  if (!b.open) fail(cycle_u, c, pc, bg, bank, "column command to a closed bank");
  if (b.row != row)
    fail(cycle_u, c, pc, bg, bank,
         "column command for row " + std::to_string(row) + " but row " + std::to_string(b.row) + " is open");
  const bool write = is_write(c);
  const int64_t start = cycle + (write ? timing_.nCWL : timing_.nCL);
  if (start < data_busy_until_[pc])
    fail(cycle_u, c, pc, bg, bank,
         "data burst at cycle " + std::to_string(start) + " overlaps the previous burst ending at cycle " +
             std::to_string(data_busy_until_[pc]));
  data_busy_until_[pc] = start + n_bl_;
  data_last_write_[pc] = write;
  if (c == Cmd::RDA || c == Cmd::WRA) {
    // Auto-precharge starts after tRTP (read) or write recovery, but not
    // before the row has been open tRAS.
    const int64_t after = write ? cycle + timing_.nCWL + n_bl_ + timing_.nWR : cycle + timing_.nRTP;
    b.precharged = std::max(after, b.act + timing_.nRAS) + timing_.nRP;
    b.open = false;
  }
}

// Record history at each scope (all-bank commands mark every bank).
void ProtocolChecker::record_history(int64_t cycle, Cmd c, uint32_t pc, uint32_t bg, uint32_t bank) {
  const size_t first = static_cast<size_t>(pc) * org_.banks_per_pc();
  if (c == Cmd::PREA || c == Cmd::REFab) {
    for (int k = 0; k < org_.banks_per_pc(); ++k) bank_hist_[first + k][size_t(c)] = cycle;
  } else {
    bank_hist_[bank_index(pc, bg, bank)][size_t(c)] = cycle;
  }
  bg_hist_[static_cast<size_t>(pc) * org_.bank_groups + bg][size_t(c)] = cycle;
  pc_hist_[pc][size_t(c)] = cycle;
}

}  // namespace npusim::memory
