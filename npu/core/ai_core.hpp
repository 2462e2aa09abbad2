// Pipe-level timing model of one Da Vinci-like AI core, plain C++ (no
// SystemC): a SystemC wrapper calls advance(now) at the cycles it returns.
//
// The scalar unit issues the program in order, at most one instruction per
// cycle, into per-pipe FIFO queues (S-pipe work runs in the scalar unit
// itself). Each pipe runs its queue in order, one instruction at a time, for
// a duration computed from the CoreConfig (see duration()); pipes run
// concurrently. set_flag(src,dst,id) runs on src once src's earlier work is
// done and increments the flag; wait_flag runs on dst and blocks dst until
// the flag is non-zero, then decrements it. pipe_barrier(p) keeps later
// instructions for p from issuing until everything issued to p earlier has
// completed; pipe_barrier(all) stalls issue until every pipe has drained.
// An instruction issued at cycle t may start on its pipe at cycle t; a flag
// set at cycle t releases a waiting pipe at cycle t.
//
// Global memory: without a GmPort a GM transfer (MTE2, MTE3, FIX to GM) takes
// the documented fixed gm_latency + bytes/bandwidth. With a GmPort the core
// hands the transfer to the port when it starts; the pipe is busy until the
// port has issued all its requests (gm_issued) and may then start its next
// transfer while data is still in flight, like a DMA engine. The transfer
// completes at gm_done; a set_flag on that pipe (and barriers) waits for
// every earlier transfer of the pipe to complete. The chip model routes the
// requests through L2 and HBM.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "sim/stats.hpp"
#include "npu/core/core_config.hpp"
#include "npu/core/instruction.hpp"

namespace npusim {
class Timeline;
}

namespace npusim::npu {

// True for the ops whose one side is global memory.
bool touches_gm(Op op);

// Where a core's global-memory transfers go when they are timed outside the
// core. gm_start is called once per transfer at the cycle it starts on its
// pipe; the owner answers with AiCore::gm_done(pipe, cycle) exactly once.
class GmPort {
 public:
  virtual ~GmPort() = default;
  // Answer with gm_issued once all requests have left, then gm_done.
  virtual void gm_start(uint32_t core, Pipe pipe, const Instruction& in, uint64_t now) = 0;
  // Cross-core flags: the owner keeps the counters and, after a set, calls
  // advance() on a core that may be waiting for it.
  virtual void cross_set(uint32_t core, const Instruction& in, uint64_t now) = 0;
  virtual bool cross_try_wait(uint32_t core, uint32_t flag_id) = 0;
};

// Cycles an instruction occupies its pipe (0 for flags / barriers):
//   mmad:   ceil(ceil(m/cm)*ceil(k/ck)*ceil(n/cn) / dtype multiplier)
//   vector: ceil(bytes / vector_bytes_per_cycle)
//   MTEx/FIX: [gm_latency if GM is touched] + ceil(bytes / bandwidth)
//   scalar: cycles
uint64_t duration(const CoreConfig& cfg, const Instruction& in);

class AiCore {
 public:
  static constexpr uint64_t kNoWake = UINT64_MAX;
  // advance(): nothing to do until a GmPort transfer completes (gm_done).
  static constexpr uint64_t kWaitingOnMemory = UINT64_MAX - 1;

  AiCore(const CoreConfig& cfg, std::vector<Instruction> program, stats::Group& parent,
         const std::string& name = "core", GmPort* port = nullptr, uint32_t id = 0);
  ~AiCore();

