// Built-in access patterns: synthetic memory traces an architect uses to
// characterise a memory system (streaming, mixed, random, bank conflicts,
// GEMM tiles). Generated deterministically from a seed.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "memory/address_mapping.hpp"
#include "memory/mem_trace.hpp"
#include "sim/params.hpp"

namespace npusim::memory {

NPUSIM_ENUM(AccessPattern, (StreamRead, "stream_read"), (StreamWrite, "stream_write"), (RwMix, "rw_mix"),
            (Random, "random"), (BankConflict, "bank_conflict"), (GemmTile, "gemm_tile"));

struct PatternSpec {
  AccessPattern pattern;
  int64_t requests, size, seed, interval_ps, footprint;
  double read_fraction;  // < 0: the pattern's own default
  static const Schema& schema();
};

// (name, description) of every pattern.
std::vector<std::pair<std::string, std::string>> pattern_list();
// Throws ConfigError (path "trace.<key>") for bad values.
MemTrace generate_pattern(const PatternSpec& spec, const MemoryConfig& cfg, const AddressMapping& map);

}  // namespace npusim::memory
