#include "npu/core/ai_core.hpp"

#include <algorithm>
#include <cctype>

#include "sim/errors.hpp"
#include "sim/int_math.hpp"
#include "sim/timeline.hpp"

namespace npusim::npu {

namespace {


std::string lower(const char* s) {
  std::string r(s);
  for (auto& c : r) c = char(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

}  // namespace

uint64_t duration(const CoreConfig& cfg, const Instruction& in) {
  auto gm = [&](uint64_t bw) { return uint64_t(cfg.gm_latency_cycles) + ceil_div(in.bytes, bw); };
  switch (in.op) {
    case Op::CopyGmToL1:
    case Op::CopyGmToUb: return gm(cfg.mte2_bytes_per_cycle);
    case Op::CopyUbToGm: return gm(cfg.mte3_bytes_per_cycle);
    case Op::FixpipeL0cToGm: return gm(cfg.fix_bytes_per_cycle);
    case Op::CopyL1ToL0A:
    case Op::CopyL1ToL0B: return ceil_div(in.bytes, cfg.mte1_bytes_per_cycle);
    case Op::Vadd:
    case Op::Vmul:
    case Op::Vsub:
    case Op::Vmax: {
      // Read/read bank conflict: a repeat reads vector_bytes_per_cycle from
      // each source, one row per bank group per cycle. When the groups the
      // two sources' rows start in overlap, the repeat takes two cycles (a
      // source read twice at the same address is one read).
      const uint64_t base = ceil_div(in.bytes, cfg.vector_bytes_per_cycle);
      if (cfg.ub_bank_groups == 0 || in.src_off == in.src1_off) return base;
      const uint64_t groups = cfg.ub_bank_groups, blk = cfg.ub_block_bytes;
      const uint64_t span = std::min<uint64_t>(groups, ceil_div(cfg.vector_bytes_per_cycle, blk));
      const uint64_t g0 = (in.src_off / blk) % groups, g1 = (in.src1_off / blk) % groups;
      const uint64_t gap = (g1 + groups - g0) % groups;  // g1's start, seen from g0
      const bool overlap = gap < span || groups - gap < span;
      return overlap ? 2 * base : base;
    }
    case Op::Vexp:
    case Op::Vcast:
    case Op::Vreduce: return ceil_div(in.bytes, cfg.vector_bytes_per_cycle);
    case Op::Mmad: {
      uint64_t fractals = ceil_div(in.m, cfg.cube_m) * ceil_div(in.k, cfg.cube_k) * ceil_div(in.n, cfg.cube_n);
      uint64_t mult = 1;
      switch (in.dtype) {
        case DType::fp8: mult = cfg.fp8_multiplier; break;
        case DType::hif8: mult = cfg.hif8_multiplier; break;
        case DType::mxfp8: mult = cfg.mxfp8_multiplier; break;
        case DType::mxfp4: mult = cfg.mxfp4_multiplier; break;
        case DType::int8: mult = cfg.int8_multiplier; break;
        default: break;
      }
      // A multiplier of 0 means the cube has no unit for this type.
      if (mult == 0)
        throw ConfigError("line " + std::to_string(in.line) + ": mmad dtype=" + to_string(in.dtype) +
                          " but this core's cube does not support it (its multiplier is 0); expected a dtype the "
                          "chip has");
      return ceil_div(fractals, mult);
    }
    case Op::Scalar: return in.cycles;
    default: return 0;
  }
}

bool touches_gm(Op op) {
  return op == Op::CopyGmToL1 || op == Op::CopyGmToUb || op == Op::CopyUbToGm || op == Op::FixpipeL0cToGm;
}

uint64_t AiCore::transfer_cycles(Pipe p, uint64_t bytes) const {
  switch (p) {
    case Pipe::MTE2: return ceil_div(bytes, cfg_.mte2_bytes_per_cycle);
    case Pipe::MTE3: return ceil_div(bytes, cfg_.mte3_bytes_per_cycle);
    case Pipe::FIX: return ceil_div(bytes, cfg_.fix_bytes_per_cycle);
    default: return 0;
  }
}

uint64_t AiCore::transfer_cycles(const Instruction& in) const {
  switch (in.op) {
    case Op::CopyGmToL1:
    case Op::CopyGmToUb: return ceil_div(in.bytes, cfg_.mte2_bytes_per_cycle);
    case Op::CopyUbToGm: return ceil_div(in.bytes, cfg_.mte3_bytes_per_cycle);
    case Op::FixpipeL0cToGm: return ceil_div(in.bytes, cfg_.fix_bytes_per_cycle);
    default: return 0;
  }
}

AiCore::PipeStats::PipeStats(stats::Group& parent, const std::string& name)
    : group(&parent, name),
      busy_cycles(group, "busy_cycles", "Cycles the pipe was executing an instruction", "cycle"),
      flag_stall_cycles(group, "flag_stall_cycles", "Cycles the pipe was blocked in wait_flag", "cycle"),
      memory_stall_cycles(group, "memory_stall_cycles",
                          "Cycles GM transfers took from start to data arrival beyond bytes/bandwidth "
                          "(latency, L2/HBM contention), summed per transfer",
                          "cycle"),
      instructions(group, "instructions", "Instructions executed (flags included)", "instr"),
      bytes(group, "bytes", "Bytes moved (MTE/FIX) or processed (V)", "byte") {}

AiCore::AiCore(const CoreConfig& cfg, std::vector<Instruction> program, stats::Group& parent,
               const std::string& name, GmPort* port, uint32_t id)
    : cfg_(cfg),
      port_(port),
      id_(id),
      prog_(std::move(program)),
      flags_(size_t(kNumPipes) * kNumPipes * cfg.flag_ids, 0),
      stats_(&parent, name),
      total_cycles_(stats_, "total_cycles", "Cycle at which the last instruction completed", "cycle"),
      issue_stall_cycles_(stats_, "issue_stall_cycles",
                          "Cycles in-order issue was blocked (barrier, full queue, scalar wait_flag)",
                          "cycle") {
  dur_.reserve(prog_.size());
  for (const auto& in : prog_) dur_.push_back(duration(cfg_, in));
  for (int p = 0; p < kNumPipes; ++p) {
    pstats_.push_back(std::make_unique<PipeStats>(stats_, lower(to_string(Pipe(p)))));
  }
}

AiCore::~AiCore() = default;

double AiCore::busy_cycles(Pipe p) const { return pstats_[int(p)]->busy_cycles.value(); }
double AiCore::flag_stall_cycles(Pipe p) const { return pstats_[int(p)]->flag_stall_cycles.value(); }
double AiCore::instructions(Pipe p) const { return pstats_[int(p)]->instructions.value(); }
double AiCore::bytes(Pipe p) const { return pstats_[int(p)]->bytes.value(); }
double AiCore::memory_stall_cycles(Pipe p) const { return pstats_[int(p)]->memory_stall_cycles.value(); }

void AiCore::set_timeline(Timeline* tl, const std::string& process, double cycle_ps) {
  timeline_ = tl;
  cycle_ps_ = cycle_ps;
  if (!tl) return;
  for (int p = 0; p < kNumPipes; ++p) tracks_[p] = tl->add_track(process, to_string(Pipe(p)));
}

void AiCore::gm_issued(Pipe pipe, uint64_t at) {
  PipeState& ps = pipes_[int(pipe)];
  if (ps.current < 0 || ps.busy_until != kPending)
    throw ProtocolError("AI core " + std::to_string(id_) + ": gm_issued on pipe " + to_string(pipe) +
                        " with no GM transfer issuing");
  ps.busy_until = std::max(at, ps.started);
  pstats_[int(pipe)]->busy_cycles += double(ps.busy_until - ps.started);
}

void AiCore::gm_done(Pipe pipe, uint64_t now, uint64_t started, uint64_t bytes) {
  PipeState& ps = pipes_[int(pipe)];
  if (ps.in_flight == 0)
    throw ProtocolError("AI core " + std::to_string(id_) + ": gm_done on pipe " + to_string(pipe) +
                        " with no GM transfer in flight");
  --ps.in_flight;
  const uint64_t took = now > started ? now - started : 0;
  const uint64_t need = transfer_cycles(pipe, bytes);
  if (took > need) pstats_[int(pipe)]->memory_stall_cycles += double(took - need);
  complete(pipe, 0, now);
}

bool AiCore::flag_ready(const Instruction& in) const { return flag(in.flag_src, in.flag_dst, in.flag_id) > 0; }
void AiCore::consume_flag(const Instruction& in) { --flag(in.flag_src, in.flag_dst, in.flag_id); }

void AiCore::complete(Pipe p, uint32_t idx, uint64_t now) {
  (void)idx;
  ++pipes_[int(p)].completed;
  ++pstats_[int(p)]->instructions;
  last_completion_ = std::max(last_completion_, now);
}

bool AiCore::done() const {
  if (pc_ < prog_.size() || scalar_busy_until_ > last_now_) return false;
  for (const auto& ps : pipes_) {
    if (ps.current >= 0 || !ps.queue.empty() || ps.in_flight) return false;
  }
  return true;
}

bool AiCore::try_issue(uint64_t now) {
  if (pc_ >= prog_.size() || last_issue_ == now || scalar_busy_until_ > now) return false;
  const Instruction& in = prog_[pc_];
  PipeStats& s = *pstats_[int(Pipe::S)];
  bool blocked = false;
  switch (in.op) {
    case Op::Scalar:
      scalar_busy_until_ = now + dur_[pc_];
      s.busy_cycles += double(dur_[pc_]);
      ++s.instructions;
      last_completion_ = std::max(last_completion_, scalar_busy_until_);
      break;
    case Op::PipeBarrier:
      if (in.barrier == kAllPipes) {
        for (const auto& ps : pipes_) {
          if (ps.completed < ps.issued) blocked = true;
        }
      } else {
        pipes_[in.barrier].barrier_target = pipes_[in.barrier].issued;
      }
      if (!blocked) ++s.instructions;
      break;
    default:
      if (in.pipe == Pipe::S) {  // set_flag from S / wait_flag on S
        if (in.op == Op::SetFlag) {
          ++flag(in.flag_src, in.flag_dst, in.flag_id);
          ++s.instructions;
        } else if (flag_ready(in)) {
          consume_flag(in);
          ++s.instructions;
          if (scalar_wait_since_ != UINT64_MAX) s.flag_stall_cycles += double(now - scalar_wait_since_);
          scalar_wait_since_ = UINT64_MAX;
        } else {
          if (scalar_wait_since_ == UINT64_MAX) scalar_wait_since_ = now;
          blocked = true;
        }
        if (!blocked) last_completion_ = std::max(last_completion_, now);
      } else {
        PipeState& ps = pipes_[int(in.pipe)];
        if (ps.completed < ps.barrier_target || ps.queue.size() >= cfg_.pipe_queue_depth) {
          blocked = true;
        } else {
          ps.queue.push_back(uint32_t(pc_));
          ++ps.issued;
        }
      }
  }
  if (blocked) {
    if (issue_blocked_since_ == UINT64_MAX) issue_blocked_since_ = now;
    return false;
  }
  if (issue_blocked_since_ != UINT64_MAX) issue_stall_cycles_ += double(now - issue_blocked_since_);
  issue_blocked_since_ = UINT64_MAX;
  ++pc_;
  last_issue_ = now;
  return true;
}

bool AiCore::step(uint64_t now) {
  bool changed = false;
  for (int p = 0; p < kNumPipes; ++p) {
    PipeState& ps = pipes_[p];
    if (ps.current >= 0 && ps.busy_until <= now) {
      if (timeline_ && timeline_->enabled()) {
        const Instruction& in = prog_[size_t(ps.current)];
        timeline_->complete(tracks_[p], to_string(in.op), uint64_t(double(ps.started) * cycle_ps_),
                            uint64_t(double(ps.busy_until - ps.started) * cycle_ps_), "bytes", in.bytes);
      }
      // A GmPort transfer completes at gm_done; its pipe is free already.
      if (!(port_ && touches_gm(prog_[size_t(ps.current)].op))) complete(Pipe(p), uint32_t(ps.current), ps.busy_until);
      ps.current = -1;
      changed = true;
    }
    while (ps.current < 0 && !ps.queue.empty()) {
      uint32_t idx = ps.queue.front();
      const Instruction& in = prog_[idx];
      PipeStats& st = *pstats_[p];
      if (in.op == Op::SetFlag) {
        if (ps.in_flight) break;  // earlier transfers' data must have arrived
        ++flag(in.flag_src, in.flag_dst, in.flag_id);
      } else if (in.op == Op::CrossSetFlag) {
        // Without a port (a core run alone) there is no partner: no-op.
        if (ps.in_flight) break;  // the data it announces must have landed
        if (port_) port_->cross_set(id_, in, now);
      } else if (in.op == Op::CrossWaitFlag) {
        if (port_ && !port_->cross_try_wait(id_, in.flag_id)) {
          if (ps.wait_since == UINT64_MAX) ps.wait_since = now;
          break;
        }
        if (ps.wait_since != UINT64_MAX) st.flag_stall_cycles += double(now - ps.wait_since);
        ps.wait_since = UINT64_MAX;
      } else if (in.op == Op::WaitFlag) {
        if (!flag_ready(in)) {
          if (ps.wait_since == UINT64_MAX) ps.wait_since = now;
          break;
        }
        consume_flag(in);
        if (ps.wait_since != UINT64_MAX) st.flag_stall_cycles += double(now - ps.wait_since);
        ps.wait_since = UINT64_MAX;
      } else {
        ps.current = idx;
        ps.started = now;
        st.bytes += double(in.bytes);
        ps.queue.pop_front();
        changed = true;
        if (port_ && touches_gm(in.op)) {
          ps.busy_until = kPending;
          ++ps.in_flight;
          port_->gm_start(id_, Pipe(p), in, now);
        } else {
          ps.busy_until = now + dur_[idx];
          st.busy_cycles += double(dur_[idx]);
          if (touches_gm(in.op)) st.memory_stall_cycles += double(dur_[idx] - transfer_cycles(in));
        }
        break;
      }
      ps.queue.pop_front();
      complete(Pipe(p), idx, now);
      changed = true;
    }
  }
  if (try_issue(now)) changed = true;
  return changed;
}

uint64_t AiCore::advance(uint64_t now) {
  last_now_ = std::max(last_now_, now);
  while (step(now)) {
  }
  if (done()) {
    total_cycles_.set(double(last_completion_));
    return kNoWake;
  }
  uint64_t next = kNoWake;
  for (const auto& ps : pipes_) {
    if (ps.current >= 0) next = std::min(next, ps.busy_until);
  }
  if (scalar_busy_until_ > now) next = std::min(next, scalar_busy_until_);
  // Issue can continue next cycle unless it is blocked on a condition that
  // only a pipe event can clear.
  if (pc_ < prog_.size() && issue_blocked_since_ == UINT64_MAX) {
    next = std::min(next, std::max(now + 1, scalar_busy_until_));
  }
  if (next == kNoWake) {
    for (const auto& ps : pipes_) {
      if ((ps.current >= 0 && ps.busy_until == kPending) || ps.in_flight) return kWaitingOnMemory;
      if (port_ && ps.current < 0 && !ps.queue.empty() && prog_[ps.queue.front()].op == Op::CrossWaitFlag)
        return kWaitingOnMemory;  // another core's cross_set wakes it
    }
    report_deadlock(now);
  }
  return next;
}

uint64_t AiCore::run() {
  uint64_t now = 0;
  if (port_) throw ConfigError("AiCore::run() times GM itself; a core with a GmPort is driven by its owner");
  for (;;) {
    uint64_t next = advance(now);
    if (next == kNoWake) break;
    now = next;
  }
  return total_cycles();
}

std::string AiCore::waiting_on() const {
  std::string s;
  for (int p = 0; p < kNumPipes; ++p) {
    const PipeState& ps = pipes_[p];
    if (ps.in_flight) s += std::string(to_string(Pipe(p))) + ": " + std::to_string(ps.in_flight) + " GM transfers in flight; ";
    if (ps.current >= 0 || ps.queue.empty()) continue;
    const Instruction& in = prog_[ps.queue.front()];
    if (in.op == Op::CrossWaitFlag)
      s += std::string(to_string(Pipe(p))) + ": cross_wait_flag id " + std::to_string(in.flag_id) + " (instruction " +
           std::to_string(in.line) + "); ";
    else if (in.op == Op::WaitFlag)
      s += std::string(to_string(Pipe(p))) + ": wait_flag " + to_string(in.flag_src) + "->" + to_string(in.flag_dst) +
           " id " + std::to_string(in.flag_id) + " (instruction " + std::to_string(in.line) + "); ";
  }
  return s.empty() ? "nothing" : s.substr(0, s.size() - 2);
}

void AiCore::report_deadlock(uint64_t now) const {
  std::string msg = "AI core deadlock at cycle " + std::to_string(now) + ":";
  auto describe_wait = [&](const char* who, const Instruction& in) {
    msg += std::string(" pipe ") + who + " waits in wait_flag (line " + std::to_string(in.line) + ") for flag " +
           to_string(in.flag_src) + "->" + to_string(in.flag_dst) + " id " + std::to_string(in.flag_id) +
           ", which no pending set_flag will set;";
  };
  for (int p = 0; p < kNumPipes; ++p) {
    const PipeState& ps = pipes_[p];
    if (ps.current < 0 && !ps.queue.empty()) {
      const Instruction& in = prog_[ps.queue.front()];
      if (in.op == Op::WaitFlag) describe_wait(to_string(Pipe(p)), in);
    }
  }
  if (pc_ < prog_.size()) {
    const Instruction& in = prog_[pc_];
    if (in.op == Op::WaitFlag && in.pipe == Pipe::S) {
      describe_wait("S", in);
    } else {
      msg += std::string(" issue is blocked at line ") + std::to_string(in.line) + " (" + to_string(in.op) +
             " for pipe " + (in.op == Op::PipeBarrier ? "barrier" : to_string(in.pipe)) + ");";
    }
  }
  msg.pop_back();
  throw StallError(msg);
}

}  // namespace npusim::npu
