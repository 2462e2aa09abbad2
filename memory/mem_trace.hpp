// Memory request traces: the input that drives an HBM model on its own.
// Formats are specified in traces/memory.md; every reader is strict and
// reports malformed input as TraceError with file:line and the expected form.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace npusim::memory {

struct MemTraceRecord {
  std::uint64_t time;  // issue time in MemTrace::unit; non-decreasing
  bool is_write;
  std::uint64_t addr;  // byte address
  std::uint32_t size;  // bytes: power of two, 1..kMaxMemRequestSize
};

// Cycle = command-clock cycles of the memory config being simulated, so a
// cycle trace means different wall time on different memories.
enum class TimeUnit { Cycle, Ns, Ps };

struct MemTrace {
  TimeUnit unit = TimeUnit::Cycle;
  std::vector<MemTraceRecord> records;
  std::string source;  // file the trace came from
};

inline constexpr std::uint32_t kMaxMemRequestSize = 4096;

// "cycle", "ns" or "ps": the spelling used in the native header.
const char* time_unit_name(TimeUnit unit);

MemTrace read_native_trace(const std::string& path);

// DRAMSim3 lines carry no size, so every request gets request_size bytes
// (the config's access granularity). Times are memory cycles.
MemTrace read_dramsim3_trace(const std::string& path,
                             std::uint32_t request_size);

// Writes the native format. Throws TraceError if the trace could not be
// read back (empty, bad size, time going backwards, address overflow) or
// the file cannot be written.
void write_native_trace(const std::string& path, const MemTrace& trace);

// format: "native", "dramsim3" or "auto" (native when the first non-comment
// line starts with "npusim-", else DRAMSim3).
MemTrace read_memory_trace(const std::string& path, const std::string& format,
                           std::uint32_t dramsim3_request_size);

}  // namespace npusim::memory
