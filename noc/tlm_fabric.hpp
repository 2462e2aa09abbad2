// The packet-level fabric behind TLM-2.0 sockets: how NPUs (ChipSim's UB
// port, a memory trace player, anything with an AT initiator socket) reach
// each other's memory over the UB fabric.
//
// Every NPU of the topology (index k into Topology::endpoints()) gets
//   port(k):   an AT target. A request whose address falls in NPU d's window
//              [window_base + d x npu_window, + npu_window) is carried to d.
//   memory(k): an AT initiator into NPU k's memory (through a crossbar that
//              also serves k's own traffic). It issues the remote side of the
//              transactions that target k, at local addresses (offset into
//              the window).
// One mechanism serves both UB styles: a small access (memory-semantic
// load/store of a cache line) is one chunk; a large one (an RDMA-like bulk
// transfer) is split by the destination's DMA engine into dma_bytes chunks
// that stream over the network and into memory concurrently:
//   write: each chunk is a message src -> dst carrying its data; on arrival
//          it is written to memory; when every chunk is written, a small ack
//          message dst -> src completes the transaction (BEGIN_RESP).
//   read:  a request message src -> dst (request_bytes); on arrival every
//          chunk is read from memory, each sent back as a message dst -> src
//          as soon as memory answers; the last arrival completes it.
// Every message is packetised at the MTU and carried packet by packet by
// PacketNetwork (credits, VCs, routing), which keeps its own event queue;
// one SC_METHOD steps it to the current sc_time and sleeps until its next
// event, so an idle fabric costs nothing. Payload pointers ride along: the
// chunk requests point into the original payload's data (when it has any),
// so a functional model moves real bytes, and the RequestExt's source and
// dest are set for the remote memory.
//
// Back-pressure: at most max_outstanding transactions per NPU port are in
// the fabric; the next request's END_REQ waits for one to finish. Memory
// back-pressure (END_REQ withheld) holds the DMA engine's queue.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "sim/address_map.hpp"
#include "sim/params.hpp"
#include "sim/stats.hpp"
#include "sim/tlm_payload.hpp"
#include "sim/watchdog.hpp"
#include "noc/packet/packet_network.hpp"

namespace npusim::noc {

struct TlmFabricParams {
  uint64_t window_base = uint64_t(1) << 48;  // first NPU's window (chip.ub_port.window_base)
  double npu_window_gib = 128;               // window per NPU; at least its memory capacity
  int max_outstanding = 256;                 // transactions in the fabric per NPU port
  int dma_bytes = 512;                       // chunk of a remote access (memory request size)
  int request_bytes = 16;                    // payload of a read request / write ack message
  static const Schema& schema();
};

class TlmFabric : public sc_core::sc_module, public Watched {
 public:
  using Port = tlm_utils::simple_target_socket_tagged<TlmFabric>;
  using MemPort = tlm_utils::simple_initiator_socket_tagged<TlmFabric>;

  SC_HAS_PROCESS(TlmFabric);
  // The topology must outlive the fabric. ConfigError (naming the key) for
  // parameters that cannot work.
  TlmFabric(sc_core::sc_module_name name, const Topology& t, const PacketParams& p, const TlmFabricParams& fp,
            stats::Group& parent);

  int npus() const { return int(ports_.size()); }
  Port& port(int npu) { return *ports_.at(size_t(npu)); }
  MemPort& memory(int npu) { return *mems_.at(size_t(npu)); }
  // NPU windows in the global address map (window target = NPU index).
  const AddressMap& address_map() const { return map_; }
  uint64_t window_base(int npu) const { return fp_.window_base + uint64_t(npu) * window_bytes_; }
  uint64_t window_bytes() const { return window_bytes_; }
  PacketNetwork& network() { return net_; }
  const PacketNetwork& network() const { return net_; }

  uint64_t transactions() const { return started_; }
  uint64_t completed() const { return completed_; }
  double bytes_delivered() const { return read_bytes_.value() + write_bytes_.value(); }

  // Watched
  std::string watch_name() const override { return name(); }
  uint64_t outstanding() const override { return started_ - completed_ + net_.packets_outstanding(); }
  uint64_t progress() const override { return completed_ + mem_done_ + net_.packets_delivered(); }
  std::string holdings() const override;

 private:
  enum MsgKind : int64_t { kWriteData = 0, kReadRequest = 1, kReadData = 2, kWriteAck = 3 };
  struct Xfer {
    tlm::tlm_generic_payload* gp = nullptr;
    int src = 0, dst = 0;
    uint64_t local = 0;  // address in dst's memory
    uint32_t len = 0, chunks = 0, mem_done = 0, arrived = 0;
    bool write = false, error = false;
    uint64_t start_ps = 0;
  };
  struct Npu {
    // request side (port)
    int live = 0;
    tlm::tlm_generic_payload* waiting = nullptr;  // END_REQ withheld (port full)
    std::deque<int> responses;                      // finished transactions to answer
    int in_resp = -1;                               // answered, END_RESP not yet back
    // memory side (DMA engine)
    std::deque<std::pair<int, uint32_t>> mem_queue;  // (transaction, chunk)
    tlm::tlm_generic_payload* mem_in_req = nullptr;  // END_REQ not yet back
  };

  tlm::tlm_sync_enum port_fw(int npu, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase, sc_core::sc_time& t);
  tlm::tlm_sync_enum mem_bw(int npu, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase, sc_core::sc_time& t);
  void admit(int npu, tlm::tlm_generic_payload& gp);
  void send(int src, int dst, uint64_t bytes, MsgKind kind, int x, uint32_t chunk);
  void on_message(const Message& m);
  void mem_enqueue(int npu, int x, uint32_t chunk);
  void mem_send(int npu);
  void mem_done(tlm::tlm_generic_payload& gp);
  void chunk_read(int x);  // a read chunk is back at the source
  void respond(int x);  // queues the answer; respond_all sends it
  void respond_all();   // SC_METHOD: answers in their own delta, never inside the initiator's BEGIN_REQ call
  void respond_next(int npu);
  void finish(int x);
  uint32_t chunk_bytes(const Xfer& x, uint32_t chunk) const;
  void advance();   // SC_METHOD: step the network to now
  void schedule();  // wake at the network's next event

  const Topology& t_;
  TlmFabricParams fp_;
  PacketNetwork net_;
  uint64_t window_bytes_ = 0;
  AddressMap map_;
  std::vector<std::unique_ptr<Port>> ports_;
  std::vector<std::unique_ptr<MemPort>> mems_;
  std::vector<Npu> npu_;
  std::vector<int> npu_of_node_;  // topology node -> NPU index (-1: switch)
  std::vector<Xfer> xfers_;
  std::vector<int> free_xfers_;
  PayloadPool pool_;
  sc_core::sc_event wake_, respond_event_;
  std::vector<int> answering_;      // NPUs with queued answers
  std::vector<int> answering_now_;  // respond_all's working copy (kept, so no allocation per delta)
  uint64_t started_ = 0, completed_ = 0, mem_done_ = 0;

  stats::Group stats_;
  stats::Scalar requests_, read_bytes_, write_bytes_, chunks_, messages_;
  stats::Distribution read_latency_ps_, write_latency_ps_;
};

}  // namespace npusim::noc
