#include "workload/graph_executor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <queue>
#include <tuple>

#include "workload/graph_matching.hpp"
#include "workload/stall_report.hpp"

namespace npusim::workload {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Event {
  double t;
  uint64_t seq;
  int64_t what;  // >= 0: a local node ends; < 0: a fabric completion -(index + 1) into `completions`
  bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

// One run's state: the graphs flattened into global node indices.
class Run {
 public:
  Run(const std::vector<PlacedGraph>& jobs, CommEngine& comm, const noc::CollectiveParams& cp,
      const std::function<void(double, const CommEngine&)>& on_step)
      : jobs_(jobs), comm_(comm), cp_(cp), on_step_(on_step), m_(match_graphs(jobs)) {
    r_.offset = m_.offset;
    r_.nodes.resize(m_.job_of.size());
    r_.traffic.resize(jobs.size());
    waits_ = m_.waits;
    arrival_.assign(m_.job_of.size(), -1);
    arrived_.assign(m_.instances.size(), 0);
    inst_ready_.assign(m_.instances.size(), 0);
    inst_last_.assign(m_.instances.size(), -1);
  }

  ExecResult execute() {
    for (size_t g = 0; g < waits_.size(); ++g)
      if (waits_[g] == 0) start(int(g), jobs_[size_t(m_.job_of[g])].start_ns, -1);
    std::vector<CommDone> done;
    for (;;) {
      const double te = q_.empty() ? kInf : q_.top().t;
      const double tf = comm_.next_event_ns();
      if (te == kInf && tf == kInf) break;
      if (tf < te) {
        done.clear();
        comm_.advance_to(tf, &done);
        if (on_step_) on_step_(tf, comm_);
        for (const CommDone& d : done) {
          completions_.push_back(d);
          push(std::max(d.ns, tf), -int64_t(completions_.size()));
        }
        continue;
      }
      const Event e = q_.top();
      q_.pop();
      ++r_.events;
      if (e.what >= 0) end(int(e.what), e.t);
      else comm_done(completions_[size_t(-e.what - 1)], e.t);
    }
    for (const NodeRun& n : r_.nodes)
      if (n.end < 0) throw StallError(stall_report(jobs_, m_, r_, arrived_));
    r_.link_bytes = comm_.link_bytes();
    return std::move(r_);
  }

 private:
  const GraphNode& node(int g) const {
    return jobs_[size_t(m_.job_of[size_t(g)])].graph->nodes[size_t(m_.local(g))];
  }
  int npu(int g, int rank) const { return jobs_[size_t(m_.job_of[size_t(g)])].npu[size_t(rank)]; }

  void push(double t, int64_t what) { q_.push(Event{t, seq_++, what}); }

  void start(int g, double t, int cause) {
    const PlacedGraph& placed = jobs_[size_t(m_.job_of[size_t(g)])];
    if (!placed.delay_ns.empty()) t += placed.delay_ns[size_t(m_.local(g))];
    NodeRun& run = r_.nodes[size_t(g)];
    run.start = t;
    run.cause = cause;
    const GraphNode& n = node(g);
    const PlacedGraph& job = placed;
    JobTraffic& traffic = r_.traffic[size_t(m_.job_of[size_t(g)])];
    switch (n.type) {
      case NodeType::Send:
        traffic.expected_bytes += n.bytes;
        ++traffic.transfers;
        comm_.transfer(npu(g, n.rank), npu(g, n.peer), n.bytes, t, g);
        break;
      case NodeType::Recv:
        if (arrival_[size_t(g)] >= 0) push(t, g);  // the bytes are already here
        break;
      case NodeType::Memcpy:
        if (n.peer >= 0) {
          traffic.expected_bytes += n.bytes;
          ++traffic.transfers;
          comm_.transfer(npu(g, n.rank), npu(g, n.peer), n.bytes, t, g);
        } else {
          push(t + job.local_ns[size_t(m_.local(g))], g);
        }
        break;
      case NodeType::Collective:
      case NodeType::AllToAllV:
        arrive(g, t);
        break;
      default:
        push(t + job.local_ns[size_t(m_.local(g))], g);
    }
  }

