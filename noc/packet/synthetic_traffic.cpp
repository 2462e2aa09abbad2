#include "noc/packet/synthetic_traffic.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "noc/packet/packet_network.hpp"
#include "noc/packet/rng.hpp"

namespace npusim::noc {

const Schema& TrafficParams::schema() {
  static const Schema s = [] {
    Schema s("traffic", "Synthetic traffic on the packet fabric");
    SchemaBuilder<TrafficParams>(s)
        .choice(&TrafficParams::pattern, "pattern", TrafficPattern::Uniform,
                "uniform random; permutation (a fixed random derangement); transpose ((x,y) -> (y,x) on a "
                "square count); hotspot (hotspot_fraction to NPU 0, else uniform); alltoall (each source cycles "
                "through all others); incast (all to NPU 0)")
        .param(&TrafficParams::rate, "rate", "", 0.1,
               "Offered load: fraction of each NPU's injection bandwidth, in wire flits (Bernoulli per packet slot)",
               {1e-6, 1})
        .param(&TrafficParams::packet_bytes, "packet_bytes", "B", 240, "Payload per packet (<= packet.mtu_bytes)",
               {1, 1 << 20})
        .param(&TrafficParams::warmup_cycles, "warmup_cycles", "cycles", 2000, "Router cycles before measuring",
               {0, 1e9})
        .param(&TrafficParams::measure_cycles, "measure_cycles", "cycles", 10000, "Measurement window", {1, 1e9})
        .param(&TrafficParams::drain_cycles, "drain_cycles", "cycles", -1,
               "After the window, sources keep going until the measured packets arrive, at most this long "
               "(-1: as long as the window)", {-1, 1e9})
        .param(&TrafficParams::hotspot_fraction, "hotspot_fraction", "", 0.2, "hotspot: share sent to NPU 0",
               {0, 1});
    return s;
  }();
  return s;
}

namespace {

class Synthetic : public TrafficSource {
 public:
  Synthetic(PacketNetwork& net, const TrafficParams& tp, uint64_t seed)
      : net_(net), tp_(tp), rng_(seed ^ 0x5eedULL), eps_(net.topology().endpoints()) {
    const int n = static_cast<int>(eps_.size());
    const double cycle_ns = 1.0 / net.params().sw.clock_ghz;
    warm_fs_ = static_cast<uint64_t>(tp.warmup_cycles * cycle_ns * 1e6);
    end_fs_ = warm_fs_ + static_cast<uint64_t>(tp.measure_cycles * cycle_ns * 1e6);
    const double drain = tp.drain_cycles < 0 ? tp.measure_cycles : tp.drain_cycles;
    stop_fs_ = end_fs_ + static_cast<uint64_t>(drain * cycle_ns * 1e6);
    flits_ = net.flits_for(tp.packet_bytes);
    dst_.assign(n, -1);
    slot_fs_.resize(n);
    counter_.assign(n, 0);
    for (int e = 0; e < n; ++e) {
      const double wire = double(flits_) * net.params().link.flit_bytes;
      slot_fs_[e] = std::max<uint64_t>(1, uint64_t(std::llround(wire / net.injection_bandwidth_gbps(e) * 1e6)));
    }
    const TrafficPattern pat = tp.pattern;
    if (pat == TrafficPattern::Permutation) {
      std::vector<int> perm(n);
      for (int i = 0; i < n; ++i) perm[i] = i;
      for (int i = n - 1; i > 0; --i) std::swap(perm[i], perm[rng_.below(uint64_t(i) + 1)]);
      for (int i = 0; i < n; ++i)
        if (perm[i] == i) std::swap(perm[i], perm[(i + 1) % n]);  // no fixed points
      dst_ = perm;
    } else if (pat == TrafficPattern::Transpose) {
      const Grid& g = net.topology().grid();
      int side = g.x_size > 0 && g.x_size == g.y_size ? g.x_size : int(std::lround(std::sqrt(double(n))));
      if (side * side != n)
        throw ConfigError("traffic.pattern: transpose needs a square number of NPUs (or a square mesh/torus), got " +
                          std::to_string(n));
      for (int e = 0; e < n; ++e) dst_[e] = (e % side) * side + e / side;
    } else if (pat == TrafficPattern::Incast) {
      for (int e = 0; e < n; ++e) dst_[e] = 0;
    }
    active_.assign(n, 1);
    if (pat == TrafficPattern::Transpose || pat == TrafficPattern::Permutation || pat == TrafficPattern::Incast)
      for (int e = 0; e < n; ++e) active_[e] = dst_[e] != e;
    for (int e = 0; e < n; ++e) {
      if (!active_[e]) continue;
      ++active_count_;
      active_bw_ += net.injection_bandwidth_gbps(e);
      net.schedule_generate(e, slot_fs_[e] * (rng_.geometric(tp.rate) - 1));
    }
    net.at(warm_fs_, [this] {
      net_.stats().reset_all();
      measuring_ = true;
    });
    net.at(end_fs_, [this] {
      measuring_ = false;
      window_flits_ = net_.flits_delivered().value();
      net_.finish_window((end_fs_ - warm_fs_) / 1e6);
    });
  }

