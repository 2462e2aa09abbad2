// Physical address -> (channel, pseudo-channel, bank group, bank, row,
// column). A mapping is a list of bit segments from MSB to LSB, written as
// field tokens: "ro_ba_co_bg_pc_ch" puts the channel in the lowest bits above
// the burst offset, so consecutive bursts spread over channels. A token may
// carry a bit count ("co2") to split a field across the address.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "memory/hbm_config.hpp"

namespace npusim::memory {

struct DramAddr {
  uint32_t channel;  // global across stacks
  uint32_t pc, bg, bank, row;
  uint32_t col;  // burst index within the row (column address / BL)
};

enum class AddrField : uint8_t { Stack, Channel, PseudoChannel, BankGroup, Bank, Row, Column, kCount };

class AddressMapping {
 public:
  // Throws ConfigError naming `path` for unknown tokens, missing fields or
  // fields whose bits are not covered exactly.
  static AddressMapping build(const HbmOrg& org, const std::string& spec, const std::string& path);

  DramAddr decode(uint64_t addr) const;
  // Inverse of decode for a burst-aligned address (used by pattern
  // generators to aim at chosen banks/rows).
  uint64_t encode(const DramAddr& a) const;
  uint32_t offset_bits() const { return offset_bits_; }
  uint32_t address_bits() const { return total_bits_; }  // offset included
  const std::string& spec() const { return spec_; }
  // Named schemes and their expansions, for docs and error messages.
  static std::vector<std::pair<std::string, std::string>> named_schemes();

 private:
  struct Segment {
    AddrField field;
    uint8_t addr_shift, width, field_shift;
  };
  using FieldWidths = std::array<unsigned, static_cast<size_t>(AddrField::kCount)>;
  // Lays the tokens' fields out LSB first from bit `*addr_bit` (advanced past
  // them), checking each field gets exactly its width.
  static std::vector<Segment> place_fields(const std::vector<std::string>& tokens, const FieldWidths& width,
                                           unsigned* addr_bit, const std::string& spec, const std::string& path,
                                           const std::string& expected);
  std::vector<Segment> segs_;
  uint32_t offset_bits_ = 0, total_bits_ = 0;
  uint32_t channels_per_stack_ = 1;
  bool has_stack_ = false;
  bool bank_xor_ = false;
  uint32_t mod_stacks_ = 0;       // non-power-of-two stack count, interleaved by modulo
  uint32_t stack_unit_bits_ = 0;  // log2 of the modulo interleave unit
  uint32_t bank_mask_ = 0, bg_mask_ = 0, bank_bits_ = 0;
  std::string spec_;
};

}  // namespace npusim::memory
