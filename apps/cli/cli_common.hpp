// Argument helpers shared by the engine's commands (collective, noc, op):
// one reading of a positive count, one way to find a system by preset name
// or topology file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "noc/topology.hpp"

namespace npusim::cli {

bool is_file(const std::string& path);

// The value of the flag args[*i]: returns args[*i + 1] and moves *i past
// both. UsageError naming the flag if the value is missing or is a flag.
std::string flag_value(const std::vector<std::string>& args, size_t* i);

// A decimal integer in [1, max]; UsageError naming `flag` otherwise.
uint64_t parse_positive(const std::string& flag, const std::string& text, uint64_t max = UINT64_MAX);

// A finite decimal number (e.g. 0.5, 1e3); UsageError naming `flag` otherwise.
double parse_double(const std::string& flag, const std::string& text);

// A system: a preset name or a supercluster:<pod>:<K> spec
// (noc/system_presets.hpp); an edited preset as
// inline JSON ('{"preset": "cloudmatrix384", "ub": {"link":
// {"bandwidth_gbps": 800}}}', noc/system_params.hpp); or a .json file (a
// path with '/', ending in .json, or an existing file) holding either such
// an edited preset (it has a "preset" key), a SuperCluster
// {"supercluster": {...}} (noc/system_presets.hpp) or a topology graph
// {nodes, links}. Inline JSON may be a SuperCluster too. `expected` completes the "cannot open topology file (expected
// ...)" error; *source says where the topology came from; *name is the
// system's name for results; *resolved gets {"preset", every parameter} for
// presets and edited presets (null for a topology graph), so a run can
// record exactly what it simulated.
noc::Topology load_system_or_file(const std::string& spec, const std::string& expected, std::string* source,
                                  std::string* name = nullptr, json* resolved = nullptr);

}  // namespace npusim::cli
