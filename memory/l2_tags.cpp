#include "memory/l2_tags.hpp"

#include <algorithm>

namespace npusim::memory {

L2Tags::L2Tags(uint64_t capacity_bytes, uint32_t line_bytes, uint32_t ways) : ways_(std::max(1u, ways)) {
  const uint64_t lines = line_bytes ? capacity_bytes / line_bytes : 0;
  sets_ = lines / ways_;
  if (sets_ == 0 && lines > 0) {  // fewer lines than ways: one set of them all
    sets_ = 1;
    ways_ = uint32_t(lines);
  }
  ways_v_.resize(sets_ * ways_);
}

bool L2Tags::access(uint64_t line, bool write) {
  if (sets_ == 0) return false;
  Way* s = set_of(line);
  for (uint32_t w = 0; w < ways_; ++w) {
    if (s[w].stamp && s[w].line == line) {
      s[w].stamp = ++clock_;
      s[w].dirty |= write;
      return true;
    }
  }
  return false;
}

bool L2Tags::contains(uint64_t line) const {
  if (sets_ == 0) return false;
  const Way* s = set_of(line);
  for (uint32_t w = 0; w < ways_; ++w)
    if (s[w].stamp && s[w].line == line) return true;
  return false;
}

L2Tags::Victim L2Tags::insert(uint64_t line, bool dirty) {
  Victim v;
  if (sets_ == 0) {
    v.dirty = dirty;  // nothing kept: a dirty line goes straight back
    v.line = line;
    return v;
  }
  Way* s = set_of(line);
  Way* victim = s;
  for (uint32_t w = 0; w < ways_; ++w) {
    if (!s[w].stamp) {
      victim = &s[w];
      break;
    }
    if (s[w].stamp < victim->stamp) victim = &s[w];
  }
  if (victim->stamp && victim->dirty) {
    v.dirty = true;
    v.line = victim->line;
  }
  victim->line = line;
  victim->stamp = ++clock_;
  victim->dirty = dirty;
  return v;
}

}  // namespace npusim::memory
