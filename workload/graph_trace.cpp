#include "workload/graph_trace.hpp"

#include <filesystem>

#include "sim/errors.hpp"
#include "workload/chakra_et.hpp"

namespace npusim::workload {

OpGraph read_graph_trace(const std::string& trace) {
  if (std::filesystem::is_regular_file(trace)) return read_opgraph(trace);
  if (std::filesystem::exists(chakra_rank_file(trace, 0))) return import_chakra(trace);
  throw ConfigError(trace + ": no such trace: expected an opgraph .jsonl file or the prefix of Chakra ET files (" +
                    chakra_rank_file(trace, 0) + ", ...)");
}

}  // namespace npusim::workload
