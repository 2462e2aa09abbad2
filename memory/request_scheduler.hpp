// The request scheduler of a channel controller: which queued request of a
// pseudo-channel may take the next column or row command.
//  - FR-FCFS (first ready, first come first served): any ready row hit goes
//    before older row misses, oldest hit first; an open row is kept while
//    hits for it are queued. The row-hit cap bounds the starvation: once a
//    row has served `row_hit_cap` hits since its ACT and a conflicting
//    request waits, its further hits wait and the row may be closed.
//  - FCFS: only the oldest request may go, and only when it is ready.
// Chosen once from the config; the controller's scans ask it, without a
// virtual call.
#pragma once
#include <cstdint>

#include "memory/hbm_config.hpp"

namespace npusim::memory {

class RequestScheduler {
 public:
  RequestScheduler(SchedulerKind kind, uint32_t row_hit_cap)
      : oldest_only_(kind == SchedulerKind::Fcfs), hit_cap_(row_hit_cap) {}

  // Whether a scan over candidates (row hits, or per-bank oldest misses, in
  // age order) may start: FCFS only when the first candidate is the oldest
  // queued request.
  bool may_serve(uint64_t first_candidate_seq, uint64_t oldest_queued_seq) const {
    return !oldest_only_ || first_candidate_seq == oldest_queued_seq;
  }
  // Whether the scan may look past its first candidate (FCFS: no).
  bool scans_past_oldest() const { return !oldest_only_; }
  // Whether a row hit must wait: its row has used up the hit cap while a
  // request to another row of the bank is queued (`queued` bursts of its
  // kind in the bank, `hits` of them to the open row).
  bool hit_waits(uint32_t hits_since_act, uint32_t queued, uint32_t hits) const {
    return !oldest_only_ && capped(hits_since_act) && queued > hits;
  }
  // Whether to keep a bank's open row rather than precharge it for an older
  // conflicting request: while hits for it are queued, until the hit cap.
  bool keeps_row_open(uint32_t hits_queued, uint32_t hits_since_act) const {
    return !oldest_only_ && hits_queued != 0 && !capped(hits_since_act);
  }

 private:
  bool capped(uint32_t hits_since_act) const { return hit_cap_ != 0 && hits_since_act >= hit_cap_; }

  bool oldest_only_;
  uint32_t hit_cap_;
};

}  // namespace npusim::memory
