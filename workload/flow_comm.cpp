// The flow-level CommEngine: one FlowModel shared by every transfer and
// collective in flight (workload/comm_engine.hpp).
#include <algorithm>
#include <cmath>
#include <limits>

#include "noc/collectives_flow.hpp"
#include "noc/flow_model.hpp"
#include "workload/comm_engine.hpp"

namespace npusim::workload {

double plan_bytes(const noc::CollectivePlan& plan) {
  double total = 0;
  for (const noc::PlanLevel& l : plan.levels) {
    double level = 0;
    for (const noc::MessageGroup& g : l.groups)
      noc::for_each_message(g, plan.ranks, [&](int, int, double b) { level += b; });
    total += level * (l.pipelined ? 1 : l.repeat);
  }
  return total * plan.times;
}

namespace {

// A collective's progress: which phase (plan.times), level and step of the
// level it is in, and the flows of the current step still to arrive.
struct FlowCollective {
  noc::CollectivePlan plan;
  std::vector<int> nodes;
  int64_t token = 0;
  int phase = 0, level = 0, step = 0;
  int outstanding = 0;
  double step_end = 0;  // latest arrival of the current step's flows
  double delivered = 0, messages = 0;
  noc::PipelinedFlows pipelined;  // the current level's flows when it is pipelined
  bool done = false;
};

class FlowComm final : public CommEngine {
 public:
  explicit FlowComm(const noc::Topology& t) : t_(t), m_(t) {}

  void transfer(int src, int dst, double bytes, double at_ns, int64_t token) override {
    const int id = m_.add_flow(src, dst, bytes, at_ns);
    own(id, Owner{false, token});
    ++in_flight_;
  }

  void collective(const noc::CollectivePlan& plan, const std::vector<int>& nodes, double at_ns,
                  int64_t token) override {
    colls_.push_back(FlowCollective{plan, nodes, token});
    ++in_flight_;
    start_step(static_cast<int>(colls_.size()) - 1, at_ns);
  }

  double next_event_ns() override {
    double t = m_.next_event_ns();
    for (const CommDone& d : immediate_) t = std::min(t, d.ns);
    return t;
  }

  void advance_to(double t, std::vector<CommDone>* done) override {
    done->insert(done->end(), immediate_.begin(), immediate_.end());
    immediate_.clear();
    finished_.clear();
    m_.advance_to(t, &finished_);
    // A step's next flows start at its last arrival (>= now), so they join
    // the model at once; handle arrivals in id order for determinism.
    std::sort(finished_.begin(), finished_.end());
    for (int id : finished_) arrived(id, done);
  }

  std::vector<double> link_bytes() const override { return m_.link_bytes(); }
  bool link_rates(std::vector<double>* gbps) const override {
    m_.link_rates(gbps);
    return true;
  }
  size_t in_flight() const override { return in_flight_; }

 private:
  struct Owner {
    bool collective = false;
    int64_t index = 0;  // token (transfer) or collective index
  };

  void own(int id, Owner o) {
    if (owners_.size() <= size_t(id)) owners_.resize(size_t(id) + 1);
    owners_[size_t(id)] = o;
  }

  void arrived(int id, std::vector<CommDone>* done) {
    const Owner o = owners_[size_t(id)];
    const noc::FlowGroup& g = m_.group(id);
    const double bytes = g.bytes * g.multiplicity;
    if (!o.collective) {
      done->push_back({o.index, m_.finish_ns(id), bytes, g.multiplicity});
      --in_flight_;
      return;
    }
    FlowCollective& c = colls_[size_t(o.index)];
    c.delivered += bytes;
    c.messages += g.multiplicity;
    c.step_end = std::max(c.step_end, m_.finish_ns(id));
    if (--c.outstanding > 0) return;
    const noc::PlanLevel& level = c.plan.levels[size_t(c.level)];
    const double end = level.pipelined
                           ? noc::pipelined_level_end(m_, c.pipelined, c.plan.ranks, c.plan.op + " (" + c.plan.algo + ")")
                           : c.step_end;
    next_step(c);
    if (c.done) {
      done->push_back({c.token, end, c.delivered, c.messages});
      --in_flight_;
      return;
    }
    start_step(static_cast<int>(o.index), end);
  }

  // Moves to the next step, level or phase; done after the last.
  static void next_step(FlowCollective& c) {
    const noc::PlanLevel& level = c.plan.levels[size_t(c.level)];
    if (!level.pipelined && ++c.step < level.repeat) return;
    c.step = 0;
    if (++c.level < static_cast<int>(c.plan.levels.size())) return;
    c.level = 0;
    if (++c.phase >= c.plan.times) c.done = true;
  }

  // Adds the current step's flows from `at`; steps with nothing to send
  // (an all-to-all-v without pairs) pass at once.
  void start_step(int index, double at) {
    for (;;) {
      FlowCollective& c = colls_[size_t(index)];
      const noc::PlanLevel& level = c.plan.levels[size_t(c.level)];
      ids_.clear();
      if (level.pipelined) {
        c.pipelined = noc::add_pipelined_flows(m_, level, c.nodes, at);
        ids_ = c.pipelined.ids;
      } else {
        noc::add_step_flows(m_, t_, level, c.nodes, at, &ids_);
      }
      for (int id : ids_) own(id, Owner{true, index});
      c.outstanding = static_cast<int>(ids_.size());
      c.step_end = at;
      if (c.outstanding > 0) return;
      next_step(c);
      if (c.done) {
        // Nothing (left) to send: completes now.
        immediate_.push_back({c.token, at, c.delivered, c.messages});
        --in_flight_;
        return;
      }
    }
  }

  const noc::Topology& t_;
  noc::FlowModel m_;
  std::vector<Owner> owners_;  // by flow id
  std::vector<FlowCollective> colls_;
  std::vector<int> finished_, ids_;
  std::vector<CommDone> immediate_;  // collectives with nothing left to send
  size_t in_flight_ = 0;
};

}  // namespace

std::unique_ptr<CommEngine> make_flow_comm(const noc::Topology& t) { return std::make_unique<FlowComm>(t); }

}  // namespace npusim::workload
