// Stats: values and names of each kind, distribution statistics on known
// data, the exact stats.txt layout, determinism of dumps, reset and removal.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "sim/stats.hpp"

using namespace npusim::stats;
using Catch::Matchers::Contains;

namespace {

double value_of(const Registry& r, const std::string& name) {
  for (const auto& [n, v] : r.flatten())
    if (n == name) return v;
  FAIL("no stat value named " << name);
  return 0;
}

std::string text_of(const Registry& r) {
  std::ostringstream os;
  r.dump_text(os);
  return os.str();
}

}  // namespace

TEST_CASE("groups build dotted paths", "[stats]") {
  Registry reg;
  Group root(reg, "system");
  Group npu(&root, "npu[3]");
  Group core(&npu, "core[7]");
  CHECK(root.path() == "system");
  CHECK(core.path() == "system.npu[3].core[7]");
  Scalar busy(core, "busy_cycles", "Cycles busy", "cycle");
  CHECK(busy.name() == "system.npu[3].core[7].busy_cycles");
  CHECK(&core.registry() == &reg);
}

TEST_CASE("a root group with a null parent owns its registry", "[stats]") {
  Group root(nullptr, "top");
  Scalar s(root, "x", "X", "count");
  ++s;
  CHECK(root.path() == "top");
  REQUIRE(root.registry().all().size() == 1);
  CHECK(value_of(root.registry(), "top.x") == 1);
}

TEST_CASE("scalar, vector and formula values", "[stats]") {
  Registry reg;
  Group g(reg, "m");
  Scalar reads(g, "reads", "Reads", "count");
  Vector bytes(g, "bytes", "Bytes", "byte", 2, {"read", "write"});
  Vector lanes(g, "lanes", "Per lane", "count", 3);
  Formula ratio(g, "ratio", "Reads per byte", "1/byte",
                [&] { return reads.value() / bytes.total(); });
  reads += 3;
  ++reads;
  bytes[0] = 64;
  bytes[1] += 192;
  lanes[2] = 5;
  CHECK(reads.value() == 4);
  CHECK(bytes.total() == 256);
  CHECK(ratio.value() == Approx(4.0 / 256));

  auto flat = reg.flatten();
  std::vector<std::string> names;
  for (auto& p : flat) names.push_back(p.first);
  CHECK(names == std::vector<std::string>{"m.reads", "m.bytes::read", "m.bytes::write",
                                          "m.bytes::total", "m.lanes::0", "m.lanes::1",
                                          "m.lanes::2", "m.lanes::total", "m.ratio"});
  CHECK(value_of(reg, "m.bytes::write") == 192);
  CHECK(value_of(reg, "m.lanes::total") == 5);

  reg.reset_all();
  CHECK(reads.value() == 0);
  CHECK(bytes.total() == 0);
  CHECK(lanes.at(2) == 0);
  CHECK(std::isnan(ratio.value()));  // formulas recompute; 0/0 here
}

TEST_CASE("vector subnames must match its size", "[stats]") {
  Registry reg;
  Group g(reg, "m");
  CHECK_THROWS_AS(Vector(g, "v", "V", "count", 3, {"a", "b"}), std::invalid_argument);
  CHECK(reg.all().empty());  // the half-built stat unregistered itself
}

TEST_CASE("duplicate stat names are rejected", "[stats]") {
  Registry reg;
  Group g(reg, "m");
  Scalar a(g, "x", "X", "count");
  CHECK_THROWS_WITH(Scalar(g, "x", "X again", "count"), Contains("duplicate stat name 'm.x'"));
  CHECK(reg.all().size() == 1);
}

TEST_CASE("stats unregister on destruction in any order", "[stats]") {
  Registry reg;
  Group g(reg, "m");
  Scalar keep(g, "keep", "Kept", "count");
  {
    std::vector<std::unique_ptr<Scalar>> many;
    for (int i = 0; i < 1000; ++i)
      many.push_back(std::make_unique<Scalar>(g, "s" + std::to_string(i), "S", "count"));
    CHECK(reg.all().size() == 1001);
    for (int i = 0; i < 1000; i += 2) many[i].reset();  // forward, every other
    CHECK(reg.all().size() == 501);
    CHECK(reg.all()[1]->name() == "m.s1");
  }
  REQUIRE(reg.all().size() == 1);
  CHECK(reg.all()[0] == &keep);
  Scalar again(g, "s0", "Name free again", "count");  // names are released too
  CHECK(reg.all().size() == 2);
}

TEST_CASE("a registry destroyed before its stats leaves them safe", "[stats]") {
  auto reg = std::make_unique<Registry>();
  Group g(*reg, "m");
  auto s = std::make_unique<Scalar>(g, "x", "X", "count");
  reg.reset();
  s.reset();  // must not touch the dead registry
  SUCCEED();
}

