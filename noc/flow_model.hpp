// Flow-level (fluid) fabric model: the fast fidelity level of the fabric.
//
// Flows share link capacity max-min fairly (progressive filling). The
// simulation is event-driven: rates are recomputed only when a flow starts
// or drains, and between events every flow moves at a constant rate. A
// flow's completion time = drain time + its path latency (counted once,
// i.e. the pipe is filled once, as for a long message).
//
// Scale: a 15488-NPU all-to-all has ~240M flows, too many to hold one by
// one. The unit of simulation is therefore a FlowGroup: `multiplicity`
// flows of equal size that always move at one common per-flow rate. Its
// `links` give the load each link sees per unit of per-flow rate, summed
// over members (a member split by ECMP contributes its fractions). A group
// is exact when its members are interchangeable under a symmetry of the
// topology and the traffic (then max-min fairness gives them equal rates
// anyway); otherwise the whole group moves at the pace of its most
// constrained member, a pessimistic approximation.
// add_all_to_all() builds one group per path cost, i.e. per hop distance
// when link costs are 1 (intra-leaf pairs and inter-leaf pairs on a
// leaf-spine, for example; intra- and inter-supernode pairs on a SuperCluster), which is exact on the
// symmetric topologies the generators build (ring, full mesh, star, Clos
// with full groups) and keeps near-fairness elsewhere.
#pragma once
#include <cstddef>
#include <vector>

#include "noc/topology.hpp"

namespace npusim::noc {

struct FlowGroup {
  std::vector<LinkShare> links;  // per-link load per unit of per-flow rate (all members)
  double multiplicity = 1;       // number of member flows
  double bytes = 0;              // per member
  double start_ns = 0;
  double latency_ns = 0;         // per member path latency (mean over ECMP paths)
};

class FlowModel {
 public:
  explicit FlowModel(const Topology& topo);

  // One flow src -> dst (node ids), routed by ECMP. Returns its id.
  int add_flow(int src, int dst, double bytes, double start_ns);
  int add_group(FlowGroup g);
  // Every ordered pair of distinct `endpoints` sends `bytes_per_pair`.
  // Returns the ids of the groups (one per path cost).
  std::vector<int> add_all_to_all(const std::vector<int>& endpoints, double bytes_per_pair, double start_ns);

  // Runs until every added flow has completed. May be called again after
  // adding more flows (their start must be >= now_ns()).
  void run();

  // Incremental use (the workload executor adds flows as a program reaches
  // them): next_event_ns() is the next start or drain (infinity when idle);
  // advance_to(t) runs starts and drains up to t, leaves the clock at t and
  // appends each flow that drained to *finished (its finish_ns is drain +
  // path latency, so it may lie after t). Flows added meanwhile must start
  // at or after now_ns(). Do not mix with run() on one model.
  double next_event_ns();
  void advance_to(double t, std::vector<int>* finished);
  size_t active_groups() const { return active_.size(); }
  // Each link's current throughput (bytes/ns) from the draining flows.
  void link_rates(std::vector<double>* gbps) const;

  double finish_ns(int id) const { return groups_[id].finish; }
  double max_finish_ns() const;  // over all flows added so far
  double now_ns() const { return now_; }
  const FlowGroup& group(int id) const { return groups_[id].g; }
  // Bytes carried by each link over the whole run (conservation check,
  // utilisation = bytes / (bandwidth * time)).
  const std::vector<double>& link_bytes() const { return link_bytes_; }
  size_t rate_computations() const { return rate_computations_; }
  size_t num_groups() const { return groups_.size(); }

 private:
  struct Entry {
    FlowGroup g;
    double remaining = 0;  // bytes per member still to drain
    double rate = 0;       // bytes/ns per member
    double finish = -1;    // completion time, -1 while pending
  };
  void compute_rates(const std::vector<int>& active);
  void complete(int id, double drain_end);

  const Topology& topo_;
  std::vector<Entry> groups_;
  std::vector<int> pending_;  // ids not yet started (unsorted; run() sorts)
  // Incremental mode: pending ids as a min-heap on (start, id), and the
  // flows draining now.
  void absorb_pending();
  bool starts_after(int a, int b) const {  // heap order: std heaps keep the largest on top
    const double sa = groups_[size_t(a)].g.start_ns, sb = groups_[size_t(b)].g.start_ns;
    return sa != sb ? sa > sb : a > b;
  }
  void start_due(std::vector<int>* finished);
  std::vector<int> heap_, active_;
  std::vector<double> link_bytes_;
  double now_ = 0;
  size_t rate_computations_ = 0;
};

}  // namespace npusim::noc
