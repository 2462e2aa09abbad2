// A zero-latency TLM-2.0 AT crossbar: `inputs` target sockets, `outputs`
// initiator sockets, each request routed by an AddressMap (a window's
// `target` is the output index) with its address unchanged. It is the
// glue of a multi-NPU system: an NPU's memory takes requests from the NPU
// itself and from the fabric (two inputs, one output), and a trace player's
// requests go to local memory or out to the fabric by address (one input,
// two outputs).
//
// Back-pressure passes through: an output takes one request at a time (AT
// rule: no new BEGIN_REQ before END_REQ), later ones wait in FIFO order and
// their inputs get END_REQ only when the output accepts them; a response
// waits while its input still holds an earlier response's END_RESP, and
// the output that sent it gets END_RESP only then. So the crossbar adds no
// buffering the models do not already have, and no time.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "sim/address_map.hpp"
#include "sim/watchdog.hpp"

namespace npusim {

class TlmCrossbar : public sc_core::sc_module, public Watched {
 public:
  using Target = tlm_utils::simple_target_socket_tagged<TlmCrossbar>;
  using Initiator = tlm_utils::simple_initiator_socket_tagged<TlmCrossbar>;

  // `map` windows name output indices < outputs (ConfigError otherwise).
  // A request no window holds gets TLM_ADDRESS_ERROR_RESPONSE at once.
  SC_HAS_PROCESS(TlmCrossbar);
  TlmCrossbar(sc_core::sc_module_name name, int inputs, int outputs, AddressMap map);

  Target& input(int i) { return *in_[size_t(i)]; }
  Initiator& output(int o) { return *out_[size_t(o)]; }
  uint64_t routed() const { return routed_; }
  uint64_t answered() const { return answered_; }

  // Watched
  std::string watch_name() const override { return name(); }
  uint64_t outstanding() const override { return routed_ - answered_; }
  uint64_t progress() const override { return routed_ + answered_; }
  std::string holdings() const override;

 private:
  struct Output {
    std::deque<std::pair<tlm::tlm_generic_payload*, int>> waiting;  // (request, input) not yet sent
    tlm::tlm_generic_payload* in_req = nullptr;  // sent, END_REQ not yet back
  };
  struct Input {
    std::deque<std::pair<tlm::tlm_generic_payload*, int>> responses;  // (response, output) not yet sent
    tlm::tlm_generic_payload* in_resp = nullptr;  // sent, END_RESP not yet back
    int in_resp_output = -1;
  };

  tlm::tlm_sync_enum fw(int input, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase, sc_core::sc_time& t);
  tlm::tlm_sync_enum bw(int output, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase, sc_core::sc_time& t);
  // Sends the output's next waiting request; returns true if `gp` (the
  // caller's own request) was accepted at once.
  bool send_next(int output, tlm::tlm_generic_payload* gp);
  void request_accepted(int output, tlm::tlm_generic_payload& gp);
  // Hands the input's next waiting response up; returns true if `gp` was
  // finished at once (END_RESP or COMPLETED from the initiator).
  bool respond_next(int input, tlm::tlm_generic_payload* gp);
  void response_done(int input);
  void respond_deferred();  // SC_METHOD: answers that became ready inside an input's BEGIN_REQ call

  std::vector<std::unique_ptr<Target>> in_;
  std::vector<std::unique_ptr<Initiator>> out_;
  AddressMap map_;
  std::vector<Output> outputs_;
  std::vector<Input> inputs_;
  std::unordered_map<const tlm::tlm_generic_payload*, int> owner_;  // request -> input
  int in_fw_ = 0;  // > 0 while an input's BEGIN_REQ call is running: answers then wait a delta
  sc_core::sc_event respond_event_;
  uint64_t routed_ = 0, answered_ = 0;
};

}  // namespace npusim
