#include "models/chip_sim.hpp"

#include <algorithm>

#include "sim/errors.hpp"
#include "sim/int_math.hpp"
#include "sim/timeline.hpp"

namespace npusim {

using npu::Op;
using npu::Pipe;

ChipSim::ChipSim(sc_core::sc_module_name name, const npu::ChipConfig& cfg, std::vector<CoreProgramSpec> programs,
                 uint64_t hbm_capacity, stats::Group& parent, Timeline* timeline)
    : sc_core::sc_module(name),
      mem_socket("mem_socket"),
      ub_socket("ub_socket"),
      cfg_(cfg),
      clk_("chip", 1000.0 / cfg.clock_ghz),
      hbm_capacity_(hbm_capacity),
      stats_(&parent, std::string(static_cast<const char*>(name))),
      l2_(cfg.l2, uint64_t(cfg.l2_mib) << 20, clk_, mem_socket, pool_, stats_, sc_core::sc_module::name()),
      ub_(ub_socket, pool_) {
  l2_.on_answer = [this](uint32_t x, uint64_t line, uint64_t at) { respond(x, line, at); };
  l2_.on_memory_event = [this] {
    rearm();
    if (watchdog_ && done()) watchdog_->idle();
  };
  ub_.on_response = [this](tlm::tlm_generic_payload& gp) { on_ub_response(gp); };
  if (cfg.noc.topology == npu::OnChipTopology::Mesh) {
    mesh_ = std::make_unique<OnChipMesh>(onchip_mesh(cfg));
    net_ = std::make_unique<noc::PacketNetwork>(mesh_->topology, mesh_->params);
    net_->on_message_done = [this](int msg, const noc::Message& m) { mesh_delivered(msg, m); };
  }
  uint32_t aic = 0, aiv = 0;
  aic_id_.assign(cfg.cube_cores, -1);
  aiv_id_.assign(cfg.vector_cores, -1);
  for (auto& p : programs) {
    const uint32_t limit = p.vector_core ? cfg.vector_cores : cfg.cube_cores;
    if (p.index >= limit)
      throw ConfigError(std::string("chip: a program targets ") + (p.vector_core ? "vector" : "cube") + " core " +
                        std::to_string(p.index) + " but " + cfg.name + " has " + std::to_string(limit) +
                        "; expected an index below that");
    const std::string cname = std::string(p.vector_core ? "aiv" : "aic") + std::to_string(p.index);
    const uint32_t id = uint32_t(cores_.size());
    int32_t& slot = (p.vector_core ? aiv_id_ : aic_id_)[p.index];
    if (slot >= 0)
      throw ConfigError(std::string("chip: two programs target ") + (p.vector_core ? "vector" : "cube") + " core " +
                        std::to_string(p.index) + "; expected one program per core");
    slot = int32_t(id);
    cores_.push_back(std::make_unique<npu::AiCore>(cfg.core, std::move(p.program), stats_, cname, this, id));
    vector_.push_back(p.vector_core);
    index_.push_back(p.index);
    if (timeline) cores_.back()->set_timeline(timeline, cname, clk_.period_ps());
    (p.vector_core ? aiv : aic)++;
  }
  core_wake_.assign(cores_.size(), Wakeup::kNever);
  cross_.assign(cores_.size() * npu::kCrossFlagIds, 0);
  finished_.assign(cores_.size(), false);
  engine_outstanding_.assign(cores_.size() * npu::kNumPipes, 0);
  engine_issuing_.assign(cores_.size() * npu::kNumPipes, -1);
  SC_METHOD(run);
  sensitive << wake_.event();
  dont_initialize();
  for (uint32_t i = 0; i < cores_.size(); ++i) {
    core_wake_[i] = 0;
    push(0, kCore, i);
  }
  if (!cores_.empty()) wake_.at(0);
}

ChipSim::~ChipSim() = default;

uint64_t ChipSim::outstanding() const {
  return (cores_.size() - cores_done_) + active_xfers_ + l2_.memory_outstanding() + ub_.in_flight() + ub_.queued();
}

std::string ChipSim::holdings() const {
  std::string s = std::to_string(cores_.size() - cores_done_) + " of " + std::to_string(cores_.size()) +
                  " cores unfinished, " + std::to_string(active_xfers_) + " GM transfers in flight, " +
                  l2_.memory_holdings();
  int listed = 0;
  for (size_t i = 0; i < cores_.size() && listed < 8; ++i) {
    if (cores_[i]->done()) continue;
    ++listed;
    s += std::string("; ") + (vector_[i] ? "aiv" : "aic") + std::to_string(index_[i]) + " waits on " +
         cores_[i]->waiting_on();
  }
  return s;
}

void ChipSim::run() {
  wake_.fired();
  const uint64_t now = clk_.now_cycle();
  for (;;) {
    // The mesh first: its deliveries become chip events at this cycle.
    if (net_) net_->run_until(now * clk_.period_fs());
    while (!events_.empty() && events_.top().cycle <= now) {
      const Event e = events_.top();
      events_.pop();
      switch (e.kind) {
        case kCore:
          if (core_wake_[e.a] != e.cycle) break;  // superseded by an earlier wake
          core_wake_[e.a] = Wakeup::kNever;
          advance_core(e.a, e.cycle);
          break;
        case kIssue: issue(e.a, e.cycle); break;
        case kServe: l2_.serve(e.a, e.line, xfers_[e.a].write, e.cycle); break;
        case kLineDone: line_done(e.a, e.cycle); break;
        case kLocalArrive: {
          const MeshMsg a = local_arrivals_.front();
          local_arrivals_.pop_front();
          slice_enqueue(a.x, a.line, a.bytes, e.cycle);
          break;
        }
      }
    }
    // Messages sent this cycle start now: run them before sleeping.
    if (!net_ || net_->next_event_fs() > now * clk_.period_fs()) break;
  }
  l2_.send_to_memory();
  rearm();
}

void ChipSim::rearm() {
  uint64_t next = events_.empty() ? Wakeup::kNever : events_.top().cycle;
  if (net_) {
    const uint64_t fs = net_->next_event_fs();
    if (fs != UINT64_MAX) next = std::min(next, ceil_div(fs, clk_.period_fs()));
  }
  if (next != Wakeup::kNever) wake_.at(std::max(next, clk_.next_cycle_at_or_after_now()));
}

void ChipSim::advance_core(uint32_t i, uint64_t now) {
  uint64_t next;
  try {
    next = cores_[i]->advance(now);
  } catch (const StallError& e) {
    sim_throw<StallError>(std::string(name()) + "." + (vector_[i] ? "aiv" : "aic") + ": " + e.what());
  }
  ++progress_;
  if (next == npu::AiCore::kNoWake) {
    if (finished_[i]) return;  // woken again after it finished (a late cross-core set)
    finished_[i] = true;
    ++cores_done_;
    end_cycle_ = std::max(end_cycle_, cores_[i]->total_cycles());
    if (watchdog_ && done()) watchdog_->idle();
  } else if (next != npu::AiCore::kWaitingOnMemory) {
    wake_core(i, next);
  }
}

void ChipSim::wake_core(uint32_t i, uint64_t cycle) {
  if (cycle < core_wake_[i]) {
    core_wake_[i] = cycle;
    push(cycle, kCore, i);
  }
}

void ChipSim::cross_set(uint32_t core, const npu::Instruction& in, uint64_t now) {
  const auto& ids = in.cross_vector ? aiv_id_ : aic_id_;
  const int32_t target = in.cross_core < ids.size() ? ids[in.cross_core] : -1;
  if (target < 0 || in.flag_id >= npu::kCrossFlagIds)
    sim_throw<ConfigError>(std::string(name()) + ": core " + std::to_string(core) + " instruction " +
                           std::to_string(in.line) + ": cross_set_flag to " + (in.cross_vector ? "vector" : "cube") +
                           " core " + std::to_string(in.cross_core) + " id " + std::to_string(in.flag_id) +
                           ", which runs no program (or the id is >= " + std::to_string(npu::kCrossFlagIds) +
                           "); expected a core of this kernel");
  ++cross_[size_t(target) * npu::kCrossFlagIds + in.flag_id];
  ++progress_;
  // Wake it (never advance it from inside another core's step).
  wake_core(uint32_t(target), now);
}

bool ChipSim::cross_try_wait(uint32_t core, uint32_t flag_id) {
  uint32_t& c = cross_[size_t(core) * npu::kCrossFlagIds + flag_id % npu::kCrossFlagIds];
  if (c == 0) return false;
  --c;
  return true;
}

void ChipSim::gm_start(uint32_t core, Pipe pipe, const npu::Instruction& in, uint64_t now) {
  uint32_t x;
  if (free_xfers_.empty()) {
    x = uint32_t(xfers_.size());
    xfers_.emplace_back();
  } else {
    x = free_xfers_.back();
    free_xfers_.pop_back();
  }
  Xfer& t = xfers_[x];
  const uint64_t lb = cfg_.l2.line_bytes;
  const uint32_t rows = std::max<uint32_t>(1, in.gm_rows);
  const uint64_t row_bytes = std::max<uint64_t>(1, in.bytes / rows);
  const uint64_t stride = rows > 1 ? in.gm_stride : 0;
  const uint64_t span = uint64_t(rows - 1) * stride + row_bytes;
  const uint64_t ub_base = cfg_.ub_port.window_base, ub_end = ub_base + (uint64_t(cfg_.ub_port.window_gib) << 30);
  const bool remote = in.gm_addr >= ub_base && in.gm_addr + span <= ub_end;
  if (!remote && in.gm_addr + span > hbm_capacity_ / lb * lb)
    sim_throw<ConfigError>(std::string(name()) + ": core " + std::to_string(core) + " line " +
                           std::to_string(in.line) + ": GM range [" + std::to_string(in.gm_addr) + ", +" +
                           std::to_string(span) + ") is beyond the memory capacity (" +
                           std::to_string(hbm_capacity_) + " bytes) and outside the UB window [" +
                           std::to_string(ub_base) + ", " + std::to_string(ub_end) +
                           "); expected addresses inside one of them");
  t = Xfer{};
  t.core = core;
  t.pipe = pipe;
  t.write = in.op == Op::CopyUbToGm || in.op == Op::FixpipeL0cToGm;
  t.remote = remote;
  t.addr = in.gm_addr;
  t.stride = stride;
  t.row_bytes = row_bytes;
  t.rows = rows;
  t.row = 0;
  t.next_line = t.addr / lb;
  t.end_line = (t.addr + row_bytes - 1) / lb + 1;
  t.lines = 0;
  for (uint32_t r = 0; r < rows; ++r) {
    const uint64_t a = t.addr + r * stride;
    t.lines += (a + row_bytes - 1) / lb - a / lb + 1;
  }
  uint64_t bw = cfg_.core.mte2_bytes_per_cycle;
  if (in.op == Op::CopyUbToGm) bw = cfg_.core.mte3_bytes_per_cycle;
  if (in.op == Op::FixpipeL0cToGm) bw = cfg_.core.fix_bytes_per_cycle;
  t.bytes_per_cycle = std::max<uint64_t>(1, bw);
  t.started = now;
  t.bytes = in.bytes;
  engine_issuing_[engine(core, pipe)] = x;
  t.next_issue = now;
  t.issue_pending = true;
  ++active_xfers_;
  if (watchdog_) watchdog_->kick();
  push(now, kIssue, x);
}

void ChipSim::issue(uint32_t x, uint64_t now) {
  Xfer& t = xfers_[x];
  t.issue_pending = false;
  const uint64_t hop = cfg_.noc.hop_latency_cycles;
  const uint64_t lb = cfg_.l2.line_bytes;
  uint64_t& outstanding = engine_outstanding_[engine(t.core, t.pipe)];
  while (lines_left(t) && outstanding < cfg_.noc.max_outstanding && t.next_issue <= now) {
    if (t.next_line == t.end_line) {  // next row of a strided transfer
      const uint64_t a = t.addr + uint64_t(++t.row) * t.stride;
      t.next_line = a / lb;
      t.end_line = (a + t.row_bytes - 1) / lb + 1;
    }
    const uint64_t line = t.next_line++;
    // The part of this line the current row covers: what the port and the
    // slice spend time on (the memory still moves whole lines).
    const uint64_t row_start = t.addr + uint64_t(t.row) * t.stride, row_end = row_start + t.row_bytes;
    const uint64_t bytes = std::min(row_end, (line + 1) * lb) - std::max(row_start, line * lb);
    ++outstanding;
    if (t.remote) {  // straight out of the UB port: remote lines are not cached
      ub_.enqueue(TlmInitiatorPort::Request{std::max(row_start, line * lb), uint32_t(bytes), t.write, x});
      t.next_issue = std::max(t.next_issue, now) + ceil_div(bytes, t.bytes_per_cycle);
      continue;
    }
    l2_.count_request(bytes);
    if (mesh_) {
      const int slice = mesh_->tile_of_slice(uint32_t(l2_.slice_of(line)));
      mesh_send(core_tile(t.core), slice, t.write ? bytes : OnChipMesh::kRequestBytes, now, false, x, line, bytes);
    } else {
      // Every line pays the same hop, so lines reach the slices in the
      // order they are issued: slice queueing can be resolved here.
      slice_enqueue(x, line, bytes, now + hop);
    }
    t.next_issue = std::max(t.next_issue, now) + ceil_div(bytes, t.bytes_per_cycle);
  }
  if (t.remote) ub_.send();
  if (!lines_left(t)) {
    // All requests are out: the engine is free once its port time is spent.
    engine_issuing_[engine(t.core, t.pipe)] = -1;
    cores_[t.core]->gm_issued(t.pipe, t.next_issue);
    wake_core(t.core, t.next_issue);
  } else if (outstanding < cfg_.noc.max_outstanding) {
    t.issue_pending = true;
    push(t.next_issue, kIssue, x);
  }
}

void ChipSim::respond(uint32_t x, uint64_t line, uint64_t at) {
  if (!mesh_) {
    push(at + cfg_.noc.hop_latency_cycles, kLineDone, x);
    return;
  }
  const Xfer& t = xfers_[x];
  // A read returns the part of the line the transfer's rows cover (whole
  // lines for contiguous transfers); a write gets an acknowledgement.
  const uint64_t bytes = t.write ? OnChipMesh::kRequestBytes : std::min<uint64_t>(cfg_.l2.line_bytes, t.row_bytes);
  const int slice = mesh_->tile_of_slice(uint32_t(l2_.slice_of(line)));
  mesh_send(slice, core_tile(t.core), std::max<uint64_t>(1, bytes), at, true, x, line, bytes);
}

int ChipSim::core_tile(uint32_t core) const {
  return vector_[core] ? mesh_->tile_of_vector(index_[core]) : mesh_->tile_of_cube(index_[core]);
}

void ChipSim::mesh_send(int from, int to, uint64_t bytes, uint64_t at, bool response, uint32_t x, uint64_t line,
                        uint64_t line_bytes) {
  if (from == to) {
    // Core and slice share a tile: through the local router port only.
    const uint64_t local = at + cfg_.noc.mesh_router_cycles;
    if (response) {
      push(local, kLineDone, x);
    } else {
      // Queue at the slice when it arrives, not now: a line from another
      // tile arriving earlier must be served first.
      local_arrivals_.push_back(MeshMsg{line, line_bytes, x, false});
      push(local, kLocalArrive, x, line);
    }
    return;
  }
  const int msg = net_->send(mesh_->node(from), mesh_->node(to), bytes, at * clk_.period_fs(), true);
  if (size_t(msg) >= mesh_msgs_.size()) mesh_msgs_.resize(size_t(msg) + 1);
  mesh_msgs_[size_t(msg)] = MeshMsg{line, line_bytes, x, response};
}

void ChipSim::mesh_delivered(int msg, const noc::Message& m) {
  const MeshMsg mm = mesh_msgs_[size_t(msg)];
  const uint64_t cycle = ceil_div(m.done_fs, clk_.period_fs());
  if (mm.response) push(cycle, kLineDone, mm.x);
  else slice_enqueue(mm.x, mm.line, mm.bytes, cycle);
}

void ChipSim::line_done(uint32_t x, uint64_t now) {
  Xfer& t = xfers_[x];
  const size_t eng = engine(t.core, t.pipe);
  --engine_outstanding_[eng];
  ++t.done;
  ++progress_;
  if (t.done == t.lines) {
    const uint32_t core = t.core;
    free_xfers_.push_back(x);
    --active_xfers_;
    cores_[core]->gm_done(t.pipe, now, t.started, t.bytes);
    advance_core(core, now);
  }
  // A line slot freed: the engine's issuing transfer may continue.
  const int64_t w = engine_issuing_[eng];
  if (w >= 0) {
    Xfer& u = xfers_[size_t(w)];
    if (!u.issue_pending && lines_left(u)) {
      u.issue_pending = true;
      push(std::max(now, u.next_issue), kIssue, uint32_t(w));
    }
  }
}

void ChipSim::on_ub_response(tlm::tlm_generic_payload& gp) {
  if (gp.get_response_status() != tlm::TLM_OK_RESPONSE)
    sim_throw<ProtocolError>(std::string(name()) + ": the UB port's remote access at address " +
                             std::to_string(gp.get_address()) + " (" + std::to_string(gp.get_data_length()) +
                             " bytes) failed (" + gp.get_response_string() +
                             "); expected an address inside another NPU's memory window");
  ++progress_;
  const uint32_t x = uint32_t(ext_of(gp).id);
  gp.release();
  push(clk_.next_cycle_at_or_after_now() + cfg_.noc.hop_latency_cycles, kLineDone, x);
  rearm();
}

}  // namespace npusim
