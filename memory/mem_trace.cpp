#include "memory/mem_trace.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "sim/errors.hpp"
#include "sim/line_reader.hpp"

namespace npusim::memory {
namespace {

constexpr std::string_view kMagic = "npusim-memtrace";
constexpr std::string_view kHeaderForm =
    "the header 'npusim-memtrace v1 unit=<cycle|ns|ps>' as the first "
    "non-comment line";
constexpr std::string_view kNativeForm = "'<time> <R|W> <address> <size>'";
constexpr std::string_view kTimeForm =
    "time as a decimal unsigned integer (64 bits)";
constexpr std::string_view kOpForm =
    "R, W, READ or WRITE (all upper or all lower case)";
constexpr std::string_view kNativeAddrForm =
    "address as decimal or 0x-prefixed hex, at most 64 bits";
constexpr std::string_view kSizeForm =
    "size in bytes as a decimal power of two from 1 to 4096";
constexpr std::string_view kDramsim3Form = "'0x<hex address> READ|WRITE <cycle>'";
constexpr std::string_view kDramsim3AddrForm =
    "address as hex (0x prefix optional), at most 64 bits";
constexpr std::string_view kDramsim3OpForm = "READ or WRITE (or read, write)";
constexpr std::string_view kDramsim3CycleForm =
    "cycle as a decimal unsigned integer (64 bits)";

bool valid_size(std::uint64_t size) {
  return size > 0 && size <= kMaxMemRequestSize && (size & (size - 1)) == 0;
}

// Last byte addr + size - 1 must still be addressable.
bool overflows(std::uint64_t addr, std::uint64_t size) {
  return addr > UINT64_MAX - (size - 1);
}

std::string hex(std::uint64_t v) {
  char buf[24] = "0x";
  auto res = std::to_chars(buf + 2, buf + sizeof buf, v, 16);
  return std::string(buf, res.ptr);
}

// Returns false for anything but the accepted spellings.
bool parse_op(std::string_view tok, bool allow_short, bool& is_write) {
  if (tok == "READ" || tok == "read" ||
      (allow_short && (tok == "R" || tok == "r"))) {
    is_write = false;
    return true;
  }
  if (tok == "WRITE" || tok == "write" ||
      (allow_short && (tok == "W" || tok == "w"))) {
    is_write = true;
    return true;
  }
  return false;
}

// Tracks the previous time so a backwards step names where it came from.
struct TimeOrder {
  std::uint64_t prev = 0;
  std::uint64_t prev_line = 0;

  void check(const LineReader& r, std::string_view tok, std::uint64_t time) {
    if (prev_line != 0 && time < prev) {
      r.fail("time goes backwards (line " + std::to_string(prev_line) +
                 " has time " + std::to_string(prev) + ")",
             tok, "times in non-decreasing order");
    }
    prev = time;
    prev_line = r.line_number();
  }
};

void check_extent(const LineReader& r, std::string_view addr_tok,
                  std::uint64_t addr, std::uint64_t size) {
  if (overflows(addr, size)) {
    r.fail("request " + hex(addr) + " + " + std::to_string(size) +
               " bytes runs past the end of the 64-bit address space",
           addr_tok, "address + size <= 2^64");
  }
}

TimeUnit parse_header(LineReader& r) {
  if (!r.next()) r.fail_at_end("missing header", kHeaderForm);
  if (r[0] != kMagic) r.fail("missing header", r.text(), kHeaderForm);
  r.require_fields(3, kHeaderForm);

  std::string_view version = r[1];
  if (version != "v1") {
    bool looks_like_version =
        version.size() > 1 && version[0] == 'v' &&
        version.find_first_not_of("0123456789", 1) == std::string_view::npos;
    r.fail(looks_like_version ? "unsupported format version"
                              : "malformed format version",
           version, "v1");
  }

  constexpr std::string_view kUnitForm = "unit=cycle, unit=ns or unit=ps";
  std::string_view unit = r[2];
  if (unit.substr(0, 5) != "unit=") r.fail("missing time unit", unit, kUnitForm);
  unit.remove_prefix(5);
  if (unit == "cycle") return TimeUnit::Cycle;
  if (unit == "ns") return TimeUnit::Ns;
  if (unit == "ps") return TimeUnit::Ps;
  r.fail("unknown time unit", r[2], kUnitForm);
}

void check_request_size(const std::string& path, std::uint32_t size) {
  if (!valid_size(size)) {
    throw ConfigError(path + ": DRAMSim3 request size (the memory access "
                      "granularity) is " + std::to_string(size) +
                      " bytes; expected a power of two from 1 to 4096");
  }
}

}  // namespace

const char* time_unit_name(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::Cycle: return "cycle";
    case TimeUnit::Ns: return "ns";
    case TimeUnit::Ps: return "ps";
  }
  return "?";
}

MemTrace read_native_trace(const std::string& path) {
  LineReader r(path);
  MemTrace trace;
  trace.source = path;
  trace.unit = parse_header(r);

  TimeOrder order;
  while (r.next()) {
    r.require_fields(4, kNativeForm);
    MemTraceRecord rec;
    rec.time = r.parse_uint(r[0], "time", kTimeForm, IntSyntax::Decimal);
    order.check(r, r[0], rec.time);
    if (!parse_op(r[1], true, rec.is_write)) {
      r.fail("unknown request type", r[1], kOpForm);
    }
    rec.addr = r.parse_uint(r[2], "address", kNativeAddrForm,
                            IntSyntax::DecimalOrHex);
    std::uint64_t size = r.parse_uint(r[3], "size", kSizeForm,
                                      IntSyntax::Decimal);
    if (size == 0) r.fail("size is zero", r[3], kSizeForm);
    if ((size & (size - 1)) != 0) {
      r.fail("size is not a power of two", r[3], kSizeForm);
    }
    if (size > kMaxMemRequestSize) r.fail("size too large", r[3], kSizeForm);
    rec.size = static_cast<std::uint32_t>(size);
    check_extent(r, r[2], rec.addr, size);
    trace.records.push_back(rec);
  }
  if (trace.records.empty()) {
    r.fail_at_end("trace has no requests",
                  std::string("at least one request line ") +
                      std::string(kNativeForm) + " after the header");
  }
  return trace;
}

