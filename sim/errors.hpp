// Error categories. One type per category so callers (CLI, Python binding)
// can map each to an exit code / exception class without parsing messages.
#pragma once
#include <stdexcept>
#include <string>

namespace npusim {

// Base of every error npusim reports to a user.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
  virtual const char* category() const { return "Error"; }
};

// A configuration value is unknown, of the wrong type, or out of range.
// The message names the full key path and the expected form.
class ConfigError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "ConfigError"; }
};

// A trace (or other line-oriented input file) is malformed. The message
// names file:line and the expected form.
class TraceError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "TraceError"; }
};

// A command-line argument is missing or malformed.
class UsageError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "UsageError"; }
};

// The model broke a rule it must keep (a protocol timing violation, a lost
// or duplicated request). Always a bug in a model or in its parameters.
class ProtocolError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "ProtocolError"; }
};

// The simulation stopped making progress while work was outstanding.
class StallError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "StallError"; }
};

// Process exit codes used by the CLI; the Python runner maps them back.
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 2,
  kExitConfig = 3,
  kExitTrace = 4,
  kExitProtocol = 5,
  kExitStall = 6,
  kExitInternal = 10,
};

inline int exit_code_for(const Error& e) {
  if (dynamic_cast<const UsageError*>(&e)) return kExitUsage;
  if (dynamic_cast<const ConfigError*>(&e)) return kExitConfig;
  if (dynamic_cast<const TraceError*>(&e)) return kExitTrace;
  if (dynamic_cast<const ProtocolError*>(&e)) return kExitProtocol;
  if (dynamic_cast<const StallError*>(&e)) return kExitStall;
  return kExitInternal;
}

}  // namespace npusim

#include <exception>

namespace npusim {

// SystemC turns an exception thrown inside a process into an sc_report
// (E549), losing its type. Model code that fails during simulation throws
// through sim_throw, which keeps a typed copy for sim_start() to rethrow.
std::exception_ptr& pending_sim_error();

template <class E>
[[noreturn]] void sim_throw(const std::string& what) {
  E e(what);
  pending_sim_error() = std::make_exception_ptr(e);
  throw e;
}

// sc_start() that rethrows model errors with their type (see sim_throw).
void sim_start();

}  // namespace npusim