  // Does all the work of cycle `now` (now must not decrease) and returns the
  // next cycle at which something can happen, kWaitingOnMemory when only a
  // GmPort transfer can unblock it, or kNoWake once the program has
  // completed. Throws StallError on a deadlock.
  uint64_t advance(uint64_t now);
  // GmPort mode. The transfer occupying `pipe` has issued its last request;
  // the pipe is free from cycle `at` (>= the current cycle).
  void gm_issued(Pipe pipe, uint64_t at);
  // A transfer of `pipe` that started at `started` and moved `bytes` has all
  // its data at cycle `now`. Call advance(now) afterwards.
  void gm_done(Pipe pipe, uint64_t now, uint64_t started, uint64_t bytes);
  // Per-pipe spans on the timeline (track per pipe under `process`).
  void set_timeline(Timeline* tl, const std::string& process, double cycle_ps);
  // Runs the whole program from cycle 0; returns total cycles.
  uint64_t run();

  bool done() const;
  // Cycle at which the last instruction completed.
  uint64_t total_cycles() const { return last_completion_; }

  struct PipeStats;
  const PipeStats& pipe_stats(Pipe p) const { return *pstats_[int(p)]; }
  double busy_cycles(Pipe p) const;
  double flag_stall_cycles(Pipe p) const;
  double instructions(Pipe p) const;
  double bytes(Pipe p) const;
  double memory_stall_cycles(Pipe p) const;
  uint32_t id() const { return id_; }
  // What the core waits for now (pipes at a wait, in-flight transfers),
  // for stall reports.
  std::string waiting_on() const;

 private:
  struct PipeState {
    std::deque<uint32_t> queue;
    int64_t current = -1;      // executing instruction, -1 when idle
    uint64_t busy_until = 0;   // kPending while a GmPort transfer issues
    uint64_t started = 0;
    uint64_t in_flight = 0;    // GmPort transfers started and not yet done
    uint64_t wait_since = UINT64_MAX;  // head wait_flag blocked since
    uint64_t issued = 0, completed = 0;
    uint64_t barrier_target = 0;  // later issue waits for completed >= this
  };

  bool step(uint64_t now);  // one pass; true if anything changed
  bool try_issue(uint64_t now);
  bool flag_ready(const Instruction& in) const;
  void consume_flag(const Instruction& in);
  void complete(Pipe p, uint32_t idx, uint64_t now);
  [[noreturn]] void report_deadlock(uint64_t now) const;
  uint32_t& flag(Pipe src, Pipe dst, uint32_t id) {
    return flags_[(size_t(src) * kNumPipes + size_t(dst)) * cfg_.flag_ids + id];
  }
  uint32_t flag(Pipe src, Pipe dst, uint32_t id) const {
    return flags_[(size_t(src) * kNumPipes + size_t(dst)) * cfg_.flag_ids + id];
  }

  static constexpr uint64_t kPending = UINT64_MAX;
  // Cycles a GM transfer needs for its bytes alone (no latency).
  uint64_t transfer_cycles(const Instruction& in) const;
  uint64_t transfer_cycles(Pipe p, uint64_t bytes) const;

  CoreConfig cfg_;
  GmPort* port_ = nullptr;
  uint32_t id_ = 0;
  Timeline* timeline_ = nullptr;
  double cycle_ps_ = 0;
  int tracks_[kNumPipes] = {};
  std::vector<Instruction> prog_;
  std::vector<uint64_t> dur_;
  std::vector<uint32_t> flags_;
  PipeState pipes_[kNumPipes];
  size_t pc_ = 0;                 // next instruction to issue
  uint64_t last_issue_ = UINT64_MAX;
  uint64_t scalar_busy_until_ = 0;
  uint64_t scalar_wait_since_ = UINT64_MAX;
  uint64_t issue_blocked_since_ = UINT64_MAX;
  uint64_t last_completion_ = 0, last_now_ = 0;
  size_t retired_ = 0;

  stats::Group stats_;
  std::vector<std::unique_ptr<PipeStats>> pstats_;
  stats::Scalar total_cycles_, issue_stall_cycles_;
};

struct AiCore::PipeStats {
  PipeStats(stats::Group& parent, const std::string& name);
  stats::Group group;
  stats::Scalar busy_cycles, flag_stall_cycles, memory_stall_cycles, instructions, bytes;
};

}  // namespace npusim::npu