  void generate(int e, uint64_t now) override {
    if (now >= stop_fs_) return;
    // Past the window: stop once every measured packet has arrived.
    if (now >= end_fs_ && net_.latency_ps().samples() >= measured_) {
      stop_fs_ = now;
      return;
    }
    const int n = static_cast<int>(eps_.size());
    int d = dst_[e];
    const TrafficPattern pat = tp_.pattern;
    if (pat == TrafficPattern::Uniform || pat == TrafficPattern::Hotspot) {
      if (pat == TrafficPattern::Hotspot && e != 0 && rng_.uniform() < tp_.hotspot_fraction) {
        d = 0;
      } else {
        int r = static_cast<int>(rng_.below(uint64_t(n - 1)));
        d = r >= e ? r + 1 : r;
      }
    } else if (pat == TrafficPattern::Alltoall) {
      d = static_cast<int>((e + 1 + counter_[e]++ % uint64_t(n - 1)) % uint64_t(n));
    }
    if (measuring_) offered_flits_ += flits_;
    if (net_.backlog_packets(e) >= uint64_t(net_.params().endpoint.max_backlog_packets)) {
      ++paused_;
    } else {
      net_.send(eps_[e], eps_[d], uint64_t(tp_.packet_bytes), now, measuring_);
      if (measuring_) ++measured_;
    }
    net_.schedule_generate(e, now + slot_fs_[e] * rng_.geometric(tp_.rate));
  }

