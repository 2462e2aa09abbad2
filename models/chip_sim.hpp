// Cycle-level model of one NPU chip running one kernel: its AI cores (cube
// and vector, each an AiCore pipe model), a crossbar or mesh to a sliced
// shared L2 (models/l2_cache.hpp), and the memory system behind the L2's
// TLM-2.0 AT initiator socket (HbmSystem at cycle level, FastMemory when the
// memory config says "fast").
//
// A core's GM transfer (MTE2, MTE3, FIX) is split into L2 lines. Lines leave
// the core's port at the pipe's bytes/cycle with at most noc.max_outstanding
// in flight, cross the network (noc.hop_latency_cycles), queue at their L2
// slice (address-hashed; one line per slice at a time at
// l2.slice_bytes_per_cycle), then hit (l2.hit_latency_cycles) or miss. A
// read miss allocates an MSHR (later misses to the same line wait on it) and
// reads the line from memory; a write allocates without a fetch (GM writes
// from FIX/MTE3 are whole tiles) and dirty victims are written back. The
// transfer completes when its last line is answered; the core's pipe is busy
// until then.
//
// Everything inside the chip runs on one internal event queue in core-clock
// cycles, served by one SC_METHOD that SystemC wakes only at the next event:
// idle cores and slices cost nothing.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "sim/clock_domain.hpp"
#include "sim/stats.hpp"
#include "sim/tlm_initiator_port.hpp"
#include "sim/tlm_payload.hpp"
#include "sim/wakeup.hpp"
#include "sim/watchdog.hpp"
#include "models/l2_cache.hpp"
#include "models/onchip_mesh.hpp"
#include "noc/packet/packet_network.hpp"
#include "npu/chip/chip_config.hpp"
#include "npu/core/ai_core.hpp"

namespace npusim {

class Timeline;

// One core's program: `vector_core` picks the AIV pool, `index` the core.
struct CoreProgramSpec {
  bool vector_core = false;
  uint32_t index = 0;
  std::vector<npu::Instruction> program;
};

class ChipSim : public sc_core::sc_module, public npu::GmPort, public Watched {
 public:
  // Memory behind the L2 (line fills and write-backs).
  TlmInitiatorPort::Socket mem_socket;
  // Remote memory (the chip.ub_port window), not cached in L2.
  TlmInitiatorPort::Socket ub_socket;

  SC_HAS_PROCESS(ChipSim);
  // `hbm_capacity`: bytes of the memory behind the socket (a GM range beyond
  // it is a ConfigError). ConfigError for a program naming a core the chip lacks.
  ChipSim(sc_core::sc_module_name name, const npu::ChipConfig& cfg, std::vector<CoreProgramSpec> programs,
          uint64_t hbm_capacity, stats::Group& parent, Timeline* timeline = nullptr);
  ~ChipSim() override;

  void set_watchdog(Watchdog* w) { watchdog_ = w; }
  const ClockDomain& clock() const { return clk_; }
  bool done() const {
    return cores_done_ == cores_.size() && l2_.memory_idle() && ub_.idle();
  }
  // Cycle at which the last core finished its program.
  uint64_t end_cycle() const { return end_cycle_; }
  size_t cores() const { return cores_.size(); }
  const npu::AiCore& core(size_t i) const { return *cores_[i]; }
  bool is_vector_core(size_t i) const { return vector_[i]; }

  double hbm_read_bytes() const { return l2_.memory_read_bytes(); }
  double hbm_write_bytes() const { return l2_.memory_write_bytes(); }
  // Bytes the cores moved through L2 (each line request carries the part of
  // the line its row covers).
  double l2_bytes() const { return l2_.bytes(); }
  double l2_hit_rate() const { return l2_.hit_rate(); }
  // Peak L2 bandwidth in bytes per core cycle (slices x slice width).
  double l2_bytes_per_cycle() const { return double(cfg_.l2.slices) * cfg_.l2.slice_bytes_per_cycle; }
  // The on-chip mesh and its packet network (chip.noc.topology "mesh"), or null.
  const OnChipMesh* mesh() const { return mesh_.get(); }
  const noc::PacketNetwork* mesh_network() const { return net_.get(); }

  // npu::GmPort
  void gm_start(uint32_t core, npu::Pipe pipe, const npu::Instruction& in, uint64_t now) override;
  void cross_set(uint32_t core, const npu::Instruction& in, uint64_t now) override;
  bool cross_try_wait(uint32_t core, uint32_t flag_id) override;

  // Watched
  std::string watch_name() const override { return name(); }
  uint64_t outstanding() const override;
  uint64_t progress() const override { return progress_ + l2_.memory_answered(); }
  std::string holdings() const override;

