// Runs operator graphs (workload/opgraph.hpp) on a system: every rank's
// nodes in dependency and stream order, local work (compute, roofline,
// local copies, delays) for the durations the caller computed, and all
// communication on one CommEngine, so transfers and collectives of every
// rank and every job share the fabric's links. Several jobs (graphs placed
// on rank sets of one system, each from its own start time) run together.
//
// Matching: the k-th send r->p with tag t pairs with the k-th recv on p from
// r with tag t; a send's transfer leaves when the send starts (eager), the
// send ends when its bytes have arrived, the recv ends when both it has
// started and the bytes have arrived. The k-th collective node of each
// member of a group is one collective; it starts when its last member
// reaches it and ends for all members when its last message arrives.
//
// A graph that stops with work left (a recv whose send never starts, a
// collective a member never reaches) is a StallError naming, per rank, the
// nodes that wait and what for.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "noc/collective_params.hpp"
#include "noc/topology.hpp"
#include "workload/comm_engine.hpp"
#include "workload/opgraph.hpp"

namespace npusim::workload {

struct PlacedGraph {
  const OpGraph* graph = nullptr;
  std::string name;
  std::vector<int> npu;          // rank -> topology node id
  std::vector<double> local_ns;  // per node: duration of local work (ignored for communication)
  std::vector<double> delay_ns;  // per node: injected wait before it starts (empty: none)
  double start_ns = 0;
};

struct NodeRun {
  double start = -1, end = -1;
  int cause = -1;  // global index of the node that set this one's start (or end, for a transfer)
};

struct JobTraffic {
  double expected_bytes = 0, delivered_bytes = 0, messages = 0;
  int transfers = 0, collectives = 0;
};

struct ExecResult {
  std::vector<size_t> offset;     // job -> first global node index
  std::vector<NodeRun> nodes;     // global index
  std::vector<JobTraffic> traffic;  // per job
  double end_ns = 0;
  std::vector<double> link_bytes;
  uint64_t events = 0;
};

class GraphExecutor {
 public:
  GraphExecutor(const noc::Topology& t, CommEngine& comm, const noc::CollectiveParams& cp)
      : t_(t), comm_(comm), cp_(cp) {}
  ExecResult run(const std::vector<PlacedGraph>& jobs);
  // Called after the fabric advanced to a time (its rates change there):
  // the timeline samples link utilisation here.
  std::function<void(double ns, const CommEngine& comm)> on_fabric_step;

 private:
  const noc::Topology& t_;
  CommEngine& comm_;
  noc::CollectiveParams cp_;
};

}  // namespace npusim::workload
