#include <catch2/catch.hpp>

#include "sim/address_map.hpp"
#include "sim/errors.hpp"

using namespace npusim;

TEST_CASE("address map decodes windows and rejects overlaps and misses", "[address_map]") {
  AddressMap m;
  m.add({"npu1.hbm", 1ull << 40, 1ull << 37, 1});
  m.add({"npu0.hbm", 0, 1ull << 37, 0});
  m.add({"npu0.l2", 1ull << 38, 192ull << 20, 2});
  REQUIRE(m.windows().size() == 3);
  CHECK(m.windows()[0].name == "npu0.hbm");  // kept sorted
  CHECK(m.decode(0x1000, 64).target == 0);
  CHECK(m.decode((1ull << 40) + 5).name == "npu1.hbm");
  CHECK(m.decode(1ull << 38).target == 2);
  CHECK_FALSE(m.find((1ull << 37) - 32, 64));  // straddles the end of npu0.hbm
  CHECK_THROWS_WITH(m.decode((1ull << 37) + 8), Catch::Contains("0x2000000008") && Catch::Contains("npu0.hbm"));
  CHECK_THROWS_WITH(m.add({"bad", (1ull << 38) + 4096, 4096, 3}), Catch::Contains("overlaps 'npu0.l2'"));
  CHECK_THROWS_WITH(m.add({"empty", 0x10, 0, 3}), Catch::Contains("size > 0"));
  CHECK_THROWS_WITH(m.add({"wrap", ~0ull - 10, 100, 3}), Catch::Contains("wraps"));
  AddressMap e;
  CHECK_THROWS_WITH(e.decode(5), Catch::Contains("map is empty"));
}
