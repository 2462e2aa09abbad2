// The cycle-level controller of one HBM channel: per pseudo-channel read and
// write queues, per-bank state machines, FR-FCFS (or FCFS) scheduling with
// write-drain watermarks, open/closed page policy and refresh, issuing at
// most one row command (ACT/PRE/PREA/REF) and one column command (RD/WR) per
// cycle -- HBM's separate row and column command buses.
//
// A tick runs four phases: refresh (which pseudo-channels owe one), column
// pick (the oldest ready row hit), row pick (refresh commands first, then
// the oldest request needing an ACT or PRE) and the next wake-up. Which
// requests may go is the RequestScheduler's call, what a column command does
// to its row the PagePolicy's: small policy objects chosen from the config.
//
// It is plain C++ driven by "tick at cycle t -> next cycle worth ticking",
// so it costs nothing while idle and jumps over cycles in which no command
// can issue. The SystemC wrapper (HbmSystem) owns time.
#pragma once
#include <array>
#include <deque>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "memory/address_mapping.hpp"
#include "memory/hbm_config.hpp"
#include "memory/page_policy.hpp"
#include "memory/protocol_checker.hpp"
#include "memory/request_scheduler.hpp"
#include "memory/timing_rules.hpp"
#include "sim/stats.hpp"

namespace npusim {
class Timeline;
}

namespace npusim::memory {

constexpr uint64_t kNoWake = std::numeric_limits<uint64_t>::max();

// Who gets told when a burst's data has moved.
class BurstSink {
 public:
  virtual ~BurstSink() = default;
  // `done_cycle`: the cycle after the last data beat.
  virtual void burst_done(void* owner, uint64_t done_cycle) = 0;
};

struct Burst {
  uint64_t arrive;  // first cycle the scheduler may see it
  uint64_t seq;     // arrival order (age)
  void* owner;
  uint32_t bank;  // channel-local: (pc * bank_groups + bg) * banks_per_group + ba
  uint32_t row;
  uint32_t col;
  uint8_t pc, bg;
  bool write;
};

class ChannelController {
 public:
  ChannelController(const MemoryConfig& cfg, uint32_t channel, stats::Group& parent, BurstSink& sink,
                    Timeline* timeline, int timeline_track);

  bool can_accept(uint32_t pc, bool write, uint32_t n = 1) const;
  // `now`: the cycle the request reaches the controller port.
  void enqueue(const DramAddr& a, bool write, void* owner, uint64_t now, uint64_t seq);
  // Runs refreshes that came due while the channel was idle, up to `now`.
  void catch_up(uint64_t now);
  // Does the work of cycle `now`; returns the next cycle worth a tick, or
  // kNoWake when there is nothing to do until a new request arrives.
  uint64_t tick(uint64_t now);
  uint64_t next_wake() const { return next_wake_; }

  uint64_t queued() const { return queued_; }
  uint64_t commands_issued() const { return commands_; }
  uint64_t count(Cmd c) const { return uint64_t(cmd_count_.at(size_t(c))); }
  uint64_t row_hits() const { return uint64_t(row_hits_.value()); }
  uint64_t activates() const { return count(Cmd::ACT); }
  uint64_t column_commands() const {
    return count(Cmd::RD) + count(Cmd::WR) + count(Cmd::RDA) + count(Cmd::WRA);
  }
  std::string holdings() const;
  // Test hook: the timing the controller schedules with, as opposed to the
  // one its protocol checker enforces (injects a deliberately wrong timing).
  void override_schedule_timing(const HbmTiming& t);