TEST_CASE("distribution on 1..1000", "[stats]") {
  Registry reg;
  Group g(reg, "m");
  Distribution d(g, "lat", "Latency", "cycle");
  CHECK(d.samples() == 0);
  CHECK(d.percentile(0.5) == 0);
  CHECK(d.min() == 0);
  for (uint64_t v = 1; v <= 1000; ++v) d.sample(v);
  CHECK(d.samples() == 1000);
  CHECK(d.mean() == Approx(500.5));
  CHECK(d.stdev() == Approx(std::sqrt((1000.0 * 1000.0 - 1) / 12)));
  CHECK(d.min() == 1);
  CHECK(d.max() == 1000);
  CHECK(d.percentile(0.5) == 500);
  CHECK(d.percentile(0.9) == 900);
  CHECK(d.percentile(0.99) == 990);
  CHECK(d.percentile(0.999) == 999);
  CHECK(d.percentile(1.0) == 1000);
  CHECK(d.percentile(0.0001) == 1);
  CHECK(value_of(reg, "m.lat::p99") == 990);
  CHECK(value_of(reg, "m.lat::samples") == 1000);

  d.reset();
  CHECK(d.samples() == 0);
  CHECK(d.mean() == 0);
  CHECK(d.max() == 0);
  CHECK(d.percentile(0.99) == 0);
}

TEST_CASE("distribution weighted samples and large values", "[stats]") {
  Registry reg;
  Group g(reg, "m");
  Distribution d(g, "lat", "Latency", "cycle");
  d.sample(10, 99);
  d.sample(5000, 1);
  CHECK(d.samples() == 100);
  CHECK(d.percentile(0.99) == 10);
  CHECK(d.percentile(1.0) <= 5000);
  CHECK(d.percentile(1.0) > 5000 * (1 - 1.0 / 64));
  CHECK(d.mean() == Approx((10.0 * 99 + 5000) / 100));

  // Lower bounds: exact at a bucket edge, within 1/64 below otherwise.
  for (uint64_t v : {uint64_t{1023}, uint64_t{1024}, uint64_t{1025}, uint64_t{123457},
                     uint64_t{1} << 40, (uint64_t{1} << 40) + 12345678, UINT64_MAX}) {
    Distribution one(g, "one", "One value", "cycle");
    one.sample(v);
    double p = one.percentile(0.5);
    INFO("v = " << v << ", p50 = " << p);
    CHECK(p <= static_cast<double>(v));
    CHECK(p >= static_cast<double>(v) * (1 - 1.0 / 64));
    if (v <= 1024) CHECK(p == static_cast<double>(v));
    CHECK(one.max() == v);
  }

  // Welford keeps the spread of large values exact enough.
  Distribution big(g, "big", "Big", "ps");
  big.sample(1000000000000ull);
  big.sample(1000000000002ull);
  CHECK(big.mean() == Approx(1000000000001.0));
  CHECK(big.stdev() == Approx(1.0));
}

TEST_CASE("stats.txt layout is exact", "[stats]") {
  Registry reg;
  Group sys(reg, "system");
  Group mem(&sys, "mem");
  Scalar reads(mem, "reads", "Read requests", "count");
  Vector bytes(mem, "bytes", "Bytes moved", "byte", 2, {"read", "write"});
  Formula third(mem, "third", "One third", "ratio", [] { return 1.0 / 3.0; });
  Formula undef(mem, "undef", "Zero over zero", "ratio", [] { return std::nan(""); });
  reads += 5;
  bytes[0] = 64;
  bytes[1] = 128;

  const std::string expected =
      "---------- Begin Simulation Statistics ----------\n"
      "system.mem.reads                                                      5  # Read requests (count)\n"
      "system.mem.bytes::read                                               64  # Bytes moved (byte)\n"
      "system.mem.bytes::write                                             128  # Bytes moved (byte)\n"
      "system.mem.bytes::total                                             192  # Bytes moved (byte)\n"
      "system.mem.third                                            0.333333333  # One third (ratio)\n"
      "system.mem.undef                                                    nan  # Zero over zero (ratio)\n"
      "---------- End Simulation Statistics   ----------\n"
      "\n";
  CHECK(text_of(reg) == expected);
  CHECK(text_of(reg) == text_of(reg));

  nlohmann::json j = reg.dump_json();
  CHECK(j["stats"]["system.mem.reads"] == 5);
  CHECK(j["stats"]["system.mem.reads"].is_number_integer());
  CHECK(j["stats"]["system.mem.bytes::total"] == 192);
  CHECK(j["stats"]["system.mem.third"].get<double>() == Approx(1.0 / 3.0));
  CHECK(j["stats"]["system.mem.undef"].is_null());
  CHECK(j["info"]["system.mem.bytes"]["desc"] == "Bytes moved");
  CHECK(j["info"]["system.mem.bytes"]["unit"] == "byte");
  CHECK(j.dump() == reg.dump_json().dump());
  // The dump round-trips through a JSON parser.
  CHECK(nlohmann::json::parse(j.dump()) == j);
}

TEST_CASE("identically built registries dump identical bytes", "[stats]") {
  auto build_and_dump = [] {
    Registry reg;
    Group g(reg, "s");
    Scalar a(g, "a", "A", "count");
    Distribution d(g, "d", "D", "cycle");
    Formula f(g, "f", "F", "1/cycle", [&] { return a.value() / (d.mean() + 1); });
    for (uint64_t i = 0; i < 5000; ++i) {
      a += 0.1;
      d.sample((i * 7919) % 100003);
    }
    std::ostringstream os;
    reg.dump_text(os);
    return os.str() + reg.dump_json().dump();
  };
  std::string first = build_and_dump();
  CHECK(first == build_and_dump());
  CHECK_THAT(first, Contains("s.d::p999"));
}
