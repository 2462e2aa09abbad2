#include "memory/hbm_system.hpp"

#include <algorithm>
#include <sstream>

#include "sim/timeline.hpp"

namespace npusim::memory {

HbmSystem::HbmSystem(sc_core::sc_module_name name, const MemoryConfig& cfg, stats::Group& parent,
                     Timeline* timeline)
    : MemoryModel(name, cfg, parent),
      map_(AddressMapping::build(cfg.org, cfg.controller.address_mapping, "memory.controller.address_mapping")),
      acts_(stats_, "activates", "ACT commands over all channels", "count"),
      column_cmds_(stats_, "column_commands", "RD/WR commands over all channels", "count") {
  const int n = cfg.org.channels();
  for (int c = 0; c < n; ++c) {
    int track = -1;
    if (timeline) track = timeline->add_track(std::string(basename()), "ch" + std::to_string(c));
    channels_.push_back(std::make_unique<ChannelController>(cfg, uint32_t(c), stats_, *this, timeline, track));
  }
  scheduled_.assign(size_t(n), kNoWake);
}

void HbmSystem::schedule(uint32_t ch, uint64_t cycle) {
  if (cycle >= scheduled_[ch]) return;
  scheduled_[ch] = cycle;
  calendar_.push({cycle, ch});
  wake_at(cycle);
}

bool HbmSystem::try_accept(tlm::tlm_generic_payload& gp, uint64_t first_burst, uint32_t bursts, uint64_t now) {
  const bool write = gp.is_write();
  const uint32_t bb = cfg_.org.burst_bytes();
  scratch_.clear();
  for (uint32_t i = 0; i < bursts; ++i) scratch_.push_back(map_.decode((first_burst + i) * bb));
  // All bursts must fit, or none is queued (a transaction is accepted whole):
  // count bursts per target queue (few distinct targets per request).
  need_.clear();
  for (const DramAddr& a : scratch_) {
    auto it = std::find_if(need_.begin(), need_.end(),
                           [&](const auto& n) { return n.first.first == a.channel && n.first.second == a.pc; });
    if (it == need_.end()) need_.push_back({{a.channel, a.pc}, 1});
    else ++it->second;
  }
  for (const auto& [target, n] : need_)
    if (!channels_[target.first]->can_accept(target.second, write, n)) return false;
  uint32_t slot;
  if (free_txns_.empty()) {
    slot = uint32_t(txns_.size());
    txns_.push_back({});
  } else {
    slot = free_txns_.back();
    free_txns_.pop_back();
  }
  txns_[slot] = Txn{&gp, bursts, 0};
  // The slot index travels as the burst owner: txns_ may grow and move.
  void* owner = reinterpret_cast<void*>(uintptr_t(slot));
  for (const DramAddr& a : scratch_) {
    ChannelController& ch = *channels_[a.channel];
    ch.catch_up(now);
    ch.enqueue(a, write, owner, now, seq_++);
    schedule(a.channel, ch.next_wake());
  }
  return true;
}

void HbmSystem::burst_done(void* owner, uint64_t done_cycle) {
  Txn& t = txns_[uintptr_t(owner)];
  ++dram_bursts_;
  t.done = std::max(t.done, done_cycle);
  if (--t.bursts_left == 0) {
    complete(t.gp, t.done + uint64_t(cfg_.controller.backend_latency));
    free_txns_.push_back(uint32_t(uintptr_t(owner)));
  }
}

uint64_t HbmSystem::service(uint64_t now) {
  while (!calendar_.empty() && calendar_.top().first <= now) {
    const auto [cycle, ch] = calendar_.top();
    calendar_.pop();
    if (scheduled_[ch] != cycle) continue;  // superseded by an earlier entry
    scheduled_[ch] = kNoWake;
    const uint64_t w = channels_[ch]->tick(now);
    if (w != kNoWake) schedule(ch, w);
    note_progress();
  }
  return calendar_.empty() ? kNoWake : calendar_.top().first;
}

uint64_t HbmSystem::total(uint64_t (ChannelController::*per_channel)() const) const {
  uint64_t n = 0;
  for (const auto& c : channels_) n += ((*c).*per_channel)();
  return n;
}

double HbmSystem::row_hit_rate() const {
  const uint64_t col = total(&ChannelController::column_commands);
  return col ? double(total(&ChannelController::row_hits)) / double(col) : 0.0;
}

void HbmSystem::finish() {
  acts_.set(double(total(&ChannelController::activates)));
  column_cmds_.set(double(total(&ChannelController::column_commands)));
}

std::string HbmSystem::holdings() const {
  std::ostringstream os;
  os << (outstanding()) << " transactions in flight";
  for (const auto& c : channels_)
    if (c->queued()) os << "\n    " << c->holdings();
  return os.str();
}

}  // namespace npusim::memory
