// The executor's watchdog report: when the events run out with nodes left
// (a deadlocked graph), which nodes of which ranks wait, and for what.
#pragma once
#include <string>
#include <vector>

#include "workload/graph_executor.hpp"
#include "workload/graph_matching.hpp"

namespace npusim::workload {

// Names, per rank, the first unfinished node of each stream and what it
// waits for: unfinished predecessors, a recv's send, a collective's missing
// members. At most `limit` lines, then how many more.
std::string stall_report(const std::vector<PlacedGraph>& jobs, const GraphMatching& m, const ExecResult& r,
                         const std::vector<int>& arrived, size_t limit = 20);

}  // namespace npusim::workload
