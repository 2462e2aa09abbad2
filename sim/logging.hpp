// Leveled logging to stderr, prefixed with the simulated time in ps:
//   [warn  123456 ps] npu0.core3: queue full
// The macros test the level before evaluating their arguments, so a
// disabled NPUSIM_LOG_DEBUG in a hot path costs one load and a branch.
// Messages are printf-style (checked by the compiler).
#pragma once
#include <cstdarg>
#include <cstdio>
#include <string_view>

#include <systemc>

namespace npusim::log {

enum class Level : int { Error = 0, Warn = 1, Info = 2, Debug = 3, Trace = 4 };

inline Level g_level = Level::Warn;

inline void set_level(Level l) { g_level = l; }
inline Level level() { return g_level; }
inline bool enabled(Level l) { return static_cast<int>(l) <= static_cast<int>(g_level); }

inline const char* level_name(Level l) {
  switch (l) {
    case Level::Error: return "error";
    case Level::Warn: return "warn";
    case Level::Info: return "info";
    case Level::Debug: return "debug";
    case Level::Trace: return "trace";
  }
  return "?";
}

// "error", "warn", "info", "debug", "trace"; false if unknown.
inline bool parse_level(std::string_view s, Level& out) {
  for (int i = 0; i <= static_cast<int>(Level::Trace); ++i) {
    if (s == level_name(static_cast<Level>(i))) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

__attribute__((format(printf, 2, 3))) inline void write(Level l, const char* fmt, ...) {
  // One buffered line per message so concurrent processes do not interleave.
  char buf[1024];
  int n = std::snprintf(buf, sizeof buf, "[%-5s %llu ps] ", level_name(l),
                        static_cast<unsigned long long>(sc_core::sc_time_stamp().value() /
                                                        sc_core::sc_time(1, sc_core::SC_PS).value()));
  va_list ap;
  va_start(ap, fmt);
  if (n >= 0 && static_cast<size_t>(n) < sizeof buf) std::vsnprintf(buf + n, sizeof buf - n, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "%s\n", buf);
}

}  // namespace npusim::log

#define NPUSIM_LOG_AT(lvl, ...)                                              \
  do {                                                                       \
    if (::npusim::log::enabled(lvl)) ::npusim::log::write(lvl, __VA_ARGS__); \
  } while (0)
#define NPUSIM_LOG_ERROR(...) NPUSIM_LOG_AT(::npusim::log::Level::Error, __VA_ARGS__)
#define NPUSIM_LOG_WARN(...) NPUSIM_LOG_AT(::npusim::log::Level::Warn, __VA_ARGS__)
#define NPUSIM_LOG_INFO(...) NPUSIM_LOG_AT(::npusim::log::Level::Info, __VA_ARGS__)
#define NPUSIM_LOG_DEBUG(...) NPUSIM_LOG_AT(::npusim::log::Level::Debug, __VA_ARGS__)
#define NPUSIM_LOG_TRACE(...) NPUSIM_LOG_AT(::npusim::log::Level::Trace, __VA_ARGS__)
