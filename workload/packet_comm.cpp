// The packet-level CommEngine: one PacketNetwork shared by every transfer
// and collective in flight (workload/comm_engine.hpp). A collective runs as
// its plan's message graph (noc/packet/collective_schedule.hpp), as the
// packet-level collective runner does, but interleaved with all other
// traffic; plan.times phases run one after another.
#include <algorithm>
#include <cmath>
#include <limits>

#include "noc/packet/collective_schedule.hpp"
#include "noc/packet/packet_network.hpp"
#include "workload/comm_engine.hpp"

namespace npusim::workload {

namespace {

uint64_t to_fs(double ns) { return uint64_t(std::llround(std::max(0.0, ns) * 1e6)); }
double to_ns(uint64_t fs) { return double(fs) / 1e6; }

// A collective in flight: its message graph in CSR form and what each
// message still waits for.
struct PacketCollective {
  noc::Schedule schedule;
  std::vector<int> nodes;
  std::vector<int> first, dependents, waits;
  int64_t token = 0;
  int phase = 0, times = 1;
  int arrived = 0;
  double delivered = 0, messages = 0;
};

class PacketComm final : public CommEngine {
 public:
  PacketComm(const noc::Topology& t, const noc::PacketParams& p) : net_(t, p) {
    net_.on_message_done = [this](int, const noc::Message& m) { delivered(m); };
    net_.on_message_injected = [this](int, const noc::Message& m) { injected(m); };
  }

  void transfer(int src, int dst, double bytes, double at_ns, int64_t token) override {
    ++in_flight_;
    const uint64_t b = std::max<uint64_t>(1, uint64_t(std::ceil(bytes)));
    if (src == dst) {  // nothing crosses the fabric
      immediate_.push_back({token, at_ns, bytes, 1});
      --in_flight_;
      return;
    }
    records_.push_back({-1, token});
    net_.send(src, dst, b, std::max(to_fs(at_ns), net_.now_fs()), false, int64_t(records_.size()) - 1);
  }

  void collective(const noc::CollectivePlan& plan, const std::vector<int>& nodes, double at_ns,
                  int64_t token) override {
    ++in_flight_;
    PacketCollective c;
    c.schedule = noc::schedule_of(plan);
    c.nodes = nodes;
    c.token = token;
    c.times = plan.times;
    const auto& msgs = c.schedule.msgs();
    const size_t total = msgs.size();
    c.first.assign(total + 1, 0);
    c.dependents.resize(c.schedule.deps().size());
    for (const auto& [dep, msg] : c.schedule.deps()) ++c.first[size_t(dep) + 1];
    for (size_t i = 0; i < total; ++i) c.first[i + 1] += c.first[i];
    std::vector<int> fill(c.first.begin(), c.first.end() - 1);
    for (const auto& [dep, msg] : c.schedule.deps()) c.dependents[size_t(fill[size_t(dep)]++)] = msg;
    colls_.push_back(std::move(c));
    start_phase(static_cast<int>(colls_.size()) - 1, std::max(to_fs(at_ns), net_.now_fs()));
  }

  double next_event_ns() override {
    double t = std::numeric_limits<double>::infinity();
    for (const CommDone& d : immediate_) t = std::min(t, d.ns);
    const uint64_t f = net_.next_event_fs();
    return f == UINT64_MAX ? t : std::min(t, to_ns(f));
  }

  void advance_to(double t, std::vector<CommDone>* done) override {
    out_ = done;
    done->insert(done->end(), immediate_.begin(), immediate_.end());
    immediate_.clear();
    if (std::isfinite(t)) net_.run_until(to_fs(t));
    out_ = nullptr;
  }

  std::vector<double> link_bytes() const override {
    std::vector<double> b(size_t(net_.topology().num_links()));
    for (int l = 0; l < net_.topology().num_links(); ++l)
      b[size_t(l)] = net_.link_flits(l) * net_.params().link.flit_bytes;
    return b;
  }
  size_t in_flight() const override { return in_flight_; }

 private:
  struct Record {
    int collective = -1;  // -1: a transfer
    int64_t value = 0;    // the transfer's token, or the message index
  };

  void post(int index, int msg, uint64_t at_fs) {
    PacketCollective& c = colls_[size_t(index)];
    const noc::Schedule::Msg& m = c.schedule.msgs()[size_t(msg)];
    records_.push_back({index, msg});
    net_.send(c.nodes[size_t(m.src)], c.nodes[size_t(m.dst)], m.bytes, at_fs, false, int64_t(records_.size()) - 1);
  }

  void start_phase(int index, uint64_t at_fs) {
    PacketCollective& c = colls_[size_t(index)];
    const auto& msgs = c.schedule.msgs();
    c.waits.resize(msgs.size());
    c.arrived = 0;
    for (size_t i = 0; i < msgs.size(); ++i) c.waits[i] = msgs[i].waits;
    if (msgs.empty()) {
      immediate_.push_back({c.token, to_ns(at_fs), c.delivered, c.messages});
      --in_flight_;
      return;
    }
    for (size_t i = 0; i < msgs.size(); ++i)
      if (c.waits[i] == 0) post(index, int(i), at_fs);
  }

  void delivered(const noc::Message& m) {
    const Record r = records_[size_t(m.tag)];
    if (r.collective < 0) {
      out_->push_back({r.value, to_ns(m.done_fs), double(m.bytes), 1});
      --in_flight_;
      return;
    }
    PacketCollective& c = colls_[size_t(r.collective)];
    c.delivered += double(m.bytes);
    c.messages += 1;
    const size_t id = size_t(r.value);
    for (int k = c.first[id]; k < c.first[id + 1]; ++k)
      if (--c.waits[size_t(c.dependents[size_t(k)])] == 0) post(r.collective, c.dependents[size_t(k)], m.done_fs);
    if (++c.arrived < static_cast<int>(c.schedule.msgs().size())) return;
    if (++c.phase < c.times) {
      start_phase(r.collective, m.done_fs);
      return;
    }
    out_->push_back({c.token, to_ns(m.done_fs), c.delivered, c.messages});
    --in_flight_;
  }

  void injected(const noc::Message& m) {
    const Record r = records_[size_t(m.tag)];
    if (r.collective < 0) return;
    PacketCollective& c = colls_[size_t(r.collective)];
    const int next = c.schedule.msgs()[size_t(r.value)].next;
    if (next >= 0 && --c.waits[size_t(next)] == 0) post(r.collective, next, net_.now_fs());
  }

  noc::PacketNetwork net_;
  std::vector<Record> records_;  // by message tag
  std::vector<PacketCollective> colls_;
  std::vector<CommDone> immediate_;
  std::vector<CommDone>* out_ = nullptr;
  size_t in_flight_ = 0;
};

}  // namespace

std::unique_ptr<CommEngine> make_packet_comm(const noc::Topology& t, const noc::PacketParams& p) {
  noc::check_packet_endpoints(t);
  return std::make_unique<PacketComm>(t, p);
}

}  // namespace npusim::workload