 private:
  enum Kind : uint8_t { kCore, kIssue, kServe, kLineDone, kLocalArrive };
  struct Event {
    uint64_t cycle, seq;
    uint64_t line;
    uint32_t a;
    Kind kind;
    bool operator>(const Event& o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
  };
  struct Xfer {  // one GM transfer of one core's pipe
    uint32_t core = 0;
    npu::Pipe pipe = npu::Pipe::S;
    bool write = false, issue_pending = false, remote = false;
    // Lines still to issue: [next_line, end_line) of row `row`, then the
    // rows after it (row r starts at addr + r*stride, row_bytes long).
    uint64_t next_line = 0, end_line = 0;
    uint64_t addr = 0, stride = 0, row_bytes = 0;
    uint32_t row = 0, rows = 1;
    uint64_t lines = 0, done = 0;
    uint64_t started = 0, bytes = 0;
    uint64_t next_issue = 0, bytes_per_cycle = 1;
  };

  void run();
  void push(uint64_t cycle, Kind kind, uint32_t a, uint64_t line = 0) {
    events_.push(Event{cycle, seq_++, line, a, kind});
  }
  void advance_core(uint32_t core, uint64_t now);
  void issue(uint32_t x, uint64_t now);
  bool lines_left(const Xfer& t) const { return t.next_line < t.end_line || t.row + 1 < t.rows; }
  // A line request reaches its slice at `arrive` and queues for it.
  void slice_enqueue(uint32_t x, uint64_t line, uint64_t bytes, uint64_t arrive) {
    push(l2_.slice_arrival(line, bytes, arrive), kServe, x, line);
  }
  // The slice answers line `line` of transfer x at cycle `at`.
  void respond(uint32_t x, uint64_t line, uint64_t at);
  // Mesh: a message between tiles for transfer x's line (response: back to the core).
  void mesh_send(int from_tile, int to_tile, uint64_t bytes, uint64_t at, bool response, uint32_t x, uint64_t line,
                 uint64_t line_bytes);
  void mesh_delivered(int msg, const noc::Message& m);
  int core_tile(uint32_t core) const;
  void line_done(uint32_t x, uint64_t now);
  void on_ub_response(tlm::tlm_generic_payload& gp);
  void rearm();

  const npu::ChipConfig cfg_;
  ClockDomain clk_;
  Wakeup wake_{clk_};
  const uint64_t hbm_capacity_;
  stats::Group stats_;
  PayloadPool pool_;  // both ports' payloads
  L2Cache l2_;
  // Remote lines straight out of the UB port (request id: the transfer index).
  TlmInitiatorPort ub_;
  std::vector<std::unique_ptr<npu::AiCore>> cores_;
  std::vector<bool> vector_;
  std::vector<uint32_t> index_;  // chip core index of each program
  std::vector<int32_t> aic_id_, aiv_id_;  // chip core index -> cores_ index (-1: no program)
  std::vector<uint32_t> cross_;           // cross-core flag counters, kCrossFlagIds per core
  std::vector<bool> finished_;
  std::vector<uint64_t> core_wake_;  // pending wake cycle per core (kNever if none)
  // Per (core, pipe): lines in flight (the engine's limit is
  // noc.max_outstanding) and the transfer still issuing, if any.
  std::vector<uint64_t> engine_outstanding_;
  std::vector<int64_t> engine_issuing_;
  size_t engine(uint32_t core, npu::Pipe p) const { return size_t(core) * npu::kNumPipes + size_t(p); }
  void wake_core(uint32_t core, uint64_t cycle);
  size_t cores_done_ = 0;
  uint64_t end_cycle_ = 0;

  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  uint64_t seq_ = 0;
  std::vector<Xfer> xfers_;
  std::vector<uint32_t> free_xfers_;
  uint64_t active_xfers_ = 0;

  Watchdog* watchdog_ = nullptr;
  uint64_t progress_ = 0;

  // Mesh (chip.noc.topology "mesh"): the network and, per message id, what
  // it carries (ids are reused once delivered).
  std::unique_ptr<OnChipMesh> mesh_;
  std::unique_ptr<noc::PacketNetwork> net_;
  struct MeshMsg {
    uint64_t line = 0, bytes = 0;
    uint32_t x = 0;
    bool response = false;
  };
  std::vector<MeshMsg> mesh_msgs_;
  // Requests to a slice on the core's own tile, in arrival order (they all
  // take the same router delay, so a FIFO; kLocalArrive pops the front).
  std::deque<MeshMsg> local_arrivals_;
};

}  // namespace npusim
