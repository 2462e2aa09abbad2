// Crossbar allocation of one router for one allocation round: inputs (input
// ports) request outputs (out-links) on behalf of their VCs; the allocator
// grants at most one request per input and per output.
//  - round_robin: separable input-first. Each input picks one requesting VC
//    (round-robin), then each output picks one of the inputs that chose it
//    (round-robin). Pointers move past the winner.
//  - islip: each input requests every output one of its VCs wants; outputs
//    grant round-robin, inputs accept round-robin, repeated `iterations`
//    times over the unmatched ports; pointers move only on a first-round
//    accept (McKeown's iSLIP), which desynchronises the outputs.
// Scratch space is kept between calls: no allocation in the hot path.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "noc/packet/packet_params.hpp"

namespace npusim::noc {

struct AllocRequest {
  int in = 0;      // local input index
  int vc = 0;      // VC at that input
  int out = 0;     // local output index
  int out_vc = 0;  // downstream VC it would take
};

// Round-robin pointers of one router; sized by the router.
struct ArbiterState {
  std::vector<int> in_ptr;   // per input: next VC to favour
  std::vector<int> out_ptr;  // per output: next input to favour (grant pointer)
  std::vector<int> acc_ptr;  // per input: next output to favour (iSLIP accept pointer)
  int vcs = 1;
  void resize(int inputs, int outputs, int vc_count) {
    in_ptr.assign(inputs, 0);
    out_ptr.assign(outputs, 0);
    acc_ptr.assign(inputs, 0);
    vcs = vc_count;
  }
};

class SwitchAllocator {
 public:
  SwitchAllocator(AllocatorKind kind, int iterations) : islip_(kind == AllocatorKind::Islip), iterations_(iterations) {}
  // Indices into `reqs` of the granted requests (appended to `grants`).
  void allocate(const std::vector<AllocRequest>& reqs, ArbiterState& st, std::vector<int>& grants);

 private:
  void separable(const std::vector<AllocRequest>& reqs, ArbiterState& st, std::vector<int>& grants);
  void islip(const std::vector<AllocRequest>& reqs, ArbiterState& st, std::vector<int>& grants);
  bool islip_;
  int iterations_;
  std::vector<int> best_, granted_, in_match_, out_match_;
};

}  // namespace npusim::noc
