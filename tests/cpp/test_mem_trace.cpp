// Memory trace readers and the shared line reader: good inputs parse to the
// exact records, every malformed input names file:line and the expected form.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "memory/mem_trace.hpp"
#include "sim/errors.hpp"
#include "temp_dir.hpp"
#include "sim/line_reader.hpp"

#ifndef NPUSIM_SOURCE_DIR
#define NPUSIM_SOURCE_DIR "."
#endif

namespace fs = std::filesystem;
using namespace npusim;
using namespace npusim::memory;
using Catch::Matchers::Contains;

namespace {

using npusim::test::TempDir;

// Runs f, which must throw TraceError, and returns the message.
template <class F>
std::string trace_error(F&& f) {
  try {
    f();
  } catch (const TraceError& e) {
    return e.what();
  }
  FAIL("no TraceError thrown");
  return {};
}

std::string at(const std::string& path, int line) {
  return path + ":" + std::to_string(line) + ": ";
}

const std::string kHeader = "npusim-memtrace v1 unit=cycle\n";

// Writes a native trace and expects the reader to reject it at `line`, with
// a message containing `what` and the expected form `expected`.
void check_native_error(const std::string& text, int line,
                        const std::string& what, const std::string& expected) {
  TempDir tmp;
  std::string p = tmp.write("bad.trace", text);
  std::string msg = trace_error([&] { read_native_trace(p); });
  INFO("input:\n" << text);
  CHECK_THAT(msg, Contains(at(p, line)));
  CHECK_THAT(msg, Contains(what));
  CHECK_THAT(msg, Contains("; expected " + expected));
}

void check_dramsim3_error(const std::string& text, int line,
                          const std::string& what,
                          const std::string& expected) {
  TempDir tmp;
  std::string p = tmp.write("bad.trc", text);
  std::string msg = trace_error([&] { read_dramsim3_trace(p, 64); });
  INFO("input:\n" << text);
  CHECK_THAT(msg, Contains(at(p, line)));
  CHECK_THAT(msg, Contains(what));
  CHECK_THAT(msg, Contains("; expected " + expected));
}

bool same(const MemTraceRecord& a, const MemTraceRecord& b) {
  return a.time == b.time && a.is_write == b.is_write && a.addr == b.addr &&
         a.size == b.size;
}

}  // namespace

TEST_CASE("line reader: line numbers, comments, whitespace", "[trace]") {
  TempDir tmp;
  std::string p = tmp.write(
      "lines.txt", "# leading comment\n\n  a\tb  # trailing\r\n   \nc d e");
  LineReader r(p);
  REQUIRE(r.next());
  CHECK(r.line_number() == 3);
  REQUIRE(r.size() == 2);
  CHECK(r[0] == "a");
  CHECK(r[1] == "b");
  CHECK(r.text() == "a\tb");
  REQUIRE(r.next());
  CHECK(r.line_number() == 5);  // last line has no newline
  CHECK(r.size() == 3);
  CHECK(r.text() == "c d e");
  CHECK_FALSE(r.next());
  CHECK_FALSE(r.next());
}

TEST_CASE("line reader: strict unsigned integers", "[trace]") {
  TempDir tmp;
  std::string p = tmp.write("n.txt", "x\n");
  LineReader r(p);
  REQUIRE(r.next());
  auto parse = [&](const char* tok, IntSyntax syntax,
                   std::uint64_t max = UINT64_MAX) {
    return r.parse_uint(tok, "value", "the form", syntax, max);
  };
  CHECK(parse("0", IntSyntax::Decimal) == 0);
  CHECK(parse("18446744073709551615", IntSyntax::Decimal) == UINT64_MAX);
  CHECK(parse("0x1F", IntSyntax::Hex) == 31);
  CHECK(parse("0X1f", IntSyntax::DecimalOrHex) == 31);
  CHECK(parse("31", IntSyntax::DecimalOrHex) == 31);
  CHECK(parse("1f", IntSyntax::HexAnyPrefix) == 31);
  CHECK(parse("0x1f", IntSyntax::HexAnyPrefix) == 31);
  CHECK(parse("0xffffffffffffffff", IntSyntax::Hex) == UINT64_MAX);

  struct Bad {
    const char* tok;
    IntSyntax syntax;
    const char* what;
  };
  const Bad bad[] = {
      {"12abc", IntSyntax::Decimal, "value is not a decimal unsigned integer"},
      {"-1", IntSyntax::Decimal, "is not a decimal"},
      {"+1", IntSyntax::Decimal, "is not a decimal"},
      {"0x10", IntSyntax::Decimal, "is not a decimal"},
      {"1f", IntSyntax::Hex, "is not a 0x-prefixed hexadecimal"},
      {"0x", IntSyntax::Hex, "is not a 0x-prefixed hexadecimal"},
      {"0x-1", IntSyntax::Hex, "is not a 0x-prefixed hexadecimal"},
      {"0x1g", IntSyntax::DecimalOrHex, "is not an unsigned integer"},
      {"0x0x1", IntSyntax::HexAnyPrefix, "is not a hexadecimal integer"},
      {"18446744073709551616", IntSyntax::Decimal, "does not fit in 64 bits"},
      {"0x10000000000000000", IntSyntax::Hex, "does not fit in 64 bits"},
  };
  for (const Bad& b : bad) {
    INFO(b.tok);
    std::string msg = trace_error([&] { parse(b.tok, b.syntax); });
    CHECK_THAT(msg, Contains(at(p, 1)));
    CHECK_THAT(msg, Contains(b.what));
    CHECK_THAT(msg, Contains(std::string("(got '") + b.tok +
                             "'); expected the form"));
  }
  CHECK_THAT(trace_error([&] { parse("300", IntSyntax::Decimal, 255); }),
             Contains("value is too large (max 255) (got '300')"));
}

