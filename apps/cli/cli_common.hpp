// Argument helpers shared by the engine's commands (collective, noc, op):
// one reading of a positive count or a number. Systems are read by
// models/system_spec.hpp.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/system_spec.hpp"

namespace npusim::cli {

using npusim::is_file;
using npusim::load_system_or_file;
using npusim::parse_topology_spec;
using npusim::parse_positive;
using npusim::parse_size;

// The value of the flag args[*i]: returns args[*i + 1] and moves *i past
// both. UsageError naming the flag if the value is missing or is a flag.
std::string flag_value(const std::vector<std::string>& args, size_t* i);


// A finite decimal number (e.g. 0.5, 1e3); UsageError naming `flag` otherwise.
double parse_double(const std::string& flag, const std::string& text);

}  // namespace npusim::cli
