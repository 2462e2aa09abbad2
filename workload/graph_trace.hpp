// Which reader a graph trace path takes: an opgraph .jsonl (traces/opgraph.md)
// or a Chakra ET prefix (traces/chakra.md), so every command that runs a
// graph (the replay job) accepts both.
#pragma once
#include <string>

#include "workload/opgraph.hpp"

namespace npusim::workload {

// An existing file reads as an opgraph .jsonl; otherwise, when
// <trace>.0.et exists, the Chakra ET with that prefix is imported.
// ConfigError naming both forms if neither exists.
OpGraph read_graph_trace(const std::string& trace);

}  // namespace npusim::workload
