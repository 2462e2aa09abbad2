// DRAMSim3 .ini reader: the bundled HBM2 device converts to the expected
// memory config and passes our schema; malformed files name file:line (or
// file and section.key) and the expected form.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "memory/address_mapping.hpp"
#include "memory/dramsim3_ini.hpp"
#include "memory/hbm_config.hpp"
#include "sim/errors.hpp"
#include "temp_dir.hpp"

#ifndef NPUSIM_SOURCE_DIR
#define NPUSIM_SOURCE_DIR "."
#endif

namespace fs = std::filesystem;
using namespace npusim;
using namespace npusim::memory;
using Catch::Matchers::Contains;

namespace {

using npusim::test::TempDir;

// The bundled device without its comment header.
const std::string kGood =
    "[dram_structure]\n"
    "protocol = HBM\n"
    "bankgroups = 4\n"
    "banks_per_group = 4\n"
    "rows = 32768\n"
    "columns = 64\n"
    "device_width = 128\n"
    "BL = 4\n"
    "num_dies = 4\n"
    "\n"
    "[timing]\n"
    "tCK = 1\n"
    "CL = 14\n"
    "CWL = 4\n"
    "tRCDRD = 14\n"
    "tRCDWR = 14\n"
    "tRP = 14\n"
    "tRAS = 34\n"
    "tRFC = 260\n"
    "tREFI = 3900\n"
    "tREFIb = 128\n"
    "tRPRE = 1\n"
    "tWPRE = 1\n"
    "tRRD_S = 4\n"
    "tRRD_L = 6\n"
    "tWTR_S = 6\n"
    "tWTR_L = 8\n"
    "tFAW = 30\n"
    "tWR = 16\n"
    "tCCD_S = 1\n"
    "tCCD_L = 2\n"
    "tXS = 268\n"
    "tCKE = 8\n"
    "tCKSRE = 10\n"
    "tXP = 8\n"
    "tRTP_L = 6\n"
    "tRTP_S = 4\n"
    "\n"
    "[power]\n"
    "VDD = 1.2\n"
    "IDD0 = 65\n"
    "\n"
    "[system]\n"
    "channel_size = 512\n"
    "channels = 8\n"
    "bus_width = 128\n"
    "address_mapping = rorabgbachco\n"
    "queue_structure = PER_RANK\n"
    "row_buf_policy = OPEN_PAGE\n"
    "cmd_queue_size = 32\n"
    "trans_queue_size = 16\n"
    "\n"
    "[other]\n"
    "epoch_period = 1000000\n"
    "output_level = 1\n";

// kGood with the first occurrence of `from` replaced by `to`.
std::string with(const std::string& from, const std::string& to, std::string text = kGood) {
  auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  text.replace(pos, from.size(), to);
  return text;
}

// 1-based line on which `needle` first occurs in `text`.
int line_of(const std::string& text, const std::string& needle) {
  auto pos = text.find(needle);
  REQUIRE(pos != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

template <class F>
std::string config_error(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("wrong exception type: " << e.what());
  }
  FAIL("no ConfigError thrown");
  return {};
}

// Converts `text` and expects a ConfigError at `line` (0: no line number,
// the message names the file) containing each of `parts`.
void expect_error(const std::string& text, int line, std::initializer_list<std::string> parts) {
  TempDir tmp;
  std::string p = tmp.write("dev.ini", text);
  std::string msg = config_error([&] { dramsim3_ini_to_memory_json(p); });
  INFO("message: " << msg);
  if (line > 0) {
    CHECK_THAT(msg, Contains(p + ":" + std::to_string(line) + ": "));
    CHECK_THAT(msg, Contains("; expected "));
  } else {
    CHECK_THAT(msg, Contains(p + ": "));
  }
  for (const auto& part : parts) CHECK_THAT(msg, Contains(part));
}

json convert(const std::string& text) {
  TempDir tmp;
  return dramsim3_ini_to_memory_json(tmp.write("dev.ini", text));
}

}  // namespace

TEST_CASE("bundled DRAMSim3 HBM2_8Gb_x128.ini converts to our schema", "[ini]") {
  const std::string path = std::string(NPUSIM_SOURCE_DIR) + "/configs/memory/dramsim3/HBM2_8Gb_x128.ini";
  json j = dramsim3_ini_to_memory_json(path);
  INFO(j.dump(2));

  CHECK(j["name"] == "HBM2_8Gb_x128");
  CHECK(j["standard"] == "HBM2");
  CHECK(j["fidelity"] == "cycle");
  CHECK(j["protocol_checker"] == false);
  std::string source = j["source"];
  CHECK_THAT(source, Contains("DRAMSim3 ini HBM2_8Gb_x128.ini"));
  CHECK_THAT(source, Contains("nRFCpb = tRFC / 2"));
  CHECK_THAT(source, Contains("max(tRTP_L, tRTP_S)"));
  CHECK_THAT(source, Contains("1024 MB"));  // DRAMSim3's one-rank fallback

  const json& o = j["org"];
  CHECK(o["stacks"] == 1);
  CHECK(o["channels_per_stack"] == 8);
  CHECK(o["pseudo_channels"] == 1);
  CHECK(o["bank_groups"] == 4);
  CHECK(o["banks_per_group"] == 4);
  CHECK(o["rows"] == 32768);
  CHECK(o["columns"] == 128);  // DRAMSim3 doubles HBM columns (2n prefetch)
  CHECK(o["dq_bits"] == 128);
  CHECK(o["burst_length"] == 4);

  const json& t = j["timing"];
  CHECK(t["tCK_ps"] == Approx(1000.0));
  CHECK(t["beats_per_clock"] == 2);
  CHECK(t["nCL"] == 14);
  CHECK(t["nCWL"] == 4);
  CHECK(t["nRCDRD"] == 14);
  CHECK(t["nRCDWR"] == 14);
  CHECK(t["nRP"] == 14);
  CHECK(t["nRAS"] == 34);
  CHECK(t["nRC"] == 48);  // tRAS + tRP
  CHECK(t["nWR"] == 16);
  CHECK(t["nRTP"] == 6);  // max(tRTP_L, tRTP_S)
  CHECK(t["nCCDS"] == 1);
  CHECK(t["nCCDL"] == 2);
  CHECK(t["nRRDS"] == 4);
  CHECK(t["nRRDL"] == 6);
  CHECK(t["nFAW"] == 30);
  CHECK(t["nWTRS"] == 6);
  CHECK(t["nWTRL"] == 8);
  CHECK(t["nRTW"] == 14);  // CL + BL/2 - CWL + tRTRS(2) = 14 + 2 - 4 + 2
  CHECK(t["nREFI"] == 3900);
  CHECK(t["nRFC"] == 260);
  CHECK(t["nREFIpb"] == 128);
  CHECK(t["nRFCpb"] == 130);  // tRFC / 2 (no tRFCb)
  CHECK(t["nRREFD"] == 4);    // tRRD_S (no tRREFD)

  const json& c = j["controller"];
  CHECK(c["page_policy"] == "open");
  CHECK(c["read_queue"] == 16);
  CHECK(c["write_queue"] == 16);
  CHECK(c["refresh"] == "all_bank");
  CHECK(c["address_mapping"] == "ro_bg_ba_ch_co");

  MemoryConfig cfg = memory_config_from_json(j, "memory");
  CHECK(cfg.org.channels() == 8);
  CHECK(cfg.org.burst_bytes() == 64);  // DRAMSim3's request_size_bytes
  CHECK(cfg.org.row_bytes() == 2048);
  CHECK(cfg.org.capacity_bytes() == (uint64_t{8} << 30));
  CHECK(cfg.peak_bandwidth_gbps() == Approx(256.0));
  CHECK(cfg.timing.nBL(cfg.org) == 2);  // DRAMSim3's burst_cycle

  // Same bit layout as DRAMSim3: 6 offset bits, then co(5) ch(3) ba(2) bg(2) ro(15).
  AddressMapping m = AddressMapping::build(cfg.org, cfg.controller.address_mapping, "m");
  CHECK(m.offset_bits() == 6);
  CHECK(m.address_bits() == 33);
  CHECK(m.decode(uint64_t{1} << 6).col == 1);
  CHECK(m.decode(uint64_t{1} << 11).channel == 1);
  CHECK(m.decode(uint64_t{1} << 14).bank == 1);
  CHECK(m.decode(uint64_t{1} << 16).bg == 1);
  CHECK(m.decode(uint64_t{1} << 18).row == 1);
}

TEST_CASE("DRAMSim3 ini syntax and option variants", "[ini]") {
  SECTION("BOM, comments, ':' delimiter, key case, CRLF, empty values in ignored sections") {
    std::string text = "\xEF\xBB\xBF; leading comment\r\n# another\n" + kGood;
    text = with("tRPRE = 1\n", "tRPRE = 1; read preamble\n", text);
    text = with("tWPRE = 1\n", "tWPRE = 1   # write preamble\n", text);
    text = with("BL = 4", "bl: 4", text);
    text = with("[other]\n", "[Other]\nunused_key =\n", text);
    json j = convert(text);
    CHECK(j["org"]["burst_length"] == 4);
    CHECK(j["timing"]["nCL"] == 14);
  }
  SECTION("policies, AL, tRTP, tRTRS, tRREFD, per-bank refresh") {
    std::string text = with("tREFIb = 128\n", "tREFIb = 128\ntRFCb = 90\ntRREFD = 8\nAL = 1\ntRTP = 5\ntRTRS = 1\n");
    text = with("OPEN_PAGE", "CLOSE_PAGE", text);
    text = with("trans_queue_size = 16\n", "trans_queue_size = 16\nrefresh_policy = BANK_LEVEL_STAGGERED\n", text);
    json j = convert(text);
    CHECK(j["controller"]["page_policy"] == "closed");
    CHECK(j["controller"]["refresh"] == "per_bank");
    CHECK(j["timing"]["nCL"] == 15);
    CHECK(j["timing"]["nCWL"] == 5);
    CHECK(j["timing"]["nRTP"] == 6);   // AL + tRTP
    CHECK(j["timing"]["nRTW"] == 13);  // 14 + 2 - 4 + 1
    CHECK(j["timing"]["nREFIpb"] == 128);
    CHECK(j["timing"]["nRFCpb"] == 90);
    CHECK(j["timing"]["nRREFD"] == 8);
    CHECK_THAT(j["source"].get<std::string>(), !Contains("derived"));
  }
  SECTION("bankgroup_enable = false folds banks into one group and uses _S timings") {
    json j = convert(with("num_dies = 4\n", "num_dies = 4\nbankgroup_enable = false\n"));
    CHECK(j["org"]["bank_groups"] == 1);
    CHECK(j["org"]["banks_per_group"] == 16);
    CHECK(j["timing"]["nCCDL"] == 1);
    CHECK(j["timing"]["nRRDL"] == 4);
    CHECK(j["timing"]["nWTRL"] == 6);
    CHECK(j["controller"]["address_mapping"] == "ro_bg_ba_ch_co");
    memory_config_from_json(j, "memory");
  }
  SECTION("protocol HBM2, channel_size equal to one rank, mapping with channel on top") {
    std::string text = with("protocol = HBM", "protocol = HBM2");
    text = with("channel_size = 512", "channel_size = 1024", text);
    text = with("rorabgbachco", "chrobabgraco", text);
    json j = convert(text);
    CHECK(j["controller"]["address_mapping"] == "ch_ro_ba_bg_co");
    CHECK_THAT(j["source"].get<std::string>(), !Contains("MB"));
  }
}

TEST_CASE("malformed DRAMSim3 ini files name file:line or the missing key", "[ini]") {
  SECTION("unknown section") {
    std::string text = kGood + "[bogus]\nx = 1\n";
    expect_error(text, line_of(text, "[bogus]"), {"unknown section [bogus]", "[dram_structure]"});
  }
  SECTION("unknown key") {
    std::string text = with("tWR = 16", "tWRX = 16");
    expect_error(text, line_of(text, "tWRX"), {"unknown key 'tWRX' in section [timing]", "tWR"});
  }
  SECTION("missing key") {
    expect_error(with("tRFC = 260\n", ""), 0, {"missing required key 'timing.tRFC'", "[timing]"});
    expect_error(with("channels = 8\n", ""), 0, {"missing required key 'system.channels'"});
    std::string no_rtp = with("tRTP_S = 4\n", "", with("tRTP_L = 6\n", ""));
    expect_error(no_rtp, 0, {"missing required key 'timing.tRTP'"});
  }
  SECTION("bad number") {
    std::string text = with("CL = 14", "CL = fourteen");
    expect_error(text, line_of(text, "CL = "), {"'CL' is not a non-negative decimal integer", "fourteen"});
    text = with("tCK = 1", "tCK = 1ns");
    expect_error(text, line_of(text, "tCK"), {"'tCK' is not a positive decimal number"});
    text = with("rows = 32768", "rows = -5");
    expect_error(text, line_of(text, "rows"), {"not a non-negative decimal integer"});
    text = with("rows = 32768", "rows = 99999999999");
    expect_error(text, line_of(text, "rows"), {"too large"});
  }
  SECTION("empty value, duplicate key, malformed lines") {
    std::string text = with("tRFC = 260", "tRFC =");
    expect_error(text, line_of(text, "tRFC"), {"empty value for 'tRFC'"});
    text = with("CWL = 4\n", "CWL = 4\ncwl = 5\n");
    expect_error(text, line_of(text, "cwl"), {"duplicate key 'cwl' (first set at line"});
    text = with("CWL = 4", "CWL 4");
    expect_error(text, line_of(text, "CWL 4"), {"neither a section header nor a key = value line"});
    text = with("[timing]", "[timing");
    expect_error(text, line_of(text, "[timing"), {"malformed section header"});
    text = "protocol = HBM\n" + kGood;
    expect_error(text, 1, {"key outside any section"});
    text = with("trans_queue_size = 16\n", "trans_queue_size = 16\nunified_queue = maybe\n");
    expect_error(text, line_of(text, "unified_queue"), {"'unified_queue' is not a boolean"});
  }
  SECTION("non-HBM protocol") {
    std::string text = with("protocol = HBM", "protocol = DDR4");
    expect_error(text, line_of(text, "protocol"), {"protocol DDR4 is not supported", "HBM or HBM2"});
    text = with("protocol = HBM", "protocol = HBM3");
    expect_error(text, line_of(text, "protocol"), {"unknown value for 'protocol'"});
  }
  SECTION("bad address mapping") {
    std::string text = with("rorabgbachco", "rorabgbaxxco");
    expect_error(text, line_of(text, "address_mapping"), {"unknown field 'xx'", "rorabgbachco"});
    text = with("rorabgbachco", "rorabgbach");
    expect_error(text, line_of(text, "address_mapping"), {"10 characters instead of 12"});
    text = with("rorabgbachco", "rorabgbachro");
    expect_error(text, line_of(text, "address_mapping"), {"field 'ro' appears twice"});
  }
  SECTION("more than one rank per channel") {
    std::string text = with("channel_size = 512", "channel_size = 2048");
    expect_error(text, line_of(text, "channel_size"), {"2 ranks of 1024 MB", "channel_size = 1024"});
  }
  SECTION("unsupported or inconsistent values") {
    std::string text = with("bus_width = 128", "bus_width = 96");
    expect_error(text, line_of(text, "bus_width"), {"not a multiple of device_width"});
    text = with("BL = 4", "BL = 0");
    expect_error(text, line_of(text, "BL"), {"perfect-bandwidth"});
    text = with("row_buf_policy = OPEN_PAGE", "row_buf_policy = OPEN");
    expect_error(text, line_of(text, "row_buf_policy"), {"OPEN_PAGE, CLOSE_PAGE"});
    // Per-bank refresh needs tRFCb.
    text = with("trans_queue_size = 16\n", "trans_queue_size = 16\nrefresh_policy = BANK_LEVEL_STAGGERED\n");
    expect_error(text, 0, {"missing required key 'timing.tRFCb'", "BANK_LEVEL_STAGGERED"});
    // Schema failures point back to the .ini key.
    text = with("rows = 32768", "rows = 24576");
    expect_error(text, 0, {"memory.org.rows", "power of two", "dram_structure.rows at "});
    text = with("channels = 8", "channels = 128");
    expect_error(text, 0, {"memory.org.channels_per_stack", "system.channels at "});
  }
  SECTION("file that cannot be opened") {
    std::string missing = (fs::temp_directory_path() / "npusim_no_such_dir" / "none.ini").string();
    std::string msg = config_error([&] { dramsim3_ini_to_memory_json(missing); });
    CHECK_THAT(msg, Contains(missing + ": cannot open DRAMSim3 .ini file"));
  }
}
