#include "sim/address_map.hpp"

#include <algorithm>
#include <sstream>

#include "sim/errors.hpp"

namespace npusim {

namespace {
std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}
std::string describe(const AddressWindow& w) {
  return "'" + w.name + "' [" + hex(w.base) + ", " + hex(w.end()) + ")";
}
}  // namespace

size_t AddressMap::lower(uint64_t addr) const {
  return size_t(std::upper_bound(windows_.begin(), windows_.end(), addr,
                                 [](uint64_t a, const AddressWindow& w) { return a < w.end(); }) -
                windows_.begin());
}

void AddressMap::add(const AddressWindow& w) {
  if (w.size == 0) throw ConfigError("address window '" + w.name + "': expected a size > 0");
  if (w.base + w.size < w.base)
    throw ConfigError("address window '" + w.name + "': base " + hex(w.base) + " + size " + hex(w.size) +
                      " wraps past 2^64");
  const size_t i = lower(w.base);
  if (i < windows_.size() && windows_[i].base < w.end())
    throw ConfigError("address window " + describe(w) + " overlaps " + describe(windows_[i]));
  windows_.insert(windows_.begin() + std::ptrdiff_t(i), w);
}

std::optional<AddressWindow> AddressMap::find(uint64_t addr, uint64_t len) const {
  const size_t i = lower(addr);
  if (i >= windows_.size()) return std::nullopt;
  const AddressWindow& w = windows_[i];
  if (addr < w.base || addr + len > w.end() || addr + len < addr) return std::nullopt;
  return w;
}

const AddressWindow& AddressMap::decode(uint64_t addr, uint64_t len) const {
  const size_t i = lower(addr);
  if (i < windows_.size()) {
    const AddressWindow& w = windows_[i];
    if (addr >= w.base && addr + len <= w.end() && addr + len >= addr) return w;
  }
  std::string near;
  if (i > 0) near += " after " + describe(windows_[i - 1]);
  if (i < windows_.size()) near += (near.empty() ? " " : " and ") + std::string("before/in ") + describe(windows_[i]);
  throw ConfigError("address " + hex(addr) + " (+" + std::to_string(len) + " bytes) is not inside one window;" +
                    (windows_.empty() ? std::string(" the map is empty") : near));
}

}  // namespace npusim
