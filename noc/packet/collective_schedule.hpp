// A collective as a graph of messages between ranks, run on the packet-level
// fabric with its data dependencies instead of barriers.
//
// A message is posted to its source NIC once
//  - every message it depends on (after()) has been delivered: the data it
//    carries was received, or reduced from what was received; and
//  - if it follows another message of the same stream (follows()), that one
//    has left the NIC backlog. A stream is a queue pair: its messages go out
//    in order. Without this the NIC's round-robin over messages would
//    interleave a pipeline's chunks and deliver them all at the end.
// The sender learns of a delivery at once (no acknowledgement latency); a
// receiver has unbounded buffering (no NCCL-like slot limit).
//
// schedule_of() puts a CollectivePlan, the description the flow level runs
// too, in this form; ranks are indices 0..n-1, mapped to NPU node ids when
// run.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "noc/collective_plan.hpp"
#include "noc/packet/packet_params.hpp"
#include "noc/topology.hpp"

namespace npusim::noc {

class Schedule {
 public:
  struct Msg {
    int src = 0, dst = 0;  // rank indices
    uint64_t bytes = 0;
    int waits = 0;      // deliveries and injections still awaited
    int next = -1;      // the message that follows this one in its stream
  };
  int add(int src, int dst, uint64_t bytes);
  void after(int msg, int dep);     // msg waits for dep's delivery
  void follows(int msg, int prev);  // msg waits for prev's injection (one follower per message)
  int size() const { return static_cast<int>(msgs_.size()); }
  const std::vector<Msg>& msgs() const { return msgs_; }
  const std::vector<std::pair<int, int>>& deps() const { return deps_; }  // (dep, msg)
  double packets(double mtu_bytes) const;  // over all messages

 private:
  std::vector<Msg> msgs_;
  std::vector<std::pair<int, int>> deps_;
};

struct ScheduleRun {
  double time_ns = 0;                  // last delivery
  std::vector<double> link_wire_bytes; // per link: flits x flit bytes (headers and padding included)
};

// Runs `s` with rank i on NPU node ranks[i]. UsageError above the
// packet-level size limits; ProtocolError if a message never arrives (a
// dependency cycle: a builder bug).
ScheduleRun run_schedule(const Topology& t, const PacketParams& p, const std::vector<int>& ranks, const Schedule& s,
                         const std::string& what);

// The messages of `plan` (collective_plan.hpp) with its dependencies: every
// step of a step level in turn, a pipelined level's messages cut into
// chunks of plan.chunk_bytes. Message sizes round up to whole bytes (at
// least one).
Schedule schedule_of(const CollectivePlan& plan);
// UsageError if `t` has more NPUs than the packet level takes.
void check_packet_endpoints(const Topology& t);

}  // namespace npusim::noc
