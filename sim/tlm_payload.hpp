// TLM-2.0 plumbing shared by every model: our payload extension and a pool
// that recycles payloads, so no transaction allocates after warm-up.
#pragma once
#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>

namespace npusim {

// npusim metadata carried beside the generic payload.
struct RequestExt : tlm::tlm_extension<RequestExt> {
  uint64_t id = 0;          // unique per initiator, for conservation checks
  uint32_t source = 0;      // initiator endpoint
  uint32_t dest = 0;        // target endpoint (fabric routing)
  uint32_t traffic_class = 0;
  uint64_t issue_ps = 0;    // when the initiator wanted to send it
  uint64_t accept_ps = 0;   // when the target accepted it (END_REQ)

  tlm::tlm_extension_base* clone() const override { return new RequestExt(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const RequestExt&>(other);
  }
};

// A free list of payloads, each with a RequestExt attached. The pool is the
// payloads' memory manager: release() happens when the reference count drops.
class PayloadPool : public tlm::tlm_mm_interface {
 public:
  PayloadPool() = default;
  PayloadPool(const PayloadPool&) = delete;
  ~PayloadPool() override {
    for (auto* p : all_) delete p;
  }

  tlm::tlm_generic_payload* acquire() {
    tlm::tlm_generic_payload* p;
    if (free_.empty()) {
      p = new tlm::tlm_generic_payload(this);
      p->set_extension(new RequestExt);
      all_.push_back(p);
    } else {
      p = free_.back();
      free_.pop_back();
    }
    p->acquire();
    ++live_;
    return p;
  }
  // A timing-only request (no data): command, address and length set, the
  // response status incomplete, the extension's id and issue time filled.
  tlm::tlm_generic_payload* acquire_request(bool write, uint64_t addr, uint32_t bytes, uint64_t id,
                                            uint64_t issue_ps) {
    tlm::tlm_generic_payload* gp = acquire();
    gp->set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp->set_address(addr);
    gp->set_data_length(bytes);
    gp->set_streaming_width(bytes);
    gp->set_data_ptr(nullptr);
    gp->set_byte_enable_ptr(nullptr);
    gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    RequestExt* e = nullptr;
    gp->get_extension(e);
    e->id = id;
    e->issue_ps = issue_ps;
    return gp;
  }
  void free(tlm::tlm_generic_payload* p) override {
    p->reset();  // drops auto extensions only; ours stays attached
    free_.push_back(p);
    --live_;
  }
  size_t live() const { return live_; }

 private:
  std::vector<tlm::tlm_generic_payload*> all_, free_;
  size_t live_ = 0;
};

// Every payload in npusim comes from a PayloadPool and carries a RequestExt;
// one that does not came from foreign code and is refused loudly.
inline RequestExt& ext_of(tlm::tlm_generic_payload& p) {
  RequestExt* e = nullptr;
  p.get_extension(e);
  if (!e) SC_REPORT_FATAL("npusim", "TLM payload without npusim::RequestExt (use npusim::PayloadPool)");
  return *e;
}

}  // namespace npusim
