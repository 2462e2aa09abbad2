#include "memory/channel_controller.hpp"

#include <algorithm>
#include <sstream>

#include "sim/timeline.hpp"

namespace npusim::memory {

namespace {
std::vector<std::string> cmd_names() {
  std::vector<std::string> v;
  for (size_t i = 0; i < kNumCmds; ++i) v.push_back(to_string(Cmd(i)));
  return v;
}
}  // namespace

ChannelController::ChannelController(const MemoryConfig& cfg, uint32_t channel, stats::Group& parent,
                                     BurstSink& sink, Timeline* timeline, int timeline_track)
    : cfg_(cfg),
      channel_(channel),
      pcs_(cfg.org.pseudo_channels),
      bank_groups_(cfg.org.bank_groups),
      banks_per_group_(cfg.org.banks_per_group),
      banks_per_pc_(cfg.org.banks_per_pc()),
      page_policy_(cfg.controller.page_policy),
      scheduler_(cfg.controller.scheduler, cfg.controller.row_hit_cap),
      cap_rd_(cfg.controller.read_queue),
      cap_wr_(cfg.controller.write_queue),
      high_wm_(std::max<uint32_t>(1, uint32_t(cfg.controller.write_high_watermark * cfg.controller.write_queue))),
      low_wm_(uint32_t(cfg.controller.write_low_watermark * cfg.controller.write_queue)),
      refresh_(cfg.controller.refresh),
      sink_(sink),
      timeline_(timeline),
      timeline_track_(timeline_track),
      stats_(&parent, "ch" + std::to_string(channel)),
      cmd_count_(stats_, "commands", "DRAM commands issued, by type", "count", kNumCmds, cmd_names()),
      read_bursts_(stats_, "read_bursts", "Read bursts served", "count"),
      write_bursts_(stats_, "write_bursts", "Write bursts served", "count"),
      data_cycles_(stats_, "data_bus_cycles", "Cycles the pseudo-channel data buses carried data (summed)",
                   "tCK"),
      refreshes_(stats_, "refreshes", "Refresh commands (REFab + REFpb)", "count"),
      row_hits_(stats_, "row_hits", "Column commands to a row an earlier column command already used", "count"),
      ticks_(stats_, "scheduler_ticks", "Cycles the scheduler ran (idle cycles cost none)", "count"),
      queue_wait_(stats_, "queue_wait", "Cycles from arrival to column command, per burst", "tCK") {
  load_timing(cfg.timing);
  const size_t banks = size_t(pcs_) * banks_per_pc_;
  banks_.assign(banks, BankState{});
  pcs_state_.assign(pcs_, PcState{});
  Earliest zero;
  zero.fill(0);
  bank_next_.assign(banks, zero);
  bg_next_.assign(size_t(pcs_) * bank_groups_, zero);
  pc_next_.assign(pcs_, zero);
  const uint32_t total_pcs = cfg.org.channels() * pcs_;
  for (uint32_t p = 0; p < pcs_; ++p) {
    PcState& s = pcs_state_[p];
    for (auto& q : s.q) q.reserve(std::max(cap_rd_, cap_wr_));
    s.faw.fill(kNoWake);  // no ACT yet: the window does not constrain
    const uint64_t interval = refresh_ == RefreshMode::PerBank ? t_.nREFIpb : t_.nREFI;
    const uint64_t gpc = uint64_t(channel) * pcs_ + p;
    s.next_refresh = interval + (cfg.controller.refresh_stagger ? interval * gpc / total_pcs : 0);
  }
  if (cfg.protocol_checker) checker_ = std::make_unique<ProtocolChecker>(cfg.org, cfg.timing, channel);
}

void ChannelController::load_timing(const HbmTiming& t) {
  t_ = t;
  n_bl_ = t.nBL(cfg_.org);
  for (auto& v : rules_by_prev_) v.clear();
  for (const TimingRule& r : build_timing_rules(t, cfg_.org))
    rules_by_prev_[size_t(r.prev)].push_back({r.next, {r.scope, r.cycles}});
}

void ChannelController::override_schedule_timing(const HbmTiming& t) { load_timing(t); }

bool ChannelController::can_accept(uint32_t pc, bool write, uint32_t n) const {
  const PcState& p = pcs_state_[pc];
  return p.q[write].size() + p.incoming[write] + n <= (write ? cap_wr_ : cap_rd_);
}

void ChannelController::enqueue(const DramAddr& a, bool write, void* owner, uint64_t now, uint64_t seq) {
  Burst b;
  b.arrive = now + cfg_.controller.frontend_latency;
  b.seq = seq;
  b.owner = owner;
  b.pc = uint8_t(a.pc);
  b.bg = uint8_t(a.bg);
  b.bank = (a.pc * bank_groups_ + a.bg) * banks_per_group_ + a.bank;
  b.row = a.row;
  b.col = a.col;
  b.write = write;
  // The queue slot is taken now, but the scheduler sees the burst only when
  // it arrives (after the frontend latency): see admit().
  ++pcs_state_[a.pc].incoming[write];
  incoming_.push_back(b);
  ++queued_;
  next_wake_ = std::min(next_wake_, b.arrive);
}

void ChannelController::admit(uint64_t now) {
  while (!incoming_.empty() && incoming_.front().arrive <= now) {
    const Burst& b = incoming_.front();
    PcState& p = pcs_state_[b.pc];
    --p.incoming[b.write];
    p.q[b.write].push_back(b);
    p.dirty = true;
    BankState& bs = banks_[b.bank];
    ++bs.queued[b.write];
    if (bs.open && bs.row == b.row) {
      add_hit(b);
    } else {
      // The youngest burst: it is its bank's oldest non-hit only if the bank
      // has none yet, and then it goes last in age order.
      auto& needs = p.needs[b.write];
      bool has = false;
      for (const NeedRef& n : needs) has = has || n.bank == b.bank;
      if (!has) needs.push_back(NeedRef{b.seq, b.bank, b.row});
    }
    incoming_.pop_front();
  }
}

void ChannelController::catch_up(uint64_t now) {
  if (refresh_ == RefreshMode::Off || queued_ > 0) return;
  for (;;) {
    uint64_t due = kNoWake;
    bool pending = false;
    for (const PcState& p : pcs_state_) {
      if (!p.refresh_pending) due = std::min(due, p.next_refresh);
      pending = pending || p.refresh_pending;
    }
    due = std::max(due, last_tick_);
    const uint64_t t = pending ? std::min(next_wake_, due) : due;
    if (t >= now) break;
    tick(t);
  }
}

inline bool ChannelController::refresh_blocks(const PcState& p, uint32_t bank) const {
  if (!p.refresh_pending) return false;
  return refresh_ == RefreshMode::AllBank || (bank % banks_per_pc_) == p.refresh_bank;
}

bool ChannelController::write_mode(PcState& p, uint64_t now) {
  const size_t wq = p.q[1].size();
  if (!p.draining && wq >= high_wm_) p.draining = true;
  if (p.draining && wq <= low_wm_) p.draining = false;
  if (p.draining) return true;
  const bool reads_visible = !p.q[0].empty() && p.q[0].front().arrive <= now;
  return !reads_visible && wq > 0;
}

uint64_t ChannelController::earliest(Cmd c, uint32_t pc, uint32_t bank) const {
  const size_t ci = size_t(c);
  uint64_t e = std::max(pc_next_[pc][ci], bg_next_[size_t(pc) * bank_groups_ + bg_of(bank)][ci]);
  if (c == Cmd::PREA || c == Cmd::REFab) {
    for (uint32_t b = pc * banks_per_pc_; b < (pc + 1) * banks_per_pc_; ++b) e = std::max(e, bank_next_[b][ci]);
  } else {
    e = std::max(e, bank_next_[bank][ci]);
  }
  const PcState& p = pcs_state_[pc];
  if (c == Cmd::ACT) {
    const uint64_t oldest = p.faw[p.faw_pos];
    if (oldest != kNoWake) e = std::max(e, oldest + uint64_t(t_.nFAW));
  } else if (is_column(c)) {
    const uint64_t lat = is_write(c) ? t_.nCWL : t_.nCL;
    if (p.data_free > lat) e = std::max(e, p.data_free - lat);
  }
  return e;
}

void ChannelController::issue(uint64_t now, Cmd c, uint32_t pc, uint32_t bank, uint32_t row) {
  if (checker_) checker_->on_command(now, c, pc, bg_of(bank), bank % banks_per_group_, row);
  ++commands_;
  cmd_count_[size_t(c)] += 1;
  (is_column(c) ? last_col_cmd_ : last_row_cmd_) = now;
  apply_timing_rules(now, c, pc, bank);
  update_state(now, c, pc, bank, row);
  if (timeline_ && timeline_->enabled())
    timeline_->complete(timeline_track_, to_string(c), cfg_.timing.tCK_ps * now,
                        cfg_.timing.tCK_ps * (is_column(c) ? n_bl_ : 1));
}

// Every rule "c -> next within scope >= N cycles" moves next's earliest
// cycle in c's bank, bank group or pseudo-channel.
inline void ChannelController::apply_timing_rules(uint64_t now, Cmd c, uint32_t pc, uint32_t bank) {
  const uint32_t bg = bg_of(bank);
  const bool all_banks = c == Cmd::PREA || c == Cmd::REFab;
  const uint32_t first = pc * banks_per_pc_;
  for (const auto& [next, sc] : rules_by_prev_[size_t(c)]) {
    const uint64_t t = now + uint64_t(sc.second);
    uint64_t* slot = nullptr;
    switch (sc.first) {
      case Scope::Bank:
        if (all_banks) {
          for (uint32_t b = first; b < first + banks_per_pc_; ++b)
            bank_next_[b][size_t(next)] = std::max(bank_next_[b][size_t(next)], t);
          continue;
        }
        slot = &bank_next_[bank][size_t(next)];
        break;
      case Scope::BankGroup: slot = &bg_next_[size_t(pc) * bank_groups_ + bg][size_t(next)]; break;
      case Scope::PseudoChannel: slot = &pc_next_[pc][size_t(next)]; break;
    }
    *slot = std::max(*slot, t);
  }
}

// What c does to the banks, the refresh schedule and the data bus.
inline void ChannelController::update_state(uint64_t now, Cmd c, uint32_t pc, uint32_t bank, uint32_t row) {
  const uint32_t first = pc * banks_per_pc_;
  PcState& p = pcs_state_[pc];
  p.dirty = true;
  BankState& bs = banks_[bank];
  switch (c) {
    case Cmd::ACT:
      p.faw[p.faw_pos] = now;
      p.faw_pos = (p.faw_pos + 1) % 4;
      bs.open = true;
      bs.row = row;
      bs.hits_since_act = 0;
      recount_hits(pc, bank);
      refresh_needs(bank);
      break;
    case Cmd::PRE:
      bs.open = false;
      clear_hits(bank);
      refresh_needs(bank);
      break;
    case Cmd::PREA:
      for (uint32_t b = first; b < first + banks_per_pc_; ++b) {
        if (!banks_[b].open) continue;
        banks_[b].open = false;
        clear_hits(b);
        refresh_needs(b);
      }
      break;
    case Cmd::REFab:
    case Cmd::REFpb:
      refreshes_ += 1;
      p.refresh_pending = false;
      if (c == Cmd::REFab) {
        p.next_refresh += t_.nREFI;
      } else {
        p.refresh_bank = (p.refresh_bank + 1) % banks_per_pc_;
        p.next_refresh += t_.nREFIpb;
      }
      break;
    default: {
      const bool w = is_write(c);
      const uint64_t start = now + (w ? t_.nCWL : t_.nCL);
      p.data_free = start + n_bl_;
      data_cycles_ += n_bl_;
      if (bs.hits_since_act > 0) row_hits_ += 1;  // the first access after ACT paid for the row
      ++bs.hits_since_act;
      if (c == Cmd::RDA || c == Cmd::WRA) {
        bs.open = false;
        clear_hits(bank);
        refresh_needs(bank);
      }
      break;
    }
  }
}

void ChannelController::recount_hits(uint32_t pc, uint32_t bank) {
  clear_hits(bank);
  const BankState& bs = banks_[bank];
  for (int w = 0; w < 2; ++w)
    for (const Burst& b : pcs_state_[pc].q[w])
      if (b.bank == bank && b.row == bs.row) add_hit(b);
}

void ChannelController::add_hit(const Burst& b) {
  std::vector<HitRef>& l = pcs_state_[b.pc].hit_list[b.write];
  // Usually the youngest: append; after an ACT, older bursts slot in by age.
  auto it = l.end();
  while (it != l.begin() && (it - 1)->seq > b.seq) --it;
  l.insert(it, HitRef{b.seq, b.arrive, b.bank});
  ++banks_[b.bank].hits[b.write];
}

void ChannelController::remove_hit(const Burst& b) {
  std::vector<HitRef>& l = pcs_state_[b.pc].hit_list[b.write];
  for (auto it = l.begin(); it != l.end(); ++it)
    if (it->seq == b.seq) {
      l.erase(it);
      --banks_[b.bank].hits[b.write];
      return;
    }
}

void ChannelController::refresh_needs(uint32_t bank) {
  PcState& p = pcs_state_[pc_of_bank(bank)];
  const BankState& bs = banks_[bank];
  for (int w = 0; w < 2; ++w) {
    auto& needs = p.needs[w];
    needs.erase(std::remove_if(needs.begin(), needs.end(), [bank](const NeedRef& n) { return n.bank == bank; }),
                needs.end());
    for (const Burst& b : p.q[w]) {
      if (b.bank != bank || (bs.open && bs.row == b.row)) continue;
      auto it = needs.begin();
      while (it != needs.end() && it->seq < b.seq) ++it;
      needs.insert(it, NeedRef{b.seq, bank, b.row});
      break;
    }
  }
}

void ChannelController::clear_hits(uint32_t bank) {
  BankState& bs = banks_[bank];
  for (int w = 0; w < 2; ++w) {
    if (bs.hits[w] == 0) continue;
    std::vector<HitRef>& l = pcs_state_[pc_of_bank(bank)].hit_list[w];
    l.erase(std::remove_if(l.begin(), l.end(), [bank](const HitRef& h) { return h.bank == bank; }), l.end());
    bs.hits[w] = 0;
  }
}

// The phases of tick(), in order. They are `inline` (each is called once per
// tick, from this file only) so that splitting tick costs no calls: measured
// with callgrind on 60k random hbm3 requests, out-of-line phases cost 2.5%
// more instructions than the single function did; inline ones 2% fewer.
inline bool ChannelController::refresh_due(uint64_t now) {
  if (refresh_ == RefreshMode::Off) return false;
  bool pending = false;
  for (PcState& p : pcs_state_) {
    if (!p.refresh_pending && now >= p.next_refresh) {
      p.refresh_pending = true;
      p.dirty = true;
    }
    pending = pending || p.refresh_pending;
  }
  return pending;
}

inline void ChannelController::choose_modes(uint64_t now, TickState& ts) {
  uint64_t wake = ts.wake;
  for (uint32_t pc = 0; pc < pcs_; ++pc) {
    PcState& p = pcs_state_[pc];
    const bool w = write_mode(p, now);
    ts.write_mode[pc] = w;
    if (w != p.last_mode) p.dirty = true;
    p.last_mode = w;
    if (p.dirty) p.col_valid = p.row_valid = false;
    p.dirty = false;
    // Either queue's next arrival can change what happens (a read arriving
    // ends opportunistic write mode), so both reach the wake-up.
    for (const auto& q : p.q)
      if (!q.empty() && q.front().arrive > now) wake = std::min(wake, q.front().arrive);
  }
  ts.wake = wake;
}

// The oldest ready row hit over all pseudo-channels (only row hits can take
// the column bus: a miss needs its ACT first).
inline bool ChannelController::pick_column(uint64_t now, TickState& ts, Candidate& col) {
  bool have = false;
  uint64_t wake = ts.wake;
  const bool scan_all = scheduler_.scans_past_oldest();
  for (uint32_t pc = 0; pc < pcs_; ++pc) {
    PcState& p = pcs_state_[pc];
    const bool w = ts.write_mode[pc];
    const std::vector<HitRef>& hits = p.hit_list[w];
    if (hits.empty()) continue;
    if (p.col_valid && now < p.col_wake) {
      wake = std::min(wake, p.col_wake);
      continue;
    }
    uint64_t pc_wake = kNoWake;
    bool complete = true;
    // Hits are queued bursts, so the queue is not empty here.
    if (!p.q[w].empty() && scheduler_.may_serve(hits.front().seq, p.q[w].front().seq)) {
      for (const HitRef& h : hits) {
        if (h.arrive > now) {
          pc_wake = std::min(pc_wake, h.arrive);
          break;  // age order = arrival order: the rest are later still
        }
        if (have && h.seq > col.seq) {
          complete = false;
          break;  // cannot beat the candidate
        }
        const BankState& bs = banks_[h.bank];
        if (!refresh_blocks(p, h.bank) && !scheduler_.hit_waits(bs.hits_since_act, bs.queued[w], bs.hits[w])) {
          const Cmd c = page_policy_.column_command(w, bs.hits[0] + bs.hits[1] == 1);
          const uint64_t e = earliest(c, pc, h.bank);
          if (e <= now) {
            col = Candidate{c, pc, h.bank, h.seq, w, bs.row};
            have = true;
            complete = false;
            break;
          }
          pc_wake = std::min(pc_wake, e);
        }
        if (!scan_all) break;
      }
    }
    wake = std::min(wake, pc_wake);
    p.col_valid = complete;
    p.col_wake = pc_wake;
  }
  ts.wake = wake;
  return have;
}

inline void ChannelController::serve_column(uint64_t now, const Candidate& col) {
  PcState& p = pcs_state_[col.pc];
  std::vector<Burst>& q = p.q[col.write];
  auto it = q.begin();
  while (it->seq != col.seq) ++it;  // the chosen hit is queued: found within the queue
  const Burst b = *it;
  q.erase(it);
  BankState& bs = banks_[b.bank];
  --bs.queued[col.write];
  remove_hit(b);
  --queued_;
  issue(now, col.cmd, col.pc, b.bank, b.row);
  (col.write ? write_bursts_ : read_bursts_) += 1;
  queue_wait_.sample(now - b.arrive);
  const uint64_t done = now + (col.write ? t_.nCWL : t_.nCL) + n_bl_;
  sink_.burst_done(b.owner, done);
}

// A refresh command for the first pseudo-channel that owes one and can take
// it now: REF, or first the precharge it needs.
inline bool ChannelController::pick_refresh(uint64_t now, TickState& ts, Candidate& row) {
  for (uint32_t pc = 0; pc < pcs_; ++pc) {
    PcState& p = pcs_state_[pc];
    if (!p.refresh_pending) continue;
    Cmd c;
    uint32_t bank = pc * banks_per_pc_;
    if (refresh_ == RefreshMode::AllBank) {
      bool any_open = false;
      for (uint32_t b = bank; b < bank + banks_per_pc_; ++b) any_open = any_open || banks_[b].open;
      c = any_open ? Cmd::PREA : Cmd::REFab;
    } else {
      bank += p.refresh_bank;
      c = banks_[bank].open ? Cmd::PRE : Cmd::REFpb;
    }
    const uint64_t e = earliest(c, pc, bank);
    if (e <= now) {
      row = Candidate{c, pc, bank, 0};
      return true;
    }
    ts.wake = std::min(ts.wake, e);
  }
  return false;
}

// The oldest request needing a row (ACT, or PRE of the bank's other row)
// whose command can issue now.
inline bool ChannelController::pick_row(uint64_t now, TickState& ts, Candidate& row) {
  bool have = false;
  uint64_t wake = ts.wake;
  const bool scan_all = scheduler_.scans_past_oldest();
  for (uint32_t pc = 0; pc < pcs_; ++pc) {
    PcState& p = pcs_state_[pc];
    const bool w = ts.write_mode[pc];
    // ACT constraints shared by the whole pseudo-channel (tRRD_S, tFAW,
    // tRFC): while they block, no bank's ACT needs a closer look.
    uint64_t act_floor = pc_next_[pc][size_t(Cmd::ACT)];
    if (p.faw[p.faw_pos] != kNoWake) act_floor = std::max(act_floor, p.faw[p.faw_pos] + uint64_t(t_.nFAW));
    if (p.dirty) p.row_valid = false;  // a column command issued this tick
    if (p.row_valid && now < p.row_wake) {
      wake = std::min(wake, p.row_wake);
      continue;
    }
    uint64_t pc_wake = kNoWake;
    bool complete = true;
    const auto& needs = p.needs[w];
    // Needs are queued bursts, so the queue is not empty when they are not.
    if (!needs.empty() && scheduler_.may_serve(needs.front().seq, p.q[w].front().seq)) {
      for (const NeedRef& n : needs) {
        if (have && n.seq > row.seq) {
          complete = false;
          break;
        }
        const BankState& bs = banks_[n.bank];
        if (!refresh_blocks(p, n.bank)) {
          const Cmd c = bs.open ? Cmd::PRE : Cmd::ACT;
          const bool want = c == Cmd::ACT || !scheduler_.keeps_row_open(bs.hits[w], bs.hits_since_act);
          if (want && c == Cmd::ACT && act_floor > now) {
            pc_wake = std::min(pc_wake, act_floor);  // a lower bound: the tick then looks closer
          } else if (want) {
            const uint64_t e = earliest(c, pc, n.bank);
            if (e <= now) {
              row = Candidate{c, pc, n.bank, n.seq, w, n.row};
              have = true;
              complete = false;
              break;
            }
            pc_wake = std::min(pc_wake, e);
          }
        }
        if (!scan_all) break;
      }
    }
    wake = std::min(wake, pc_wake);
    p.row_valid = complete;
    p.row_wake = pc_wake;
  }
  ts.wake = wake;
  return have;
}

// `wake`: the earliest cycle the picks found worth a tick; `busy`: a bus
// took a command this cycle (or already had one), so the next cycle may
// issue again.
inline uint64_t ChannelController::next_wake(uint64_t now, uint64_t wake, bool busy) const {
  bool pending_refresh = false;
  for (const PcState& p : pcs_state_) pending_refresh = pending_refresh || p.refresh_pending;
  if (busy) {
    wake = now + 1;
  } else if (queued_ == 0 && !pending_refresh) {
    wake = kNoWake;
  }
  if (!incoming_.empty()) wake = std::min(wake, std::max(incoming_.front().arrive, now + 1));
  if ((queued_ > 0 || pending_refresh) && refresh_ != RefreshMode::Off) {
    for (const PcState& p : pcs_state_)
      if (!p.refresh_pending) wake = std::min(wake, std::max(p.next_refresh, now + 1));
  }
  return wake;
}

uint64_t ChannelController::tick(uint64_t now) {
  last_tick_ = now;
  ticks_ += 1;
  admit(now);
  TickState ts;
  const bool busy_refresh = refresh_due(now);
  choose_modes(now, ts);
  Candidate col{Cmd::RD, 0, 0, UINT64_MAX};
  const bool col_bus_free = last_col_cmd_ != now;
  const bool have_col = col_bus_free && pick_column(now, ts, col);
  if (have_col) serve_column(now, col);
  Candidate row{Cmd::ACT, 0, 0, UINT64_MAX};
  const bool row_bus_free = last_row_cmd_ != now;
  // Refresh first, then the oldest request needing a row.
  const bool have_row = row_bus_free && ((busy_refresh && pick_refresh(now, ts, row)) || pick_row(now, ts, row));
  if (have_row) issue(now, row.cmd, row.pc, row.bank, row.row);
  next_wake_ = next_wake(now, ts.wake, have_col || have_row || !col_bus_free || !row_bus_free);
  return next_wake_;
}

std::string ChannelController::holdings() const {
  std::ostringstream os;
  os << "channel " << channel_ << ": " << queued_ << " bursts queued (" << incoming_.size() << " still arriving)";
  for (uint32_t pc = 0; pc < pcs_; ++pc) {
    const PcState& p = pcs_state_[pc];
    os << "; pc" << pc << " reads=" << p.q[0].size() << " writes=" << p.q[1].size()
       << (p.draining ? " (draining writes)" : "") << (p.refresh_pending ? " (refresh pending)" : "");
    if (!p.q[0].empty() || !p.q[1].empty()) {
      const Burst& b = !p.q[0].empty() ? p.q[0].front() : p.q[1].front();
      const BankState& bs = banks_[b.bank];
      os << " oldest: bank " << b.bank % banks_per_pc_ << " row " << b.row << " (bank "
         << (bs.open ? "open row " + std::to_string(bs.row) : std::string("closed")) << ")";
    }
  }
  os << "; next wake " << (next_wake_ == kNoWake ? std::string("none") : std::to_string(next_wake_));
  return os.str();
}

}  // namespace npusim::memory
