// What a collective needs besides the fabric: its algorithm parameters,
// declared once (params.hpp), and which algorithms each operation has. One
// table serves the flow and packet levels, the CLI and Python, so an
// unsupported combination is refused with the same list everywhere.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sim/params.hpp"

namespace npusim::noc {

struct CollectiveParams {
  // Pipelined algorithms (double_tree all-reduce, broadcast) at packet
  // level move the buffer in chunks of this size; a node forwards chunk c
  // as soon as it holds it. The flow level is the fluid limit (chunk -> 0).
  uint64_t chunk_bytes = 128 * 1024;
  int group = 8;  // hierarchical all-reduce: ranks per group (a server)
  static const Schema& schema();
};

// Operations a collective run can do (allreduce, allgather, ...).
const std::vector<std::string>& collective_ops();
// The algorithms of `op`, its default first, at both fidelities (the flow
// and packet levels implement the same set); empty for an unknown op.
const std::vector<std::string>& collective_algorithms(const std::string& op);
// The UsageError text for an algorithm `op` lacks at `fidelity`: names all
// three and lists what is available.
std::string unsupported_algorithm(const std::string& op, const std::string& algo, const std::string& fidelity);

}  // namespace npusim::noc