TEST_CASE("line reader: missing file, unprintable input, huge line",
          "[trace]") {
  TempDir tmp;
  std::string missing = tmp.path("nope.trace");
  CHECK_THAT(trace_error([&] { LineReader r(missing); }),
             Contains(missing) && Contains("cannot open"));

  std::string p = tmp.write("bin.txt", std::string("\x01\xff", 2) + " 5\n");
  LineReader r(p);
  REQUIRE(r.next());
  CHECK_THAT(trace_error([&] { r.parse_uint(r[0], "v", "x", IntSyntax::Decimal); }),
             Contains("(got '\\x01\\xff')"));

  std::string big = tmp.write("big.txt", "a\n" + std::string(3 << 20, 'x'));
  LineReader rb(big);
  REQUIRE(rb.next());
  CHECK_THAT(trace_error([&] { rb.next(); }),
             Contains(at(big, 2)) && Contains("line longer than"));
}

TEST_CASE("native trace: good file parses to the expected records",
          "[trace]") {
  TempDir tmp;
  std::string p = tmp.write(
      "good.trace",
      "# produced by hand\n"
      "\n"
      "npusim-memtrace v1 unit=ns   # header after comments is fine\n"
      "0 R 0x1000 64\n"
      "0\tW\t4096\t32\r\n"
      "7 r 0XFFffFFffFFffFFc0 64  # ends exactly at 2^64\n"
      "7 w 0 1\n"
      "9 READ 0x40 4096\n"
      "10 WRITE 0x80 128\n"
      "11 read 0x0 2\n"
      "12 write 0x0 8");  // no final newline
  MemTrace t = read_native_trace(p);
  CHECK(t.unit == TimeUnit::Ns);
  CHECK(t.source == p);
  const MemTraceRecord want[] = {
      {0, false, 0x1000, 64},  {0, true, 4096, 32},
      {7, false, 0xffffffffffffffc0ull, 64},
      {7, true, 0, 1},         {9, false, 0x40, 4096},
      {10, true, 0x80, 128},   {11, false, 0, 2},
      {12, true, 0, 8},
  };
  REQUIRE(t.records.size() == std::size(want));
  for (std::size_t i = 0; i < t.records.size(); ++i) {
    INFO("record " << i);
    CHECK(same(t.records[i], want[i]));
  }

  CHECK(read_native_trace(tmp.write("c.trace", "npusim-memtrace v1 unit=cycle\n0 R 0 64\n")).unit ==
        TimeUnit::Cycle);
  CHECK(read_native_trace(tmp.write("p.trace", "npusim-memtrace v1 unit=ps\n0 R 0 64\n")).unit ==
        TimeUnit::Ps);
}