MemTrace read_dramsim3_trace(const std::string& path,
                             std::uint32_t request_size) {
  check_request_size(path, request_size);
  LineReader r(path);
  MemTrace trace;
  trace.source = path;
  trace.unit = TimeUnit::Cycle;

  TimeOrder order;
  while (r.next()) {
    if (r[0] == kMagic) {
      r.fail("native npusim trace header in a DRAMSim3 trace", r.text(),
             std::string(kDramsim3Form) +
                 " lines (read native traces with format 'native' or 'auto')");
    }
    r.require_fields(3, kDramsim3Form);
    MemTraceRecord rec;
    // DRAMSim3 reads the address with std::hex, so "1f00" means 0x1f00.
    rec.addr = r.parse_uint(r[0], "address", kDramsim3AddrForm,
                            IntSyntax::HexAnyPrefix);
    if (!parse_op(r[1], false, rec.is_write)) {
      r.fail("unknown request type", r[1], kDramsim3OpForm);
    }
    rec.time = r.parse_uint(r[2], "cycle", kDramsim3CycleForm,
                            IntSyntax::Decimal);
    order.check(r, r[2], rec.time);
    rec.size = request_size;
    check_extent(r, r[0], rec.addr, request_size);
    trace.records.push_back(rec);
  }
  if (trace.records.empty()) {
    r.fail_at_end("trace has no requests",
                  std::string("at least one request line ") +
                      std::string(kDramsim3Form));
  }
  return trace;
}

void write_native_trace(const std::string& path, const MemTrace& trace) {
  auto reject = [&](std::size_t i, const std::string& why) {
    throw TraceError(path + ": cannot write record " + std::to_string(i) +
                     ": " + why);
  };
  if (trace.records.empty()) {
    throw TraceError(path + ": cannot write a memory trace with no requests");
  }
  // Validate everything before touching the file, so a bad trace leaves no
  // half-written output behind.
  for (std::size_t i = 0; i < trace.records.size(); ++i) {
    const MemTraceRecord& rec = trace.records[i];
    if (!valid_size(rec.size)) {
      reject(i, "size " + std::to_string(rec.size) +
                    " is not a power of two from 1 to 4096");
    }
    if (i > 0 && rec.time < trace.records[i - 1].time) {
      reject(i, "time " + std::to_string(rec.time) +
                    " is before the previous record's " +
                    std::to_string(trace.records[i - 1].time));
    }
    if (overflows(rec.addr, rec.size)) {
      reject(i, "address " + hex(rec.addr) + " + size " +
                    std::to_string(rec.size) + " exceeds 64 bits");
    }
  }

  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    throw TraceError(path + ": cannot create trace file: " +
                     std::strerror(errno));
  }
  errno = 0;
  std::string out;
  out.reserve(1 << 20);
  out.append(kMagic).append(" v1 unit=").append(time_unit_name(trace.unit));
  out += '\n';
  // Remember the first failure's errno: later calls may overwrite it.
  int err = 0;
  auto flush = [&] {
    if (err == 0 && std::fwrite(out.data(), 1, out.size(), f) != out.size()) {
      err = errno ? errno : EIO;
    }
    out.clear();
  };
  char num[24];
  for (const MemTraceRecord& rec : trace.records) {
    out.append(num, std::to_chars(num, num + sizeof num, rec.time).ptr);
    out.append(rec.is_write ? " W 0x" : " R 0x");
    out.append(num, std::to_chars(num, num + sizeof num, rec.addr, 16).ptr);
    out += ' ';
    out.append(num, std::to_chars(num, num + sizeof num, rec.size).ptr);
    out += '\n';
    if (out.size() >= (1 << 20) - 64) flush();
  }
  flush();
  if (std::fclose(f) != 0 && err == 0) err = errno ? errno : EIO;
  if (err != 0) {
    throw TraceError(path + ": cannot write trace file: " + std::strerror(err));
  }
}

MemTrace read_memory_trace(const std::string& path, const std::string& format,
                           std::uint32_t dramsim3_request_size) {
  if (format == "native") return read_native_trace(path);
  if (format == "dramsim3") {
    return read_dramsim3_trace(path, dramsim3_request_size);
  }
  if (format != "auto") {
    throw TraceError(path + ": unknown memory trace format (got '" + format +
                     "'); expected native, dramsim3 or auto");
  }
  bool native;
  {
    LineReader r(path);
    if (!r.next()) {
      r.fail_at_end("trace has no requests",
                    std::string("a native trace (") + std::string(kHeaderForm) +
                        ") or DRAMSim3 lines " + std::string(kDramsim3Form));
    }
    // A misspelt native header still counts as native, so the user hears
    // about the header rather than about a strange DRAMSim3 address.
    native = r[0].substr(0, 7) == "npusim-";
  }
  return native ? read_native_trace(path)
                : read_dramsim3_trace(path, dramsim3_request_size);
}

}  // namespace npusim::memory