  PacketNetwork& net_;
  TrafficParams tp_;
  Rng rng_;
  const std::vector<int>& eps_;
  std::vector<int> dst_;
  std::vector<uint64_t> slot_fs_, counter_;
  std::vector<char> active_;
  int active_count_ = 0, flits_ = 1;
  double active_bw_ = 0;
  uint64_t warm_fs_ = 0, end_fs_ = 0, stop_fs_ = 0;
  bool measuring_ = false;
  double offered_flits_ = 0, window_flits_ = 0;
  uint64_t measured_ = 0, paused_ = 0;
};

}  // namespace

TrafficResult run_synthetic(const Topology& t, const PacketParams& p, const TrafficParams& tp, bool with_stats) {
  if (tp.packet_bytes > p.packet.mtu_bytes)
    throw ConfigError("traffic.packet_bytes: at most packet.mtu_bytes (" + std::to_string(p.packet.mtu_bytes) +
                      "), got " + std::to_string(tp.packet_bytes));
  if (!(tp.rate > 0 && tp.rate <= 1))
    throw ConfigError("traffic.rate: expected a fraction of injection bandwidth in (0, 1], got " +
                      std::to_string(tp.rate));
  if (t.endpoints().size() < 2) throw ConfigError("traffic: needs at least 2 NPUs");
  PacketNetwork net(t, p);
  Synthetic src(net, tp, p.seed);
  net.set_source(&src);
  net.run();

  TrafficResult r;
  r.traffic = tp;
  r.routing = net.routing().algorithm();
  r.buffer_flits = net.buffer_flits();
  r.endpoints = static_cast<int>(t.endpoints().size());
  r.active_sources = src.active_count_;
  const double window_ns = (src.end_fs_ - src.warm_fs_) / 1e6;
  const double fb = p.link.flit_bytes;
  const double cycles = tp.measure_cycles;
  if (src.active_bw_ > 0) {
    r.offered_rate = src.offered_flits_ * fb / (window_ns * src.active_bw_);
    r.accepted_rate = src.window_flits_ * fb / (window_ns * src.active_bw_);
  }
  r.offered_flits_per_node_cycle = src.offered_flits_ / (cycles * std::max(1, src.active_count_));
  r.accepted_flits_per_node_cycle = src.window_flits_ / (cycles * std::max(1, src.active_count_));
  r.accepted_gbps_per_node = r.accepted_flits_per_node_cycle * p.sw.clock_ghz * fb *
                             double(tp.packet_bytes) / (double(net.flits_for(tp.packet_bytes)) * fb);
  const auto& lat = net.latency_ps();
  r.packets_measured = lat.samples();
  r.avg_latency_ns = lat.mean() / 1000.0;
  r.p50_latency_ns = lat.percentile(0.5) / 1000.0;
  r.p99_latency_ns = lat.percentile(0.99) / 1000.0;
  r.max_latency_ns = double(lat.max()) / 1000.0;
  for (const auto& [name, v] : net.stats().flatten()) {
    if (name == "noc.hops::mean") r.avg_hops = v;
    if (name == "noc.credits_returned") r.credits_returned = uint64_t(v);
    if (name == "noc.escape_entries") r.escape_entries = uint64_t(v);
    if (name.rfind("noc.link_utilisation::", 0) == 0 && name != "noc.link_utilisation::total") {
      r.max_link_utilisation = std::max(r.max_link_utilisation, v);
      r.mean_link_utilisation += v / std::max(1, t.num_links());
    }
  }
  r.packets_created = net.packets_created();
  r.packets_delivered = net.packets_delivered();
  r.source_paused = src.paused_;
  r.credits_conserved = net.credits_conserved();
  r.saturated = r.accepted_rate < 0.95 * r.offered_rate;
  r.events = net.events();
  r.sim_time_ns = net.last_delivery_fs() / 1e6;
  if (with_stats) {
    json s = json::object();
    for (const auto& [name, v] : net.stats().flatten()) s[name] = v;
    r.stats = s;
    r.stats_json = net.stats().dump_json();
    std::ostringstream os;
    net.stats().dump_text(os);
    r.stats_text = os.str();
  }
  return r;
}

json TrafficResult::to_json() const {
  json j = {{"pattern", to_string(traffic.pattern)},
            {"routing", routing},
            {"buffer_flits", buffer_flits},
            {"endpoints", endpoints},
            {"active_sources", active_sources},
            {"packet_bytes", traffic.packet_bytes},
            {"offered_rate", offered_rate},
            {"accepted_rate", accepted_rate},
            {"rate_unit", "fraction of each NPU's injection bandwidth (wire flits: header and padding included)"},
            {"offered_flits_per_node_cycle", offered_flits_per_node_cycle},
            {"accepted_flits_per_node_cycle", accepted_flits_per_node_cycle},
            {"accepted_gbps_per_node", accepted_gbps_per_node},
            {"avg_latency_ns", avg_latency_ns},
            {"p50_latency_ns", p50_latency_ns},
            {"p99_latency_ns", p99_latency_ns},
            {"max_latency_ns", max_latency_ns},
            {"avg_hops", avg_hops},
            {"max_link_utilisation", max_link_utilisation},
            {"mean_link_utilisation", mean_link_utilisation},
            {"packets_measured", packets_measured},
            {"packets_created", packets_created},
            {"packets_delivered", packets_delivered},
            {"source_paused", source_paused},
            {"credits_returned", credits_returned},
            {"escape_entries", escape_entries},
            {"credits_conserved", credits_conserved},
            {"saturated", saturated},
            {"events", events},
            {"sim_time_ns", sim_time_ns}};
  if (!stats.is_null()) j["stats"] = stats;
  return j;
}

}  // namespace npusim::noc
