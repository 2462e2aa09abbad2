// The executor's view of the fabric: point-to-point transfers and whole
// collectives posted as a program reaches them, all in flight together on
// one fabric model so they contend for the same links. Two fidelities:
//  - flow: the max-min fair FlowModel run incrementally (noc/flow_model.hpp);
//    a collective runs its CollectivePlan level by level, each step's flows
//    added when the previous step's last flow arrives (the barrier the
//    flow-level collective runner uses too);
//  - packet: the PacketNetwork (noc/packet/packet_network.hpp); a collective
//    runs as the message graph of its plan (schedule_of), each message
//    posted when what it depends on has arrived.
// Time is in ns. Completions carry the caller's token and the bytes the
// fabric delivered for it (conservation is checked by the caller).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "noc/collective_plan.hpp"
#include "noc/packet/packet_params.hpp"
#include "noc/topology.hpp"

namespace npusim::workload {

struct CommDone {
  int64_t token = 0;
  double ns = 0;           // when the last byte arrived
  double bytes = 0;        // payload delivered for this token
  double messages = 0;     // flows or messages that carried it (packet sizes round up per message)
};

class CommEngine {
 public:
  virtual ~CommEngine() = default;
  // `bytes` from NPU node src to NPU node dst, leaving at `at_ns` (>= now).
  virtual void transfer(int src, int dst, double bytes, double at_ns, int64_t token) = 0;
  // `plan` over NPU nodes `nodes` (plan rank i on nodes[i]) from `at_ns`.
  virtual void collective(const noc::CollectivePlan& plan, const std::vector<int>& nodes, double at_ns,
                          int64_t token) = 0;
  // The next time the fabric has something to do (infinity when idle).
  virtual double next_event_ns() = 0;
  // Runs up to `t`, appending the tokens completed by then (or, at flow
  // level, whose completion time is already known) to *done.
  virtual void advance_to(double t, std::vector<CommDone>* done) = 0;
  // Payload bytes each link of the topology carried so far.
  virtual std::vector<double> link_bytes() const = 0;
  // Each link's current throughput in GB/s; false when the fidelity cannot
  // say (the packet level: links carry whole flits, not rates).
  virtual bool link_rates(std::vector<double>* gbps) const { (void)gbps; return false; }
  // Transfers and collectives posted and not yet completed.
  virtual size_t in_flight() const = 0;
};

std::unique_ptr<CommEngine> make_flow_comm(const noc::Topology& t);
// UsageError above the packet level's size limits (noc/packet).
std::unique_ptr<CommEngine> make_packet_comm(const noc::Topology& t, const noc::PacketParams& p);

// Payload bytes `plan` moves in total (every message of every step, times
// plan.times): what the fabric must deliver for it.
double plan_bytes(const noc::CollectivePlan& plan);

}  // namespace npusim::workload
