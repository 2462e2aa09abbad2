// The chip's shared L2 at cycle level: address-hashed slices (each a
// bandwidth server, one line at a time at l2.slice_bytes_per_cycle), the tag
// array (memory::L2Tags: set-associative, write-back, write-allocate, LRU),
// MSHRs that merge read misses to a line already being fetched, and the
// memory port behind it (line fills and dirty write-backs over TLM AT).
//
// The L2 does not own time: the chip's event queue does. The chip asks when
// a line request arriving at a slice will be served (slice_arrival), serves
// it then (serve), and hears every answer through `on_answer` (at once for a
// hit or a write, when the fill returns for a miss).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "memory/l2_tags.hpp"
#include "npu/chip/chip_config.hpp"
#include "sim/clock_domain.hpp"
#include "sim/stats.hpp"
#include "sim/tlm_initiator_port.hpp"

namespace npusim {

class L2Cache {
 public:
  // Stats go into `group` (the chip's). `owner` names the chip in errors.
  // ConfigError if l2.slices is 0.
  L2Cache(const npu::L2Config& cfg, uint64_t capacity_bytes, const ClockDomain& clk, TlmInitiatorPort::Socket& memory,
          PayloadPool& pool, stats::Group& group, std::string owner);
  L2Cache(const L2Cache&) = delete;
  L2Cache& operator=(const L2Cache&) = delete;

  // Transfer `xfer`'s request for `line` is answered at core cycle `at`.
  std::function<void(uint32_t xfer, uint64_t line, uint64_t at)> on_answer;
  // The memory side moved (an END_REQ or a response): the chip re-arms its wake-up.
  std::function<void()> on_memory_event;

  size_t slice_of(uint64_t line) const { return memory::L2Tags::mix(line) % slice_free_.size(); }
  // A core's line request of `bytes` (the part of the line its row covers).
  void count_request(uint64_t bytes) {
    lines_ += 1;
    req_bytes_ += double(bytes);
  }
  // A request for `line` reaches its slice at `arrive`: returns the cycle the
  // slice has read it (requests queue, one at a time per slice).
  uint64_t slice_arrival(uint64_t line, uint64_t bytes, uint64_t arrive);
  // The slice looks `line` up for transfer `xfer`: a hit or a write answers
  // now, a read miss waits in an MSHR for the fill.
  void serve(uint32_t xfer, uint64_t line, bool write, uint64_t now);
  // Sends queued fills and write-backs as far as the memory accepts them.
  void send_to_memory() { memory_.send(); }

  bool memory_idle() const { return memory_.idle(); }
  uint64_t memory_outstanding() const { return memory_.in_flight() + memory_.queued(); }
  uint64_t memory_answered() const { return memory_.answered(); }
  std::string memory_holdings() const;

  double lines() const { return lines_.value(); }
  double bytes() const { return req_bytes_.value(); }
  double hit_rate() const;
  double memory_read_bytes() const { return mem_read_bytes_.value(); }
  double memory_write_bytes() const { return mem_write_bytes_.value(); }

 private:
  struct Mshr {
    uint64_t start = 0;             // cycle its memory read was queued
    std::vector<uint32_t> waiters;  // transfers waiting for the line
  };
  void to_memory(uint64_t line, bool write);
  void on_memory_response(tlm::tlm_generic_payload& gp);
  void fill(uint64_t line, uint64_t now);

  const npu::L2Config cfg_;
  const ClockDomain& clk_;
  const std::string owner_;
  memory::L2Tags tags_;
  std::vector<uint64_t> slice_free_;  // first cycle each slice can take a line
  std::unordered_map<uint64_t, Mshr> mshr_;  // line -> its outstanding read miss
  TlmInitiatorPort memory_;
  uint64_t memory_ids_ = 0;

  stats::Scalar lines_, req_bytes_, hits_, misses_, mshr_merges_, writebacks_, mem_read_bytes_, mem_write_bytes_,
      slice_wait_cycles_;
  stats::Distribution miss_latency_;
};

}  // namespace npusim
