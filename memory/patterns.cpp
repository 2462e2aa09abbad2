#include "memory/patterns.hpp"

#include <algorithm>
#include <random>

namespace npusim::memory {

const Schema& PatternSpec::schema() {
  static const Schema s = [] {
    Schema s("pattern", "A built-in access pattern");
    SchemaBuilder<PatternSpec>(s)
        .choice(&PatternSpec::pattern, "pattern", AccessPattern::StreamRead,
                "stream_read, stream_write, rw_mix, random, bank_conflict or gemm_tile")
        .param(&PatternSpec::requests, "requests", "request", 20000, "Number of requests", {1, 1e9})
        .param(&PatternSpec::size, "size", "byte", 64, "Bytes per request (power of two)", {1, 4096})
        .param(&PatternSpec::seed, "seed", "", 1, "Random seed", {0, 9e15})
        .param(&PatternSpec::interval_ps, "interval_ps", "ps", 0,
               "Time between request issues; 0 issues as fast as the memory accepts", {0, 1e12})
        .param(&PatternSpec::footprint, "footprint", "byte", 1LL << 30,
               "Address range touched by random and streaming patterns (clipped to capacity)", {4096, 9e15})
        .param(&PatternSpec::read_fraction, "read_fraction", "fraction", -1.0,
               "Fraction of reads; -1 uses the pattern's default (rw_mix 2/3, random 1)", {-1, 1});
    return s;
  }();
  return s;
}

namespace {
const char* pattern_doc(AccessPattern p) {
  switch (p) {
    case AccessPattern::StreamRead: return "Sequential reads over the footprint (peak-bandwidth probe)";
    case AccessPattern::StreamWrite: return "Sequential writes over the footprint";
    case AccessPattern::RwMix:
      return "Sequential stream, each request a read with probability read_fraction (default 2/3)";
    case AccessPattern::Random:
      return "Uniformly random aligned requests over the footprint (reads unless read_fraction says)";
    case AccessPattern::BankConflict:
      return "Strided: every request goes to bank 0 of pseudo-channel 0 of the next channel, a new row each "
             "time (row-cycle bound)";
    case AccessPattern::GemmTile:
      return "GEMM-tile-like: 512-byte tile rows of A and B read with a 16 KiB leading dimension, C tile "
             "written every 16th tile row";
  }
  return "";
}
}  // namespace

std::vector<std::pair<std::string, std::string>> pattern_list() {
  std::vector<std::pair<std::string, std::string>> v;
  for (const auto& n : enum_names<AccessPattern>()) v.emplace_back(n.name, pattern_doc(n.value));
  return v;
}

MemTrace generate_pattern(const PatternSpec& s, const MemoryConfig& cfg, const AddressMapping& map) {
  if (s.size & (s.size - 1))
    throw ConfigError("job.trace.size: expected a power of two, got " + std::to_string(s.size));
  const uint64_t size = uint64_t(s.size);
  const uint64_t capacity = cfg.org.capacity_bytes();
  const uint64_t footprint = std::max<uint64_t>(size, std::min<uint64_t>(uint64_t(s.footprint), capacity)) / size * size;
  std::mt19937_64 rng(uint64_t(s.seed));
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  const double rf = s.read_fraction >= 0 ? s.read_fraction : s.pattern == AccessPattern::RwMix ? 2.0 / 3.0 : 1.0;

  MemTrace t;
  t.unit = TimeUnit::Ps;
  t.source = std::string("pattern:") + to_string(s.pattern);
  t.records.reserve(size_t(s.requests));
  const uint64_t n = uint64_t(s.requests);
  // GEMM tile geometry: 512-byte tile rows, 16 KiB leading dimension.
  const uint64_t tile_row = std::max<uint64_t>(512, size), ld = 16384;
  const uint64_t b_base = std::min<uint64_t>(capacity / 2, footprint / 2) / ld * ld;
  uint64_t gemm_row = 0, gemm_off = 0;
  for (uint64_t i = 0; i < n; ++i) {
    MemTraceRecord r;
    r.time = i * uint64_t(s.interval_ps);
    r.size = uint32_t(size);
    r.is_write = false;
    const AccessPattern pat = s.pattern;
    if (pat == AccessPattern::StreamRead || pat == AccessPattern::StreamWrite || pat == AccessPattern::RwMix) {
      r.addr = (i * size) % footprint;
      r.is_write = pat == AccessPattern::StreamWrite || (pat == AccessPattern::RwMix && u01(rng) >= rf);
    } else if (pat == AccessPattern::Random) {
      r.addr = std::uniform_int_distribution<uint64_t>(0, footprint / size - 1)(rng) * size;
      r.is_write = u01(rng) >= rf;
    } else if (pat == AccessPattern::BankConflict) {
      DramAddr a{};
      a.channel = uint32_t(i % uint64_t(cfg.org.channels()));
      a.row = uint32_t((i / uint64_t(cfg.org.channels())) % uint64_t(cfg.org.rows));
      r.addr = map.encode(a);
      r.size = std::min<uint32_t>(uint32_t(size), cfg.org.burst_bytes());
    } else {  // gemm_tile
      // Alternate A and B tile rows; every 16th tile row also writes C.
      const bool is_b = gemm_row & 1, is_c = (gemm_row % 16) == 15;
      const uint64_t base = is_c ? (b_base + b_base / 2) / ld * ld : is_b ? b_base : 0;
      r.addr = (base + (gemm_row / 2) * ld + gemm_off) % capacity;
      r.is_write = is_c;
      gemm_off += size;
      if (gemm_off >= tile_row) {
        gemm_off = 0;
        ++gemm_row;
      }
    }
    t.records.push_back(r);
  }
  return t;
}

}  // namespace npusim::memory
