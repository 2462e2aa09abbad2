// Tag state of a set-associative, write-back, write-allocate cache with LRU
// replacement, in lines (address / line size). No timing: the chip model
// puts slice bandwidth and latency around it. Sets are chosen by a hash of
// the line so power-of-two strides (tile rows) do not pile into a few sets.
#pragma once
#include <cstdint>
#include <vector>

namespace npusim::memory {

class L2Tags {
 public:
  // capacity 0 = no cache (every access misses, nothing is kept).
  L2Tags(uint64_t capacity_bytes, uint32_t line_bytes, uint32_t ways);

  // A hit updates LRU and, for a write, marks the line dirty.
  bool access(uint64_t line, bool write);
  struct Victim {
    bool dirty = false;
    uint64_t line = 0;
  };
  // Installs `line` (not present) as most recently used; returns the line it
  // displaced if that one was dirty (to be written back).
  Victim insert(uint64_t line, bool dirty);
  bool contains(uint64_t line) const;
  uint64_t sets() const { return sets_; }
  uint64_t lines() const { return sets_ * ways_; }

  static uint64_t mix(uint64_t x) {  // splitmix64 finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }

 private:
  struct Way {
    uint64_t line = 0, stamp = 0;  // stamp 0 = invalid
    bool dirty = false;
  };
  Way* set_of(uint64_t line) { return &ways_v_[(mix(line) % sets_) * ways_]; }
  const Way* set_of(uint64_t line) const { return &ways_v_[(mix(line) % sets_) * ways_]; }

  uint64_t sets_ = 0;
  uint32_t ways_ = 1;
  uint64_t clock_ = 0;
  std::vector<Way> ways_v_;
};

}  // namespace npusim::memory
