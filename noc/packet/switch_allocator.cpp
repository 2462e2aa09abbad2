#include "noc/packet/switch_allocator.hpp"

namespace npusim::noc {

namespace {
// Distance of `i` after round-robin pointer `ptr` among `n` slots.
inline int rr(int i, int ptr, int n) { return ((i - ptr) % n + n) % n; }
}  // namespace

void SwitchAllocator::allocate(const std::vector<AllocRequest>& reqs, ArbiterState& st, std::vector<int>& grants) {
  if (reqs.empty()) return;
  if (islip_) islip(reqs, st, grants);
  else separable(reqs, st, grants);
}

void SwitchAllocator::separable(const std::vector<AllocRequest>& reqs, ArbiterState& st, std::vector<int>& grants) {
  const int nin = static_cast<int>(st.in_ptr.size()), nout = static_cast<int>(st.out_ptr.size());
  // Input stage: one VC per input.
  best_.assign(nin, -1);
  for (int r = 0; r < static_cast<int>(reqs.size()); ++r) {
    const AllocRequest& q = reqs[r];
    int& b = best_[q.in];
    if (b < 0 || rr(q.vc, st.in_ptr[q.in], st.vcs) < rr(reqs[b].vc, st.in_ptr[q.in], st.vcs)) b = r;
  }
  // Output stage: one input per output.
  granted_.assign(nout, -1);
  for (int i = 0; i < nin; ++i) {
    const int r = best_[i];
    if (r < 0) continue;
    int& g = granted_[reqs[r].out];
    if (g < 0 || rr(i, st.out_ptr[reqs[r].out], nin) < rr(reqs[g].in, st.out_ptr[reqs[r].out], nin)) g = r;
  }
  for (int o = 0; o < nout; ++o) {
    const int r = granted_[o];
    if (r < 0) continue;
    grants.push_back(r);
    st.in_ptr[reqs[r].in] = (reqs[r].vc + 1) % st.vcs;
    st.out_ptr[o] = (reqs[r].in + 1) % nin;
  }
}

void SwitchAllocator::islip(const std::vector<AllocRequest>& reqs, ArbiterState& st, std::vector<int>& grants) {
  const int nin = static_cast<int>(st.in_ptr.size()), nout = static_cast<int>(st.out_ptr.size());
  in_match_.assign(nin, -1);
  out_match_.assign(nout, -1);
  for (int it = 0; it < iterations_; ++it) {
    // Grant: each unmatched output picks one request from an unmatched input
    // (per input, the VC nearest its VC pointer).
    granted_.assign(nout, -1);
    for (int r = 0; r < static_cast<int>(reqs.size()); ++r) {
      const AllocRequest& q = reqs[r];
      if (out_match_[q.out] >= 0 || in_match_[q.in] >= 0) continue;
      int& g = granted_[q.out];
      if (g < 0) { g = r; continue; }
      const AllocRequest& cur = reqs[g];
      const int a = rr(q.in, st.out_ptr[q.out], nin), b = rr(cur.in, st.out_ptr[q.out], nin);
      if (a < b || (a == b && rr(q.vc, st.in_ptr[q.in], st.vcs) < rr(cur.vc, st.in_ptr[q.in], st.vcs))) g = r;
    }
    // Accept: each input takes one of its grants.
    best_.assign(nin, -1);
    for (int o = 0; o < nout; ++o) {
      const int r = granted_[o];
      if (r < 0) continue;
      int& b = best_[reqs[r].in];
      if (b < 0 || rr(o, st.acc_ptr[reqs[r].in], nout) < rr(reqs[b].out, st.acc_ptr[reqs[r].in], nout)) b = r;
    }
    bool any = false;
    for (int i = 0; i < nin; ++i) {
      const int r = best_[i];
      if (r < 0) continue;
      any = true;
      in_match_[i] = r;
      out_match_[reqs[r].out] = r;
      grants.push_back(r);
      st.in_ptr[i] = (reqs[r].vc + 1) % st.vcs;
      if (it == 0) {
        st.out_ptr[reqs[r].out] = (i + 1) % nin;
        st.acc_ptr[i] = (reqs[r].out + 1) % nout;
      }
    }
    if (!any) break;
  }
}

}  // namespace npusim::noc
