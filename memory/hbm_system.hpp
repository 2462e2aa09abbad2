// The cycle-level HBM memory system: address decode onto channels, one
// ChannelController per channel, and a calendar that ticks only the
// channels that have work, at the cycles where they can act.
#pragma once
#include <memory>
#include <queue>
#include <vector>

#include "memory/address_mapping.hpp"
#include "memory/channel_controller.hpp"
#include "memory/memory_model.hpp"

namespace npusim {
class Timeline;
}

namespace npusim::memory {

class HbmSystem : public MemoryModel, public BurstSink {
 public:
  HbmSystem(sc_core::sc_module_name name, const MemoryConfig& cfg, stats::Group& parent,
            Timeline* timeline = nullptr);

  const AddressMapping& mapping() const { return map_; }
  ChannelController& channel(size_t i) { return *channels_[i]; }
  size_t channels() const { return channels_.size(); }
  uint64_t dram_bytes() const override { return dram_bursts_ * cfg_.org.burst_bytes(); }
  double row_hit_rate() const override;
  std::string holdings() const override;
  void finish() override;

  // BurstSink
  void burst_done(void* owner, uint64_t done_cycle) override;

 protected:
  bool try_accept(tlm::tlm_generic_payload& gp, uint64_t first_burst, uint32_t bursts, uint64_t now) override;
  uint64_t service(uint64_t now) override;

 private:
  struct Txn {
    tlm::tlm_generic_payload* gp;
    uint32_t bursts_left;
    uint64_t done;
  };
  void schedule(uint32_t ch, uint64_t cycle);
  // Sum of a per-channel counter over all channels.
  uint64_t total(uint64_t (ChannelController::*per_channel)() const) const;

  AddressMapping map_;
  std::vector<std::unique_ptr<ChannelController>> channels_;
  std::vector<uint64_t> scheduled_;  // per channel: cycle in the calendar, or kNoWake
  using Entry = std::pair<uint64_t, uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> calendar_;
  std::vector<Txn> txns_;
  std::vector<uint32_t> free_txns_;
  std::vector<DramAddr> scratch_;
  std::vector<std::pair<std::pair<uint32_t, uint32_t>, uint32_t>> need_;  // (channel, pc) -> bursts
  uint64_t seq_ = 0, dram_bursts_ = 0;
  stats::Scalar acts_, column_cmds_;
};

}  // namespace npusim::memory