 private:
  struct BankState {
    bool open = false;
    uint32_t row = 0;
    uint32_t hits_since_act = 0;
    uint32_t queued[2] = {0, 0};  // [write]
    uint32_t hits[2] = {0, 0};    // queued bursts for the open row
  };
  struct HitRef {
    uint64_t seq, arrive;
    uint32_t bank;
  };
  struct NeedRef {
    uint64_t seq;
    uint32_t bank, row;
  };
  struct PcState {
    std::vector<Burst> q[2];  // [write], in arrival order
    uint32_t incoming[2] = {0, 0};  // accepted, not yet arrived
    bool draining = false;
    bool refresh_pending = false;
    uint32_t refresh_bank = 0;
    uint64_t next_refresh = 0;
    std::array<uint64_t, 4> faw{};
    uint32_t faw_pos = 0;
    uint64_t data_free = 0;  // first cycle the DQ bus is free
    // Queued row hits in age order (the column path looks only at these,
    // not at the whole queue); kept in step with BankState::hits.
    std::vector<HitRef> hit_list[2];
    // Per bank with a queued non-hit, its oldest one, in age order: what the
    // row-command path looks at (an ACT or PRE serves the oldest first).
    std::vector<NeedRef> needs[2];
    // A scan that found nothing stays valid until this pseudo-channel's state
    // changes (a request arrives, a command issues, refresh or mode flips):
    // until then the tick skips it and only takes its wake-up cycle.
    bool dirty = true;
    bool last_mode = false;
    uint64_t col_wake = 0, row_wake = 0;
    bool col_valid = false, row_valid = false;
  };
  using Earliest = std::array<uint64_t, kNumCmds>;
  struct Candidate {
    Cmd cmd;
    uint32_t pc, bank;
    uint64_t seq;
    bool write = false;
    uint32_t row = 0;
  };
  static constexpr uint32_t kMaxPcs = 4;  // pseudo_channels <= 4 (schema range)
  // What the phases of one tick share: each pseudo-channel's queue (read or
  // write) this cycle and the earliest cycle found worth a tick.
  struct TickState {
    bool write_mode[kMaxPcs] = {false, false, false, false};
    uint64_t wake = kNoWake;
  };

  // The phases of tick(), in order.
  bool refresh_due(uint64_t now);  // marks pseudo-channels owing a refresh; any pending?
  void choose_modes(uint64_t now, TickState& ts);
  bool pick_column(uint64_t now, TickState& ts, Candidate& col);
  void serve_column(uint64_t now, const Candidate& col);
  bool pick_refresh(uint64_t now, TickState& ts, Candidate& row);
  bool pick_row(uint64_t now, TickState& ts, Candidate& row);
  uint64_t next_wake(uint64_t now, uint64_t wake, bool busy) const;

  void load_timing(const HbmTiming& t);
  void admit(uint64_t now);  // arrived bursts join the scheduler's queues
  bool write_mode(PcState& p, uint64_t now);
  uint64_t earliest(Cmd c, uint32_t pc, uint32_t bank) const;
  void issue(uint64_t now, Cmd c, uint32_t pc, uint32_t bank, uint32_t row);
  void apply_timing_rules(uint64_t now, Cmd c, uint32_t pc, uint32_t bank);
  void update_state(uint64_t now, Cmd c, uint32_t pc, uint32_t bank, uint32_t row);
  void recount_hits(uint32_t pc, uint32_t bank);
  void add_hit(const Burst& b);
  void remove_hit(const Burst& b);
  void clear_hits(uint32_t bank);
  void refresh_needs(uint32_t bank);  // after the bank's row state changed
  bool refresh_blocks(const PcState& p, uint32_t bank) const;
  uint32_t bg_of(uint32_t bank) const { return (bank / banks_per_group_) % bank_groups_; }
  uint32_t pc_of_bank(uint32_t bank) const { return bank / banks_per_pc_; }

  const MemoryConfig cfg_;
  const uint32_t channel_;
  const uint32_t pcs_, bank_groups_, banks_per_group_, banks_per_pc_;
  HbmTiming t_;  // timing used for scheduling
  int n_bl_;
  std::array<std::vector<std::pair<Cmd, std::pair<Scope, int>>>, kNumCmds> rules_by_prev_;
  const PagePolicy page_policy_;
  const RequestScheduler scheduler_;
  const uint32_t cap_rd_, cap_wr_, high_wm_, low_wm_;
  const RefreshMode refresh_;

  std::vector<BankState> banks_;
  std::vector<PcState> pcs_state_;
  std::vector<Earliest> bank_next_, bg_next_, pc_next_;
  std::deque<Burst> incoming_;  // in arrival order (constant frontend latency)
  uint64_t queued_ = 0, commands_ = 0, last_tick_ = 0, next_wake_ = kNoWake;
  // Cycle of the last row / column command: a second tick in the same cycle
  // must not put a second command on a bus.
  uint64_t last_row_cmd_ = kNoWake, last_col_cmd_ = kNoWake;
  BurstSink& sink_;
  std::unique_ptr<ProtocolChecker> checker_;
  Timeline* timeline_;
  int timeline_track_;

  stats::Group stats_;
  stats::Vector cmd_count_;
  stats::Scalar read_bursts_, write_bursts_, data_cycles_, refreshes_, row_hits_, ticks_;
  stats::Distribution queue_wait_;
};

}  // namespace npusim::memory
