#include "models/l2_cache.hpp"

#include <algorithm>

#include "sim/errors.hpp"
#include "sim/int_math.hpp"

namespace npusim {

L2Cache::L2Cache(const npu::L2Config& cfg, uint64_t capacity_bytes, const ClockDomain& clk,
                 TlmInitiatorPort::Socket& memory, PayloadPool& pool, stats::Group& group, std::string owner)
    : cfg_(cfg),
      clk_(clk),
      owner_(std::move(owner)),
      tags_(capacity_bytes, cfg.line_bytes, cfg.ways),
      slice_free_(cfg.slices, 0),
      memory_(memory, pool),
      lines_(group, "l2_lines", "Line requests from the cores to L2", "line"),
      req_bytes_(group, "l2_bytes", "Bytes the cores moved through L2", "byte"),
      hits_(group, "l2_hits", "Core line requests that hit in L2 (writes allocate and count as hits)", "line"),
      misses_(group, "l2_misses", "Core read lines that missed in L2 (incl. those merged into an MSHR)", "line"),
      mshr_merges_(group, "l2_mshr_merges", "Read misses that found the line already being fetched", "line"),
      writebacks_(group, "l2_writebacks", "Dirty lines written back to memory on eviction", "line"),
      mem_read_bytes_(group, "hbm_read_bytes", "Bytes read from memory (line fills)", "byte"),
      mem_write_bytes_(group, "hbm_write_bytes", "Bytes written to memory (write-backs)", "byte"),
      slice_wait_cycles_(group, "l2_slice_wait_cycles", "Cycles lines queued for a busy L2 slice (summed)", "cycle"),
      miss_latency_(group, "l2_miss_latency", "Cycles from a read miss's memory request to its fill", "cycle") {
  if (cfg.slices == 0) throw ConfigError("chip.l2.slices: expected an integer >= 1, got 0");
  memory_.count_sent_bytes(&mem_read_bytes_, &mem_write_bytes_);
  memory_.on_response = [this](tlm::tlm_generic_payload& gp) { on_memory_response(gp); };
  memory_.on_accepted = [this] { on_memory_event(); };
}

double L2Cache::hit_rate() const {
  const double n = lines_.value();
  return n > 0 ? hits_.value() / n : 0.0;
}

std::string L2Cache::memory_holdings() const {
  return std::to_string(mshr_.size()) + " L2 misses outstanding, " + std::to_string(memory_.in_flight()) +
         " memory requests in flight, " + std::to_string(memory_.queued()) + " queued" +
         (memory_.blocked() ? " (memory withholding END_REQ)" : "");
}

uint64_t L2Cache::slice_arrival(uint64_t line, uint64_t bytes, uint64_t arrive) {
  uint64_t& free_at = slice_free_[slice_of(line)];
  const uint64_t start = std::max(arrive, free_at);
  if (start > arrive) slice_wait_cycles_ += double(start - arrive);
  free_at = start + ceil_div(bytes, cfg_.slice_bytes_per_cycle);
  return free_at;
}

void L2Cache::serve(uint32_t x, uint64_t line, bool write, uint64_t now) {
  if (write) {
    if (tags_.access(line, true)) {
      hits_ += 1;
    } else {
      hits_ += 1;  // allocated without a fetch
      // A read miss to the same line may be in flight: its fill finds the
      // line present and does not install it twice.
      const memory::L2Tags::Victim v = tags_.insert(line, true);
      if (v.dirty) to_memory(v.line, true);
    }
    on_answer(x, line, now);
    return;
  }
  if (tags_.access(line, false)) {
    hits_ += 1;
    on_answer(x, line, now + cfg_.hit_latency_cycles);
    return;
  }
  misses_ += 1;
  auto [it, fresh] = mshr_.try_emplace(line);
  it->second.waiters.push_back(x);
  if (!fresh) {
    mshr_merges_ += 1;
    return;
  }
  it->second.start = now;
  to_memory(line, false);
}

void L2Cache::to_memory(uint64_t line, bool write) {
  if (write) writebacks_ += 1;
  memory_.enqueue(TlmInitiatorPort::Request{line * cfg_.line_bytes, cfg_.line_bytes, write, memory_ids_++});
}

void L2Cache::on_memory_response(tlm::tlm_generic_payload& gp) {
  if (gp.get_response_status() != tlm::TLM_OK_RESPONSE)
    sim_throw<ProtocolError>(owner_ + ": memory answered address 0x" + std::to_string(gp.get_address()) +
                             " with an error");
  const uint64_t line = gp.get_address() / cfg_.line_bytes;
  const bool write = gp.is_write();
  gp.release();
  if (!write) fill(line, clk_.next_cycle_at_or_after_now());
  memory_.send();
  on_memory_event();
}

void L2Cache::fill(uint64_t line, uint64_t now) {
  if (!tags_.contains(line)) {
    const memory::L2Tags::Victim v = tags_.insert(line, false);
    if (v.dirty) to_memory(v.line, true);
  }
  auto it = mshr_.find(line);
  if (it == mshr_.end()) return;
  miss_latency_.sample(now - it->second.start);
  const uint64_t at = now + cfg_.hit_latency_cycles;
  for (uint32_t x : it->second.waiters) on_answer(x, line, at);
  mshr_.erase(it);
}

}  // namespace npusim