TEST_CASE("native trace: header errors", "[trace]") {
  const std::string header_form = "the header 'npusim-memtrace v1 unit=";
  check_native_error("0 R 0x0 64\n", 1, "missing header", header_form);
  check_native_error("# only a comment\n\n5 R 0 64\n", 3, "missing header",
                     header_form);
  check_native_error("", 1, "missing header (got 'end of file')", header_form);
  check_native_error("# c\n# d\n", 2, "missing header (got 'end of file')",
                     header_form);
  check_native_error("npusim-memtrace v2 unit=cycle\n0 R 0 64\n", 1,
                     "unsupported format version (got 'v2')", "v1");
  check_native_error("npusim-memtrace 1 unit=cycle\n0 R 0 64\n", 1,
                     "malformed format version (got '1')", "v1");
  check_native_error("npusim-memtrace v1\n0 R 0 64\n", 1,
                     "wrong number of fields: 2 instead of 3", header_form);
  check_native_error("npusim-memtrace v1 unit=cycle extra\n0 R 0 64\n", 1,
                     "wrong number of fields: 4 instead of 3", header_form);
  check_native_error("npusim-memtrace v1 unit=us\n0 R 0 64\n", 1,
                     "unknown time unit (got 'unit=us')",
                     "unit=cycle, unit=ns or unit=ps");
  check_native_error("npusim-memtrace v1 cycle\n0 R 0 64\n", 1,
                     "missing time unit (got 'cycle')",
                     "unit=cycle, unit=ns or unit=ps");
}

TEST_CASE("native trace: record errors", "[trace]") {
  const std::string form = "'<time> <R|W> <address> <size>'";
  const std::string size_form = "size in bytes as a decimal power of two";
  const std::string ok = "0 R 0 64\n";
  check_native_error(kHeader + ok + "1 R 0x40\n", 3,
                     "wrong number of fields: 3 instead of 4 (got '1 R 0x40')",
                     form);
  check_native_error(kHeader + "1 R 0x40 64 9\n", 2,
                     "wrong number of fields: 5 instead of 4", form);
  for (const char* op : {"X", "Read", "RD", "P_MEM_WR", "wr"}) {
    check_native_error(kHeader + ok + "1 " + op + " 0x40 64\n", 3,
                       std::string("unknown request type (got '") + op + "')",
                       "R, W, READ or WRITE");
  }
  check_native_error(kHeader + ok + "1 R 0 64\n1 R 0 64\n0 R 0 64\n", 5,
                     "time goes backwards (line 4 has time 1) (got '0')",
                     "times in non-decreasing order");
  check_native_error(kHeader + "12abc R 0 64\n", 2,
                     "time is not a decimal unsigned integer", "time as");
  check_native_error(kHeader + "0x10 R 0 64\n", 2,
                     "time is not a decimal unsigned integer", "time as");
  check_native_error(kHeader + "-1 R 0 64\n", 2,
                     "time is not a decimal unsigned integer", "time as");
  check_native_error(kHeader + "18446744073709551616 R 0 64\n", 2,
                     "time does not fit in 64 bits", "time as");
  check_native_error(kHeader + "0 R 0xg0 64\n", 2,
                     "address is not an unsigned integer (got '0xg0')",
                     "address as decimal or 0x-prefixed hex");
  check_native_error(kHeader + "0 R 12abc 64\n", 2,
                     "address is not an unsigned integer", "address as");
  check_native_error(kHeader + "0 R 0x10000000000000000 64\n", 2,
                     "address does not fit in 64 bits", "address as");
  check_native_error(kHeader + "0 R 0 0\n", 2, "size is zero (got '0')",
                     size_form);
  check_native_error(kHeader + "0 R 0 48\n", 2,
                     "size is not a power of two (got '48')", size_form);
  check_native_error(kHeader + "0 R 0 8192\n", 2, "size too large (got '8192')",
                     size_form);
  check_native_error(kHeader + "0 R 0 64B\n", 2,
                     "size is not a decimal unsigned integer", size_form);
  check_native_error(kHeader + "0 R 0 0x40\n", 2,
                     "size is not a decimal unsigned integer", size_form);
  check_native_error(kHeader + "0 R 0xffffffffffffffc1 64\n", 2,
                     "runs past the end of the 64-bit address space "
                     "(got '0xffffffffffffffc1')",
                     "address + size <= 2^64");
}

TEST_CASE("native trace: a trace without requests is an error", "[trace]") {
  const std::string expected = "at least one request line";
  check_native_error(kHeader, 1, "trace has no requests (got 'end of file')",
                     expected);
  check_native_error(kHeader + "# nothing here\n\n", 3,
                     "trace has no requests", expected);
}

TEST_CASE("dramsim3 trace: good file parses to the expected records",
          "[trace]") {
  TempDir tmp;
  std::string p = tmp.write("good.trc",
                            "0x1D0E9BC0 READ 2\n"
                            "0x1d0e9c00 WRITE 2\n"
                            "# comments and blank lines are an extension\n"
                            "\n"
                            "1f00 read 10\r\n"
                            "0x0 write 10");
  MemTrace t = read_dramsim3_trace(p, 32);
  CHECK(t.unit == TimeUnit::Cycle);
  CHECK(t.source == p);
  const MemTraceRecord want[] = {
      {2, false, 0x1d0e9bc0, 32},
      {2, true, 0x1d0e9c00, 32},
      {10, false, 0x1f00, 32},
      {10, true, 0, 32},
  };
  REQUIRE(t.records.size() == std::size(want));
  for (std::size_t i = 0; i < t.records.size(); ++i) {
    INFO("record " << i);
    CHECK(same(t.records[i], want[i]));
  }
}

