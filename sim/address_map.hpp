// The global address space: named windows [base, base + size) each routed to
// one target (an NPU's HBM, its L2, a UB-visible region). Every component
// that must find "who owns this address" asks this one map, so the decode
// rule lives in one place. Windows may not overlap; a miss is an error that
// names the address and the nearest windows.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace npusim {

struct AddressWindow {
  std::string name;
  uint64_t base = 0, size = 0;
  uint32_t target = 0;  // index of the target port/endpoint
  uint64_t end() const { return base + size; }
};

class AddressMap {
 public:
  // Throws ConfigError if the window is empty, wraps past 2^64 or overlaps
  // an existing one (naming both).
  void add(const AddressWindow& w);
  // The window holding [addr, addr + len), or nullopt if none holds all of it.
  std::optional<AddressWindow> find(uint64_t addr, uint64_t len = 1) const;
  // Like find, but throws ConfigError describing the miss.
  const AddressWindow& decode(uint64_t addr, uint64_t len = 1) const;
  const std::vector<AddressWindow>& windows() const { return windows_; }

 private:
  size_t lower(uint64_t addr) const;  // first window with end() > addr
  std::vector<AddressWindow> windows_;  // sorted by base
};

}  // namespace npusim
