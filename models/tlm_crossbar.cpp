#include "models/tlm_crossbar.hpp"

#include <sstream>

#include "sim/errors.hpp"

namespace npusim {

TlmCrossbar::TlmCrossbar(sc_core::sc_module_name name, int inputs, int outputs, AddressMap map)
    : sc_core::sc_module(name), map_(std::move(map)), outputs_(size_t(outputs)), inputs_(size_t(inputs)) {
  if (inputs < 1 || outputs < 1)
    throw ConfigError(std::string(this->name()) + ": a crossbar needs at least one input and one output");
  for (const AddressWindow& w : map_.windows())
    if (w.target >= uint32_t(outputs))
      throw ConfigError(std::string(this->name()) + ": window '" + w.name + "' names output " +
                        std::to_string(w.target) + " of " + std::to_string(outputs));
  for (int i = 0; i < inputs; ++i) {
    in_.push_back(std::make_unique<Target>(("in" + std::to_string(i)).c_str()));
    in_.back()->register_nb_transport_fw(this, &TlmCrossbar::fw, i);
  }
  for (int o = 0; o < outputs; ++o) {
    out_.push_back(std::make_unique<Initiator>(("out" + std::to_string(o)).c_str()));
    out_.back()->register_nb_transport_bw(this, &TlmCrossbar::bw, o);
  }
  owner_.reserve(1024);
  SC_METHOD(respond_deferred);
  sensitive << respond_event_;
  dont_initialize();
}

void TlmCrossbar::respond_deferred() {
  for (size_t i = 0; i < inputs_.size(); ++i) respond_next(int(i), nullptr);
}

tlm::tlm_sync_enum TlmCrossbar::fw(int input, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                   sc_core::sc_time&) {
  if (phase == tlm::END_RESP) {
    response_done(input);
    return tlm::TLM_COMPLETED;
  }
  if (phase != tlm::BEGIN_REQ) return tlm::TLM_ACCEPTED;
  const auto w = map_.find(gp.get_address(), gp.get_data_length());
  if (!w) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return tlm::TLM_COMPLETED;
  }
  const int o = int(w->target);
  owner_[&gp] = input;
  ++routed_;
  outputs_[size_t(o)].waiting.emplace_back(&gp, input);
  ++in_fw_;
  const bool accepted = send_next(o, &gp);
  --in_fw_;
  if (accepted) {
    phase = tlm::END_REQ;
    return tlm::TLM_UPDATED;
  }
  return tlm::TLM_ACCEPTED;
}

bool TlmCrossbar::send_next(int o, tlm::tlm_generic_payload* mine) {
  Output& out = outputs_[size_t(o)];
  bool mine_accepted = false;
  while (!out.in_req && !out.waiting.empty()) {
    auto [gp, input] = out.waiting.front();
    out.waiting.pop_front();
    out.in_req = gp;
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum s = (*out_[size_t(o)])->nb_transport_fw(*gp, phase, t);
    if (s == tlm::TLM_ACCEPTED || (s == tlm::TLM_UPDATED && phase == tlm::BEGIN_REQ)) break;  // END_REQ later
    // Accepted now (END_REQ), or answered now (COMPLETED / BEGIN_RESP).
    if (out.in_req == gp) out.in_req = nullptr;
    if (gp == mine) {
      mine_accepted = true;
    } else {
      tlm::tlm_phase p = tlm::END_REQ;
      sc_core::sc_time z = sc_core::SC_ZERO_TIME;
      (*in_[size_t(input)])->nb_transport_bw(*gp, p, z);
    }
    if (s == tlm::TLM_COMPLETED || phase == tlm::BEGIN_RESP) {
      owner_.erase(gp);
      ++answered_;
      // COMPLETED needs no END_RESP downstream (-1); BEGIN_RESP does.
      inputs_[size_t(input)].responses.emplace_back(gp, s == tlm::TLM_COMPLETED ? -1 : o);
      respond_next(input, nullptr);
    }
  }
  return mine_accepted;
}

