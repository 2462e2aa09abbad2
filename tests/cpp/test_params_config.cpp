// The parameter system and the memory config built on it: defaults, JSON
// round trip, errors naming the full key path and the expected form, and the
// address mapping.
#include <catch2/catch.hpp>

#include "memory/address_mapping.hpp"
#include "memory/hbm_config.hpp"
#include "memory/hbm_presets.hpp"

using namespace npusim;
using namespace npusim::memory;

TEST_CASE("defaults come from the declarations and round-trip through JSON", "[params]") {
  MemoryConfig c = defaults_of<MemoryConfig>();
  CHECK(c.timing.nCL == 24);
  CHECK(c.controller.page_policy == PagePolicyKind::Open);
  json j = to_json(c);
  MemoryConfig d = from_json<MemoryConfig>(j, "memory");
  CHECK(to_json(d) == j);
  for (const auto& name : memory_preset_names()) {
    json p = memory_preset(name);
    CHECK(to_json(memory_config_from_json(p, name)) == p);
  }
}

TEST_CASE("config errors name the key path and the expected form", "[params]") {
  auto err = [](const json& j) {
    try {
      memory_config_from_json(j, "chip.hbm");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(err({{"timing", {{"nCL", -3}}}}),
             Catch::StartsWith("chip.hbm.timing.nCL: expected an integer in [1, 255] (tCK), got -3"));
  CHECK_THAT(err({{"timing", {{"nCL", 2.5}}}}), Catch::Contains("chip.hbm.timing.nCL: expected an integer"));
  CHECK_THAT(err({{"timing", {{"nCL", "14"}}}}), Catch::Contains("got \"14\""));
  CHECK_THAT(err({{"org", {{"chanels", 8}}}}),
             Catch::Contains("chip.hbm.org.chanels: unknown parameter") && Catch::Contains("channels_per_stack"));
  CHECK_THAT(err({{"controller", {{"page_policy", "ajar"}}}}),
             Catch::Contains("chip.hbm.controller.page_policy: expected one of 'open', 'closed'"));
  CHECK_THAT(err({{"protocol_checker", 1}}), Catch::Contains("expected true or false"));
  CHECK_THAT(err({{"org", 5}}), Catch::Contains("chip.hbm.org: expected an object"));
  CHECK_THAT(err({{"org", {{"channels_per_stack", 12}}}}), Catch::Contains("expected a power of two"));
  CHECK_THAT(err({{"controller", {{"write_low_watermark", 0.9}}}}), Catch::Contains("write_low_watermark"));
  CHECK_THAT(err({{"org", {{"burst_length", 2}}}}), Catch::Contains("multiple of timing.beats_per_clock"));
  CHECK_THROWS_WITH(memory_preset("hbm9"), Catch::Contains("hbm3") && Catch::Contains("unknown memory preset"));
}

TEST_CASE("schema describe() carries unit, default, range and doc for Python", "[params]") {
  json d = MemoryConfig::schema().describe();
  CHECK(d["timing"]["type"] == "group");
  const json& ncl = d["timing"]["params"]["nCL"];
  CHECK(ncl["unit"] == "tCK");
  CHECK(ncl["default"] == 24);
  CHECK(ncl["min"] == 1);
  CHECK(!ncl["doc"].get<std::string>().empty());
  CHECK(d["controller"]["params"]["page_policy"]["choices"].size() == 2);
}

TEST_CASE("address mapping decodes, encodes and rejects bad specs", "[params][mapping]") {
  MemoryConfig c = memory_config_from_json(memory_preset("hbm3"), "hbm3");
  AddressMapping m = AddressMapping::build(c.org, "ro_ba_co_bg_pc_ch", "m");
  // Burst offset 5 bits, then 4 channel bits: consecutive bursts change channel.
  CHECK(m.decode(0).channel == 0);
  CHECK(m.decode(32).channel == 1);
  CHECK(m.decode(32 * 16).pc == 1);
  CHECK(m.decode(32 * 32).bg == 1);
  for (uint64_t a : {0ull, 0x1234560ull, 0x3ffffffe0ull}) CHECK(m.encode(m.decode(a)) == a);
  CHECK(m.address_bits() == 34);  // 16 GiB stack
  // Split fields and a named scheme.
  AddressMapping s = AddressMapping::build(c.org, "ro_co2_ba_bg_co3_pc_ch", "m");
  CHECK(s.encode(s.decode(0x2468ace0ull)) == 0x2468ace0ull);
  CHECK_NOTHROW(AddressMapping::build(c.org, "row_interleaved", "m"));
  CHECK_THROWS_WITH(AddressMapping::build(c.org, "ro_ba_co_pc_ch", "x.map"),
                    Catch::Contains("x.map: field 'bg' needs 2 bits"));
  CHECK_THROWS_WITH(AddressMapping::build(c.org, "ro_ba_co_bg_pc_ch_zz", "x.map"), Catch::Contains("unknown field token 'zz'"));
  CHECK_THROWS_WITH(AddressMapping::build(c.org, "ro_ba_co9_bg_pc_ch", "x.map"), Catch::Contains("asks for 9 bits"));
}

TEST_CASE("bank-XOR and non-power-of-two stack mappings invert and spread", "[params][mapping]") {
  // XOR hashing: the bank moves with the row, and encode inverts decode.
  MemoryConfig c = memory_config_from_json(memory_preset("hbm3"), "hbm3");
  AddressMapping x = AddressMapping::build(c.org, "channel_interleaved_xor", "m");
  AddressMapping p = AddressMapping::build(c.org, "channel_interleaved", "m");
  const uint64_t row_step = uint64_t(1) << (p.address_bits() - 15);  // 32768 rows
  CHECK(p.decode(0).bank == p.decode(row_step).bank);
  CHECK(x.decode(0).bank != x.decode(row_step).bank);
  for (uint64_t a : {uint64_t(0), uint64_t(0x1234560), uint64_t(0x3ffffffe0), row_step * 7 + 0x4a0}) CHECK(x.encode(x.decode(a)) == a);

  // H100: 5 stacks interleave by modulo, 512 B (a burst on each of a
  // stack's 16 channels) at a time; every stack gets the same share.
  MemoryConfig h = memory_config_from_json(memory_preset("nvidia_h100"), "h100");
  REQUIRE(h.org.stacks == 5);
  CHECK(h.org.capacity_bytes() == 80ull << 30);
  CHECK(h.peak_bandwidth_gbps() == Approx(3347).epsilon(0.01));  // reference: 3.35 TB/s
  AddressMapping m = AddressMapping::build(h.org, h.controller.address_mapping, "m");
  std::vector<uint64_t> per_stack(5, 0);
  for (uint64_t a = 0; a < (uint64_t(1) << 20); a += 32) {
    const DramAddr d = m.decode(a);
    REQUIRE(d.channel < uint32_t(h.org.channels()));
    ++per_stack[d.channel / h.org.channels_per_stack];
    REQUIRE(m.encode(d) == a);
  }
  for (uint64_t n : per_stack) CHECK(double(n) == Approx(double(per_stack[0])).epsilon(0.01));
  CHECK(m.decode(0).channel / 16 == 0);
  CHECK(m.decode(512).channel / 16 == 1);
  CHECK(m.decode(5 * 512).channel / 16 == 0);
  // The last byte of the 80 GB still decodes to a valid place.
  CHECK(m.encode(m.decode(h.org.capacity_bytes() - 32)) == h.org.capacity_bytes() - 32);
  CHECK_THROWS_WITH(AddressMapping::build(h.org, "st_ro_ba_co_bg_pc_ch", "m"), Catch::Contains("not a power of two"));
}
