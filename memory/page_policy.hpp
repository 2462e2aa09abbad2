// The page policy of a channel controller: what a column command does to its
// row. Open: the row stays open for later hits (precharged only on a
// conflict or for refresh). Closed: the column command auto-precharges
// (RDA/WRA) unless another queued request hits the same row. Chosen once
// from the config; the controller asks it per column command, without a
// virtual call.
#pragma once
#include "memory/hbm_config.hpp"
#include "memory/timing_rules.hpp"

namespace npusim::memory {

class PagePolicy {
 public:
  explicit PagePolicy(PagePolicyKind kind) : auto_precharge_(kind == PagePolicyKind::Closed) {}

  // The column command for a burst; `last_hit`: no other queued burst hits
  // its row.
  Cmd column_command(bool write, bool last_hit) const {
    const bool close = auto_precharge_ && last_hit;
    if (write) return close ? Cmd::WRA : Cmd::WR;
    return close ? Cmd::RDA : Cmd::RD;
  }

 private:
  bool auto_precharge_;
};

}  // namespace npusim::memory