TEST_CASE("dramsim3 trace: errors", "[trace]") {
  const std::string form = "'0x<hex address> READ|WRITE <cycle>'";
  const std::string op_form = "READ or WRITE";
  const std::string ok = "0x0 READ 0\n";
  check_dramsim3_error(ok + "0x40 READ\n", 2,
                       "wrong number of fields: 2 instead of 3", form);
  check_dramsim3_error("0x40 READ 1 64\n", 1,
                       "wrong number of fields: 4 instead of 3", form);
  for (const char* op : {"R", "W", "Read", "Write", "P_MEM_WR", "BOFF", "RD"}) {
    check_dramsim3_error(ok + "0x40 " + op + " 1\n", 2,
                         std::string("unknown request type (got '") + op +
                             "')",
                         op_form);
  }
  check_dramsim3_error(ok + "0xzz READ 1\n", 2,
                       "address is not a hexadecimal integer (got '0xzz')",
                       "address as hex");
  check_dramsim3_error(ok + "0x READ 1\n", 2,
                       "address is not a hexadecimal integer", "address as hex");
  check_dramsim3_error(ok + "0x40 READ 1c\n", 2,
                       "cycle is not a decimal unsigned integer (got '1c')",
                       "cycle as a decimal");
  check_dramsim3_error(ok + "0x40 READ 5\n0x80 READ 4\n", 3,
                       "time goes backwards (line 2 has time 5) (got '4')",
                       "times in non-decreasing order");
  check_dramsim3_error(ok + "0xffffffffffffffc1 READ 1\n", 2,
                       "runs past the end of the 64-bit address space",
                       "address + size <= 2^64");
  check_dramsim3_error("", 1, "trace has no requests (got 'end of file')",
                       "at least one request line " + form);
  check_dramsim3_error("# only comments\n", 1, "trace has no requests",
                       "at least one request line");

  TempDir tmp;
  std::string p = tmp.write("ok.trc", ok);
  for (std::uint32_t size : {0u, 48u, 8192u}) {
    INFO(size);
    CHECK_THROWS_AS(read_dramsim3_trace(p, size), ConfigError);
  }
  CHECK_THROWS_WITH(read_dramsim3_trace(p, 0),
                    Contains(p) && Contains("power of two from 1 to 4096"));
}

TEST_CASE("read_memory_trace: format selection", "[trace]") {
  TempDir tmp;
  std::string native = tmp.write("n.trace", "# c\n" + kHeader + "5 W 0x80 16\n");
  std::string dram = tmp.write("d.trc", "# c\n0x80 WRITE 5\n");

  for (const char* fmt : {"native", "auto"}) {
    MemTrace t = read_memory_trace(native, fmt, 64);
    REQUIRE(t.records.size() == 1);
    CHECK(same(t.records[0], {5, true, 0x80, 16}));
  }
  for (const char* fmt : {"dramsim3", "auto"}) {
    MemTrace t = read_memory_trace(dram, fmt, 64);
    REQUIRE(t.records.size() == 1);
    CHECK(same(t.records[0], {5, true, 0x80, 64}));
  }

  CHECK_THAT(trace_error([&] { read_memory_trace(native, "csv", 64); }),
             Contains(native) && Contains("unknown memory trace format") &&
                 Contains("(got 'csv')") &&
                 Contains("expected native, dramsim3 or auto"));
  // Wrong explicit format: the reader explains what it wanted.
  CHECK_THAT(trace_error([&] { read_memory_trace(native, "dramsim3", 64); }),
             Contains(at(native, 2)) && Contains("native npusim trace") &&
                 Contains("format 'native' or 'auto'"));
  CHECK_THAT(trace_error([&] { read_memory_trace(dram, "native", 64); }),
             Contains(at(dram, 2)) && Contains("missing header"));
  // A misspelt native header is reported as a header problem.
  std::string typo = tmp.write("t.trace", "npusim-memtrce v1 unit=cycle\n0 R 0 64\n");
  CHECK_THAT(trace_error([&] { read_memory_trace(typo, "auto", 64); }),
             Contains(at(typo, 1)) && Contains("missing header"));
  std::string empty = tmp.write("e.trace", "\n# nothing\n");
  CHECK_THAT(trace_error([&] { read_memory_trace(empty, "auto", 64); }),
             Contains(at(empty, 2)) && Contains("trace has no requests") &&
                 Contains("npusim-memtrace v1") && Contains("READ|WRITE"));
  std::string missing = tmp.path("missing.trace");
  CHECK_THAT(trace_error([&] { read_memory_trace(missing, "auto", 64); }),
             Contains(missing));
}