void TlmCrossbar::request_accepted(int o, tlm::tlm_generic_payload& gp) {
  Output& out = outputs_[size_t(o)];
  if (out.in_req != &gp) return;
  out.in_req = nullptr;
  tlm::tlm_phase p = tlm::END_REQ;
  sc_core::sc_time z = sc_core::SC_ZERO_TIME;
  (*in_[size_t(owner_.at(&gp))])->nb_transport_bw(gp, p, z);
  send_next(o, nullptr);
}

tlm::tlm_sync_enum TlmCrossbar::bw(int o, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase, sc_core::sc_time&) {
  if (phase == tlm::END_REQ) {
    request_accepted(o, gp);
    return tlm::TLM_ACCEPTED;
  }
  if (phase != tlm::BEGIN_RESP) return tlm::TLM_ACCEPTED;
  request_accepted(o, gp);  // BEGIN_RESP implies END_REQ
  const auto it = owner_.find(&gp);
  if (it == owner_.end()) sim_throw<ProtocolError>(std::string(name()) + ": a response for a request it never routed");
  const int input = it->second;
  owner_.erase(it);
  ++answered_;
  inputs_[size_t(input)].responses.emplace_back(&gp, o);
  if (respond_next(input, &gp)) {
    phase = tlm::END_RESP;
    return tlm::TLM_COMPLETED;
  }
  return tlm::TLM_ACCEPTED;
}

bool TlmCrossbar::respond_next(int input, tlm::tlm_generic_payload* mine) {
  Input& in = inputs_[size_t(input)];
  if (in_fw_ > 0 && !in.responses.empty()) {
    // Inside a BEGIN_REQ call: its END_REQ must reach the initiator before
    // any BEGIN_RESP does.
    respond_event_.notify(sc_core::SC_ZERO_TIME);
    return false;
  }
  bool mine_done = false;
  while (!in.in_resp && !in.responses.empty()) {
    auto [gp, o] = in.responses.front();
    in.responses.pop_front();
    in.in_resp = gp;
    in.in_resp_output = o;
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum s = (*in_[size_t(input)])->nb_transport_bw(*gp, phase, t);
    if (!(s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && phase == tlm::END_RESP))) break;  // END_RESP later
    in.in_resp = nullptr;
    if (gp == mine) {
      mine_done = true;
    } else if (o >= 0) {
      tlm::tlm_phase p = tlm::END_RESP;
      sc_core::sc_time z = sc_core::SC_ZERO_TIME;
      (*out_[size_t(o)])->nb_transport_fw(*gp, p, z);
    }
  }
  return mine_done;
}

void TlmCrossbar::response_done(int input) {
  Input& in = inputs_[size_t(input)];
  tlm::tlm_generic_payload* gp = in.in_resp;
  if (!gp) return;
  const int o = in.in_resp_output;
  in.in_resp = nullptr;
  if (o >= 0) {
    tlm::tlm_phase p = tlm::END_RESP;
    sc_core::sc_time z = sc_core::SC_ZERO_TIME;
    (*out_[size_t(o)])->nb_transport_fw(*gp, p, z);
  }
  respond_next(input, nullptr);
}

std::string TlmCrossbar::holdings() const {
  std::ostringstream os;
  os << routed_ - answered_ << " request(s) routed and not answered";
  for (size_t o = 0; o < outputs_.size(); ++o)
    if (outputs_[o].in_req || !outputs_[o].waiting.empty())
      os << "; out" << o << ": " << outputs_[o].waiting.size() << " waiting"
         << (outputs_[o].in_req ? ", one awaiting END_REQ" : "");
  for (size_t i = 0; i < inputs_.size(); ++i)
    if (inputs_[i].in_resp || !inputs_[i].responses.empty())
      os << "; in" << i << ": " << inputs_[i].responses.size() << " response(s) waiting"
         << (inputs_[i].in_resp ? ", one awaiting END_RESP" : "");
  return os.str();
}

}  // namespace npusim
