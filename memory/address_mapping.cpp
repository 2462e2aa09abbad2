#include "memory/address_mapping.hpp"

#include <array>

namespace npusim::memory {

namespace {

unsigned log2u(uint64_t v) {
  unsigned b = 0;
  while ((uint64_t{1} << b) < v) ++b;
  return b;
}

struct FieldName {
  const char* token;
  AddrField field;
};
constexpr FieldName kFields[] = {
    {"st", AddrField::Stack}, {"ch", AddrField::Channel}, {"pc", AddrField::PseudoChannel},
    {"bg", AddrField::BankGroup}, {"ba", AddrField::Bank}, {"ro", AddrField::Row},
    {"co", AddrField::Column},
};

const char* token_of(AddrField f) {
  for (const auto& n : kFields)
    if (n.field == f) return n.token;
  return "?";
}

// Field tokens separated by '_', ',' or ' '.
std::vector<std::string> split_tokens(const std::string& spec) {
  std::vector<std::string> tokens;
  std::string cur;
  for (char c : spec) {
    if (c == '_' || c == ',' || c == ' ') {
      if (!cur.empty()) tokens.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) tokens.push_back(cur);
  return tokens;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> AddressMapping::named_schemes() {
  return {
      // Bank group below the column: a stream alternates bank groups on each
      // pseudo-channel, so back-to-back bursts pay tCCD_S, not tCCD_L.
      {"channel_interleaved", "ro_ba_co_bg_pc_ch"},
      // The same with bank/bank-group XOR row hashing: many concurrent
      // streams (an NPU's cores behind L2) spread over banks.
      {"channel_interleaved_xor", "ro_ba_co_bg_pc_ch_xor"},
      // A whole row per bank before moving on (DRAMSim3's rorabgbachco order).
      {"row_interleaved", "ro_ba_bg_pc_ch_co"},
      {"bank_interleaved", "ro_co_ba_bg_pc_ch"},
      // Each channel owns a contiguous slice: worst case for a single stream.
      {"channel_partitioned", "ch_pc_ro_ba_bg_co"},
  };
}

AddressMapping AddressMapping::build(const HbmOrg& org, const std::string& spec_in, const std::string& path) {
  std::string spec = spec_in;
  for (const auto& [name, exp] : named_schemes())
    if (name == spec) spec = exp;

  std::vector<std::string> tokens = split_tokens(spec);
  // A trailing "xor" hashes bank and bank group with the low row bits
  // (permutation-based interleaving): concurrent streams that sit in
  // different rows then mostly land in different banks instead of
  // thrashing one bank's row buffer.
  bool bank_xor = false;
  if (!tokens.empty() && tokens.back() == "xor") {
    bank_xor = true;
    tokens.pop_back();
  }
  std::string expected =
      "field tokens from MSB to LSB separated by '_' (ro ba bg co pc ch, optional st), each "
      "optionally followed by a bit count, e.g. 'ro_ba_co_bg_pc_ch' or 'ro_co2_ba_bg_co3_pc_ch', "
      "optionally ending in '_xor' (bank/bank-group XOR row hashing); or a named scheme "
      "(channel_interleaved, channel_interleaved_xor, row_interleaved, bank_interleaved, channel_partitioned)";
  if (tokens.empty()) throw ConfigError(path + ": empty address mapping; expected " + expected);

  bool has_stack = false;
  for (const auto& t : tokens) has_stack = has_stack || t.rfind("st", 0) == 0;
  // A stack count that is not a power of two (H100: 5) cannot be address
  // bits: stacks then take turns by modulo, one interleave unit (a burst on
  // every channel of a stack) at a time, and the fields map the address
  // within a stack.
  const bool mod_stacks = (org.stacks & (org.stacks - 1)) != 0;
  if (mod_stacks && has_stack)
    throw ConfigError(path + ": org.stacks = " + std::to_string(org.stacks) +
                      " is not a power of two, so stacks interleave by modulo; expected a mapping without 'st'");
  std::array<unsigned, static_cast<size_t>(AddrField::kCount)> width{};
  width[size_t(AddrField::Stack)] = has_stack ? log2u(org.stacks) : 0;
  width[size_t(AddrField::Channel)] =
      has_stack || mod_stacks ? log2u(org.channels_per_stack) : log2u(org.channels());
  width[size_t(AddrField::PseudoChannel)] = log2u(org.pseudo_channels);
  width[size_t(AddrField::BankGroup)] = log2u(org.bank_groups);
  width[size_t(AddrField::Bank)] = log2u(org.banks_per_group);
  width[size_t(AddrField::Row)] = log2u(org.rows);
  width[size_t(AddrField::Column)] = log2u(org.columns) - log2u(org.burst_length);

  AddressMapping m;
  m.spec_ = spec;
  m.has_stack_ = has_stack;
  m.bank_xor_ = bank_xor;
  m.bank_mask_ = (1u << width[size_t(AddrField::Bank)]) - 1;
  m.bg_mask_ = (1u << width[size_t(AddrField::BankGroup)]) - 1;
  m.bank_bits_ = width[size_t(AddrField::Bank)];
  m.channels_per_stack_ = static_cast<uint32_t>(org.channels_per_stack);
  m.offset_bits_ = log2u(org.burst_bytes());
  if (mod_stacks) {
    m.mod_stacks_ = uint32_t(org.stacks);
    m.stack_unit_bits_ = m.offset_bits_ + log2u(org.channels_per_stack);
  }
  unsigned addr_bit = m.offset_bits_;
  m.segs_ = place_fields(tokens, width, &addr_bit, spec_in, path, expected);
  m.total_bits_ = addr_bit;
  return m;
}

std::vector<AddressMapping::Segment> AddressMapping::place_fields(const std::vector<std::string>& tokens,
                                                                 const FieldWidths& width, unsigned* addr_bit_io,
                                                                 const std::string& spec, const std::string& path,
                                                                 const std::string& expected) {
  // Walk tokens LSB first so explicit counts take the low bits of a field.
  std::array<unsigned, static_cast<size_t>(AddrField::kCount)> used{};
  unsigned addr_bit = *addr_bit_io;
  std::vector<Segment> segs;
  for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) {
    const std::string& t = *it;
    const FieldName* fn = nullptr;
    for (const auto& n : kFields)
      if (t.compare(0, 2, n.token) == 0) fn = &n;
    if (!fn) throw ConfigError(path + ": unknown field token '" + t + "' in '" + spec + "'; expected " + expected);
    size_t fi = static_cast<size_t>(fn->field);
    unsigned remaining = width[fi] - used[fi];
    unsigned w = remaining;
    if (t.size() == 2 && used[fi] > 0)
      throw ConfigError(path + ": field '" + std::string(fn->token) + "' appears twice in '" + spec +
                        "' without bit counts; expected each field once, or split with counts (co2 ... co3)");
    if (t.size() > 2) {
      std::string num = t.substr(2);
      for (char c : num)
        if (c < '0' || c > '9')
          throw ConfigError(path + ": bad bit count in token '" + t + "' of '" + spec + "'; expected " + expected);
      w = static_cast<unsigned>(std::stoul(num));
      if (w > remaining)
        throw ConfigError(path + ": token '" + t + "' asks for " + std::to_string(w) + " bits but field '" +
                          fn->token + "' has only " + std::to_string(remaining) + " left (of " +
                          std::to_string(width[fi]) + ")");
    }
    if (w > 0) segs.push_back({fn->field, uint8_t(addr_bit), uint8_t(w), uint8_t(used[fi])});
    used[fi] += w;
    addr_bit += w;
  }
  for (size_t f = 0; f < width.size(); ++f) {
    if (used[f] != width[f])
      throw ConfigError(path + ": field '" + token_of(AddrField(f)) + "' needs " + std::to_string(width[f]) +
                        " bits for this organisation but the mapping '" + spec + "' gives " +
                        std::to_string(used[f]) + "; expected " + expected);
  }
  if (addr_bit > 63) throw ConfigError(path + ": address needs " + std::to_string(addr_bit) + " bits (> 63)");
  *addr_bit_io = addr_bit;
  return segs;
}

DramAddr AddressMapping::decode(uint64_t addr) const {
  uint32_t stack = 0;
  if (mod_stacks_) {
    const uint64_t unit = addr >> stack_unit_bits_, low = addr & ((uint64_t{1} << stack_unit_bits_) - 1);
    stack = uint32_t(unit % mod_stacks_);
    addr = ((unit / mod_stacks_) << stack_unit_bits_) | low;
  }
  uint32_t v[static_cast<size_t>(AddrField::kCount)] = {};
  for (const Segment& s : segs_) {
    uint32_t bits = static_cast<uint32_t>((addr >> s.addr_shift) & ((uint64_t{1} << s.width) - 1));
    v[size_t(s.field)] |= bits << s.field_shift;
  }
  DramAddr d;
  d.channel = v[size_t(AddrField::Channel)] + (has_stack_ ? v[size_t(AddrField::Stack)] * channels_per_stack_ : 0) +
              stack * channels_per_stack_;
  d.pc = v[size_t(AddrField::PseudoChannel)];
  d.bg = v[size_t(AddrField::BankGroup)];
  d.bank = v[size_t(AddrField::Bank)];
  d.row = v[size_t(AddrField::Row)];
  d.col = v[size_t(AddrField::Column)];
  if (bank_xor_) {
    d.bank ^= d.row & bank_mask_;
    d.bg ^= (d.row >> bank_bits_) & bg_mask_;
  }
  return d;
}

uint64_t AddressMapping::encode(const DramAddr& d) const {
  uint32_t v[static_cast<size_t>(AddrField::kCount)] = {};
  v[size_t(AddrField::Stack)] = has_stack_ ? d.channel / channels_per_stack_ : 0;
  v[size_t(AddrField::Channel)] = has_stack_ || mod_stacks_ ? d.channel % channels_per_stack_ : d.channel;
  v[size_t(AddrField::PseudoChannel)] = d.pc;
  // XOR with the row is its own inverse.
  v[size_t(AddrField::BankGroup)] = bank_xor_ ? d.bg ^ ((d.row >> bank_bits_) & bg_mask_) : d.bg;
  v[size_t(AddrField::Bank)] = bank_xor_ ? d.bank ^ (d.row & bank_mask_) : d.bank;
  v[size_t(AddrField::Row)] = d.row;
  v[size_t(AddrField::Column)] = d.col;
  uint64_t a = 0;
  for (const Segment& s : segs_) {
    uint64_t bits = (v[size_t(s.field)] >> s.field_shift) & ((uint64_t{1} << s.width) - 1);
    a |= bits << s.addr_shift;
  }
  if (mod_stacks_) {
    const uint64_t unit = a >> stack_unit_bits_, low = a & ((uint64_t{1} << stack_unit_bits_) - 1);
    a = ((unit * mod_stacks_ + d.channel / channels_per_stack_) << stack_unit_bits_) | low;
  }
  return a;
}

}  // namespace npusim::memory