TEST_CASE("native trace: write then read gives identical records", "[trace]") {
  TempDir tmp;
  MemTrace t;
  t.unit = TimeUnit::Ps;
  std::mt19937_64 rng(42);
  std::uint64_t time = 0;
  for (int i = 0; i < 5000; ++i) {
    time += rng() % 3;  // repeats allowed
    std::uint32_t size = 1u << (rng() % 13);
    // Any size-aligned address fits, up to one ending exactly at 2^64.
    std::uint64_t addr = rng() & ~std::uint64_t{size - 1};
    t.records.push_back({time, (rng() & 1) != 0, addr, size});
  }
  t.records.push_back({UINT64_MAX, true, UINT64_MAX - 4095, 4096});
  std::string p = tmp.path("rt.trace");
  write_native_trace(p, t);
  MemTrace back = read_native_trace(p);
  CHECK(back.unit == TimeUnit::Ps);
  REQUIRE(back.records.size() == t.records.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < t.records.size(); ++i) {
    if (!same(back.records[i], t.records[i])) ++mismatches;
  }
  CHECK(mismatches == 0);

  for (TimeUnit u : {TimeUnit::Cycle, TimeUnit::Ns}) {
    MemTrace one{u, {{3, false, 7, 1}}, ""};
    write_native_trace(p, one);
    MemTrace b = read_native_trace(p);
    CHECK(b.unit == u);
    REQUIRE(b.records.size() == 1);
    CHECK(same(b.records[0], one.records[0]));
  }
}

TEST_CASE("native trace: writer refuses traces the reader would reject",
          "[trace]") {
  TempDir tmp;
  std::string p = tmp.path("w.trace");
  CHECK_THROWS_WITH(write_native_trace(p, MemTrace{}),
                    Contains(p) && Contains("no requests"));
  MemTrace bad_size{TimeUnit::Cycle, {{0, false, 0, 64}, {1, false, 0, 0}}, ""};
  CHECK_THROWS_WITH(write_native_trace(p, bad_size),
                    Contains("record 1") && Contains("size 0"));
  MemTrace backwards{TimeUnit::Cycle, {{5, false, 0, 64}, {4, false, 0, 64}}, ""};
  CHECK_THROWS_WITH(write_native_trace(p, backwards),
                    Contains("record 1") && Contains("time 4"));
  MemTrace overflow{TimeUnit::Cycle, {{0, false, UINT64_MAX, 2}}, ""};
  CHECK_THROWS_WITH(write_native_trace(p, overflow),
                    Contains("record 0") && Contains("exceeds 64 bits"));
  CHECK_FALSE(fs::exists(p));

  MemTrace ok{TimeUnit::Cycle, {{0, false, 0, 64}}, ""};
  std::string unwritable = tmp.path("no_such_dir/w.trace");
  CHECK_THROWS_WITH(write_native_trace(unwritable, ok),
                    Contains(unwritable) && Contains("cannot create"));
}

TEST_CASE("sample traces parse", "[trace]") {
  const std::string dir = std::string(NPUSIM_SOURCE_DIR) + "/traces/samples/";

  MemTrace stream = read_memory_trace(dir + "stream_read_small.trace", "auto", 64);
  CHECK(stream.unit == TimeUnit::Cycle);
  REQUIRE(stream.records.size() == 200);
  for (std::size_t i = 0; i < stream.records.size(); ++i) {
    INFO("record " << i);
    CHECK(same(stream.records[i], {i, false, 64 * i, 64}));
  }

  MemTrace mixed = read_native_trace(dir + "mixed_small.trace");
  REQUIRE_FALSE(mixed.records.empty());
  bool reads = false, writes = false;
  for (const auto& r : mixed.records) (r.is_write ? writes : reads) = true;
  CHECK(reads);
  CHECK(writes);

  MemTrace dram = read_memory_trace(dir + "dramsim3_small.trace", "auto", 64);
  CHECK(dram.unit == TimeUnit::Cycle);
  CHECK(dram.records.size() == 100);
  CHECK(read_dramsim3_trace(dir + "dramsim3_small.trace", 64).records.size() ==
        100);
}
