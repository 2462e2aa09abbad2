// Timeline: when open it writes trace-event JSON that parses and holds the
// recorded events; when never opened it writes nothing; the cap holds.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "sim/errors.hpp"
#include "sim/timeline.hpp"

namespace fs = std::filesystem;
using npusim::Timeline;

namespace {

// A fresh path per use so parallel test processes never collide.
fs::path temp_path(const std::string& stem) {
  static std::atomic<unsigned> counter{0};
  fs::path dir = fs::temp_directory_path() /
                 ("npusim_timeline_" + std::to_string(::getpid()) + "_" +
                  std::to_string(counter++));
  fs::create_directories(dir);
  return dir / (stem + ".json");
}

nlohmann::json load(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

// Events with the given phase, in file order.
std::vector<nlohmann::json> of_phase(const nlohmann::json& j, const std::string& ph) {
  std::vector<nlohmann::json> out;
  for (const auto& e : j["traceEvents"])
    if (e["ph"] == ph) out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("timeline writes parseable trace events", "[timeline]") {
  fs::path p = temp_path("trace");
  {
    Timeline tl;
    int cube = tl.add_track("npu0", "core0.cube");
    int vec = tl.add_track("npu0", "core0.vector");
    int link = tl.add_track("fabric", "link \"a\"->b");
    CHECK(tl.add_track("npu0", "core0.cube") == cube);
    CHECK_FALSE(tl.enabled());
    tl.complete(cube, "ignored", 0, 10);  // not open yet: dropped silently
    tl.open(p.string(), 100);
    CHECK(tl.enabled());
    tl.complete(cube, "matmul", 1500000, 2500, "bytes", 4096);
    tl.complete(vec, tl.intern("softmax#" + std::to_string(3)), 1000, 1, "a", 1, "b", 2);
    tl.instant(link, "credit", 7);
    tl.counter(link, "in_flight", 8, 12);
    CHECK(tl.recorded() == 4);
  }  // the destructor closes and writes

  nlohmann::json j = load(p);
  REQUIRE(j.contains("traceEvents"));
  auto xs = of_phase(j, "X");
  REQUIRE(xs.size() == 2);
  CHECK(xs[0]["name"] == "matmul");
  CHECK(xs[0]["ts"].get<double>() == Approx(1.5));  // us
  CHECK(xs[0]["dur"].get<double>() == Approx(0.0025));
  CHECK(xs[0]["args"]["bytes"] == 4096);
  CHECK(xs[1]["name"] == "softmax#3");
  CHECK(xs[1]["ts"].get<double>() == Approx(0.001));
  CHECK(xs[1]["dur"].get<double>() == Approx(0.000001));
  CHECK(xs[1]["args"]["b"] == 2);
  CHECK(xs[0]["pid"] == xs[1]["pid"]);
  CHECK(xs[0]["tid"] != xs[1]["tid"]);

  auto is = of_phase(j, "i");
  REQUIRE(is.size() == 1);
  CHECK(is[0]["name"] == "credit");
  auto cs = of_phase(j, "C");
  REQUIRE(cs.size() == 1);
  CHECK(cs[0]["args"]["in_flight"] == 12);

  std::map<std::string, int> names;
  for (const auto& m : of_phase(j, "M"))
    if (m["name"] == "thread_name" || m["name"] == "process_name")
      names[m["args"]["name"].get<std::string>()]++;
  CHECK(names["npu0"] == 1);
  CHECK(names["core0.cube"] == 1);
  CHECK(names["link \"a\"->b"] == 1);  // escaped and restored
  CHECK(j["otherData"]["dropped_events"] == 0);
  fs::remove_all(p.parent_path());
}

TEST_CASE("timeline never opened writes nothing", "[timeline]") {
  fs::path p = temp_path("never");
  {
    Timeline tl;
    int t = tl.add_track("p", "t");
    for (int i = 0; i < 1000; ++i) tl.complete(t, "x", i, 1);
    CHECK(tl.recorded() == 0);
    tl.close();  // harmless when not open
  }
  CHECK_FALSE(fs::exists(p));
  CHECK(fs::is_empty(p.parent_path()));
  fs::remove_all(p.parent_path());
}

TEST_CASE("timeline caps the number of events", "[timeline]") {
  fs::path p = temp_path("capped");
  Timeline tl;
  int t = tl.add_track("p", "t");
  tl.open(p.string(), 10);
  for (uint64_t i = 0; i < 25; ++i) tl.complete(t, "x", i * 1000000, 500000);
  CHECK(tl.recorded() == 10);
  CHECK(tl.dropped() == 15);
  tl.close();
  CHECK_FALSE(tl.enabled());

  nlohmann::json j = load(p);
  CHECK(of_phase(j, "X").size() == 10);
  CHECK(j["otherData"]["dropped_events"] == 15);
  CHECK(j["otherData"]["max_events"] == 10);
  auto notes = of_phase(j, "i");
  REQUIRE(notes.size() == 1);
  CHECK(notes[0]["name"].get<std::string>().find("15 events dropped") != std::string::npos);
  CHECK(notes[0]["ts"].get<double>() == Approx(10.0));  // the first dropped event
  fs::remove_all(p.parent_path());
}

TEST_CASE("timeline on an unwritable path is a ConfigError", "[timeline]") {
  Timeline tl;
  CHECK_THROWS_AS(tl.open("/nonexistent-dir/trace.json"), npusim::ConfigError);
  CHECK_FALSE(tl.enabled());
}
