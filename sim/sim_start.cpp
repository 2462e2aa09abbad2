#include <systemc>

#include "sim/errors.hpp"

namespace npusim {

std::exception_ptr& pending_sim_error() {
  static std::exception_ptr e;
  return e;
}

void sim_start() {
  pending_sim_error() = nullptr;
  try {
    sc_core::sc_start();
  } catch (const sc_core::sc_report&) {
    if (std::exception_ptr e = pending_sim_error()) {
      pending_sim_error() = nullptr;
      std::rethrow_exception(e);
    }
    throw;
  }
}

}  // namespace npusim