  // A member reaches its collective; the last one launches it.
  void arrive(int g, double t) {
    const int i = m_.instance_of[size_t(g)];
    if (t >= inst_ready_[size_t(i)]) {
      inst_ready_[size_t(i)] = t;
      inst_last_[size_t(i)] = g;
    }
    const Instance& inst = m_.instances[size_t(i)];
    if (++arrived_[size_t(i)] < static_cast<int>(inst.members.size())) return;
    std::vector<int> nodes;
    for (int member : inst.members) nodes.push_back(npu(member, node(member).rank));
    const noc::CollectivePlan plan = instance_plan(jobs_, m_, i, cp_);
    JobTraffic& traffic = r_.traffic[size_t(inst.job)];
    traffic.expected_bytes += plan_bytes(plan);
    ++traffic.collectives;
    comm_.collective(plan, nodes, t, -int64_t(i) - 1);
  }

  void comm_done(const CommDone& d, double t) {
    if (d.token >= 0) {  // a send or a peer copy
      const int g = int(d.token);
      account(m_.job_of[size_t(g)], d);
      end(g, t);
      const int recv = m_.partner[size_t(g)];
      if (recv < 0) return;
      arrival_[size_t(recv)] = t;
      if (r_.nodes[size_t(recv)].start >= 0) {
        r_.nodes[size_t(recv)].cause = g;  // it waited for these bytes
        end(recv, t);
      }
      return;
    }
    const int i = int(-d.token - 1);
    const Instance& inst = m_.instances[size_t(i)];
    account(inst.job, d);
    for (int member : inst.members) {
      if (member != inst_last_[size_t(i)]) r_.nodes[size_t(member)].cause = inst_last_[size_t(i)];
      end(member, t);
    }
  }

  void account(int job, const CommDone& d) {
    r_.traffic[size_t(job)].delivered_bytes += d.bytes;
    r_.traffic[size_t(job)].messages += d.messages;
  }

  void end(int g, double t) {
    NodeRun& run = r_.nodes[size_t(g)];
    if (run.end >= 0) throw ProtocolError("executor: node " + std::to_string(node(g).id) + " ended twice");
    run.end = t;
    r_.end_ns = std::max(r_.end_ns, t);
    for (int k = m_.first[size_t(g)]; k < m_.first[size_t(g) + 1]; ++k) {
      const int s = m_.succ[size_t(k)];
      if (--waits_[size_t(s)] == 0) start(s, std::max(t, jobs_[size_t(m_.job_of[size_t(s)])].start_ns), g);
    }
  }

  const std::vector<PlacedGraph>& jobs_;
  CommEngine& comm_;
  const noc::CollectiveParams& cp_;
  const std::function<void(double, const CommEngine&)>& on_step_;
  const GraphMatching m_;
  ExecResult r_;
  std::vector<int> waits_;
  std::vector<double> arrival_;  // recv: when its bytes arrived (-1: not yet)
  std::vector<int> arrived_;     // instance: members that reached it
  std::vector<double> inst_ready_;
  std::vector<int> inst_last_;   // instance: the member that reached it last
  std::vector<CommDone> completions_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> q_;
  uint64_t seq_ = 0;
};

}  // namespace

ExecResult GraphExecutor::run(const std::vector<PlacedGraph>& jobs) {
  Run run(jobs, comm_, cp_, on_fabric_step);
  ExecResult r = run.execute();
  for (size_t j = 0; j < r.traffic.size(); ++j) {
    const JobTraffic& tr = r.traffic[j];
    // Packet sizes round up to whole bytes per message.
    if (std::abs(tr.delivered_bytes - tr.expected_bytes) > 1e-9 * tr.expected_bytes + tr.messages)
      throw ProtocolError("executor: job '" + jobs[j].name + "' posted " + std::to_string(tr.expected_bytes) +
                          " bytes but the fabric delivered " + std::to_string(tr.delivered_bytes));
  }
  return r;
}

}  // namespace npusim::workload
