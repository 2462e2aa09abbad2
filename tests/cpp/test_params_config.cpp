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
  CHECK(c.controller.page_policy == "open");
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
