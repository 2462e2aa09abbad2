// The packet fabric behind TLM sockets (noc/tlm_fabric): trace players and a
// ChipSim reach other NPUs' memories through it. Each SystemC scenario is its
// own tag so ctest runs it in its own process (one elaboration per process).
#include <catch2/catch.hpp>

#include <tlm_utils/simple_initiator_socket.h>

#include <memory>
#include <vector>

#include "memory/fast_memory.hpp"
#include "memory/hbm_presets.hpp"
#include "memory/hbm_system.hpp"
#include "sim/errors.hpp"
#include "models/chip_sim.hpp"
#include "memory/memory_spec.hpp"
#include "models/remote_npu.hpp"
#include "workload/mem_trace_player.hpp"
#include "noc/tlm_fabric.hpp"
#include "npu/chip/chip_presets.hpp"
#include "tests/cpp/packet_harness.hpp"

using namespace npusim;
using namespace npusim::noc;

namespace {

PacketParams fabric_params() {
  PacketParams p = defaults_of<PacketParams>();
  p.packet.mtu_bytes = 256;
  p.packet.header_bytes = 16;
  p.link.flit_bytes = 32;
  p.sw.pipeline_cycles = 3;
  p.sw.clock_ghz = 1.0;
  return p;
}

// One message through an idle network: its completion time in ps.
double lone_ps(const Topology& t, const PacketParams& p, int src, int dst, uint64_t bytes) {
  return double(test::one_message_fs(t, p, src, dst, bytes)) / 1000.0;
}

memory::MemoryConfig fast_memory() {
  memory::MemoryConfig mc = memory::load_memory_config(npu::chip_config_from_json(npu::chip_preset("ascend_950pr"), "chip").memory);
  mc.fidelity = memory::MemoryFidelity::Fast;
  return mc;
}

// An NPU as the trace tests see it: a player whose requests go to its own
// memory or out to the fabric by address, and the memory serving both it
// and the fabric.
struct TraceNpu : RemoteNpu {
  std::unique_ptr<MemTracePlayer> player;
};

std::vector<TraceNpu> trace_npus(TlmFabric& fabric, const memory::MemoryConfig& mc,
                                 const std::vector<memory::MemTrace>& traces, stats::Group& root) {
  std::vector<TraceNpu> v(traces.size());
  for (size_t k = 0; k < traces.size(); ++k) {
    const std::string s = std::to_string(k);
    std::vector<uint64_t> times;
    for (const auto& r : traces[k].records) times.push_back(r.time);
    v[k].player = std::make_unique<MemTracePlayer>(("player" + s).c_str(), traces[k], times, root);
    static_cast<RemoteNpu&>(v[k]) = make_remote_npu("npu" + s, int(k), fabric, mc, root);
    v[k].player->socket.bind(v[k].input());
  }
  return v;
}

// An initiator that checks the AT phase order it sees: it sends its
// requests one after another (the next once the previous is answered) and
// counts a BEGIN_RESP that arrives while its own BEGIN_REQ call is still
// running (the target must return END_REQ first).
struct StrictInitiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<StrictInitiator> socket;
  std::vector<std::pair<uint64_t, uint32_t>> reads;  // (address, bytes)
  size_t next = 0;
  int answered = 0, errors = 0, violations = 0;
  bool in_call = false;
  PayloadPool pool;
  sc_core::sc_event go;
  SC_HAS_PROCESS(StrictInitiator);
  explicit StrictInitiator(sc_core::sc_module_name n) : sc_core::sc_module(n), socket("socket") {
    socket.register_nb_transport_bw(this, &StrictInitiator::bw);
    SC_METHOD(send);
    sensitive << go;
  }
  void send() {
    if (next >= reads.size()) return;
    tlm::tlm_generic_payload* gp = pool.acquire_request(false, reads[next].first, reads[next].second, next, 0);
    ++next;
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    in_call = true;
    const tlm::tlm_sync_enum s = socket->nb_transport_fw(*gp, ph, t);
    in_call = false;
    if (s == tlm::TLM_COMPLETED) done(*gp);
  }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time&) {
    if (ph != tlm::BEGIN_RESP) return tlm::TLM_ACCEPTED;
    if (in_call) ++violations;
    done(gp);
    ph = tlm::END_RESP;
    return tlm::TLM_COMPLETED;
  }
  void done(tlm::tlm_generic_payload& gp) {
    ++answered;
    if (!gp.is_response_ok()) ++errors;
    gp.release();
    go.notify(sc_core::SC_ZERO_TIME);
  }
};

double stat(const stats::Registry& reg, const std::string& key) {
  for (const auto& [n, v] : reg.flatten())
    if (n == key) return v;
  FAIL("no stat " << key);
  return 0;
}

}  // namespace

TEST_CASE("fabric: a remote read costs request + memory + response; a bulk read streams at link goodput",
          "[.][sc_fabric]") {
  // Four NPUs on one switch: 0 -> 1 and 2 -> 3 use disjoint links, so the
  // two scenarios run side by side without touching each other.
  const Topology t = Topology::star(4, 50, 100);  // 50 GB/s, 100 ns per link
  const PacketParams p = fabric_params();
  TlmFabricParams fp = defaults_of<TlmFabricParams>();
  const memory::MemoryConfig mc = fast_memory();
  fp.npu_window_gib = double(mc.org.capacity_bytes()) / double(1ull << 30);
  stats::Registry reg;
  stats::Group root(reg, "system");
  TlmFabric fabric("fabric", t, p, fp, root);

  std::vector<memory::MemTrace> traces(4);
  for (auto& tr : traces) tr.unit = memory::TimeUnit::Ps;
  // NPU 0: one 64-byte load from NPU 1's memory at t = 0.
  traces[0].records.push_back({0, false, fabric.window_base(1) + 4096, 64});
  // NPU 2: 4 MiB from NPU 3 as 64 KiB bulk reads, all posted at t = 0.
  const uint64_t bulk = 4ull << 20, piece = 64ull << 10;
  for (uint64_t off = 0; off < bulk; off += piece)
    traces[2].records.push_back({0, false, fabric.window_base(3) + off, uint32_t(piece)});
  auto npus = trace_npus(fabric, mc, traces, root);
  sim_start();

  for (int k : {0, 2}) {
    CHECK(npus[size_t(k)].player->received() == traces[size_t(k)].records.size());
    CHECK(npus[size_t(k)].player->errors() == 0);
  }
  CHECK(fabric.completed() == fabric.transactions());
  CHECK(fabric.network().packets_delivered() == fabric.network().packets_created());
  std::string why;
  CHECK(fabric.network().credits_conserved(&why));
  INFO(why);
  // Bytes: each memory served exactly what was asked of it, nothing local.
  CHECK(npus[1].mem->bytes_completed() == 64);
  CHECK(npus[3].mem->bytes_completed() == double(bulk));
  CHECK(npus[0].mem->bytes_completed() == 0);
  CHECK(npus[2].mem->bytes_completed() == 0);

  // The lone load: the wrapper adds no time to what the network and the
  // memory take on their own. Margin: one memory clock (the memory counts
  // its latency in whole cycles from the edge after the request arrives)
  // plus 1 ns of ps rounding.
  const double mem_ps = stat(reg, "system.npu1_mem.read_latency::mean") * mc.timing.tCK_ps;
  const double want = lone_ps(t, p, 0, 1, fp.request_bytes) + mem_ps + lone_ps(t, p, 1, 0, 64);
  const double got = stat(reg, "system.fabric.read_latency::min");
  INFO("lone remote load took " << got << " ps, closed form " << want << " ps");
  CHECK(got == Approx(want).margin(mc.timing.tCK_ps + 1000));

  // The bulk read streams at the goodput of the 3->switch->2 links: 256 B
  // of payload per 272 B packet padded to 9 flits of 32 B = 288 B on the
  // wire. Tolerance 3%: the first chunk's round trip and the tail.
  const double goodput = 50.0 * 256 / 288;  // GB/s
  const double t_ns = double(npus[2].player->last_response_ps()) / 1000.0;
  INFO("4 MiB in " << t_ns << " ns = " << double(bulk) / t_ns << " GB/s, goodput " << goodput);
  CHECK(double(bulk) / t_ns == Approx(goodput).epsilon(0.03));
}

TEST_CASE("fabric: a core's GM reads of another NPU's window cross the fabric into that NPU's HBM",
          "[.][sc_fabric_chip]") {
  // Two 950PR chips on one switch at the chip's UB bandwidth. Core 0 of
  // chip 0 copies 2 MiB from chip 1's memory (its UB window) into L1.
  npu::ChipConfig cfg = npu::chip_config_from_json(npu::chip_preset("ascend_950pr"), "chip");
  const memory::MemoryConfig mc = memory::load_memory_config(cfg.memory);
  const Topology t = Topology::star(2, cfg.ub_bandwidth_gbps, 150);
  const PacketParams p = fabric_params();
  TlmFabricParams fp = defaults_of<TlmFabricParams>();
  fp.window_base = cfg.ub_port.window_base;
  fp.npu_window_gib = double(mc.org.capacity_bytes()) / double(1ull << 30);
  cfg.ub_port.window_gib = uint32_t(2 * fp.npu_window_gib + 1);
  stats::Registry reg;
  stats::Group root(reg, "system");
  TlmFabric fabric("fabric", t, p, fp, root);
  const uint64_t total = 2ull << 20, copy = 128ull << 10;
  std::vector<CoreProgramSpec> progs(1);
  for (uint64_t off = 0; off < total; off += copy) {
    npu::Instruction in;
    in.op = npu::Op::CopyGmToL1;
    in.pipe = npu::Pipe::MTE2;
    in.gm_addr = fabric.window_base(1) + off;
    in.dst_buf = npu::Buffer::L1;
    in.dst_off = (off / copy % 2) * copy;
    in.bytes = copy;
    progs[0].program.push_back(in);
  }
  ChipSim chip0("chip0", cfg, std::move(progs), mc.org.capacity_bytes(), root);
  ChipSim chip1("chip1", cfg, {}, mc.org.capacity_bytes(), root);
  memory::HbmSystem mem0("mem0", mc, root), mem1("mem1", mc, root);
  AddressMap all;
  all.add({"memory", 0, mc.org.capacity_bytes(), 0});
  TlmCrossbar mux0("mux0", 2, 1, all), mux1("mux1", 2, 1, all);
  chip0.mem_socket.bind(mux0.input(0));
  chip1.mem_socket.bind(mux1.input(0));
  fabric.memory(0).bind(mux0.input(1));
  fabric.memory(1).bind(mux1.input(1));
  mux0.output(0).bind(mem0.socket);
  mux1.output(0).bind(mem1.socket);
  chip0.ub_socket.bind(fabric.port(0));
  chip1.ub_socket.bind(fabric.port(1));
  sim_start();

  REQUIRE(chip0.done());
  REQUIRE(chip1.done());
  // Every byte came from chip 1's HBM, none from chip 0's, none via L2.
  CHECK(mem1.bytes_completed() == double(total));
  CHECK(mem0.bytes_completed() == 0);
  CHECK(chip0.l2_bytes() == 0);
  CHECK(fabric.bytes_delivered() == double(total));
  CHECK(fabric.completed() == fabric.transactions());
  CHECK(mux1.routed() == mux1.answered());
  // Little's law: the core keeps noc.max_outstanding lines in flight, so
  // it reads max_outstanding x line / (mean read latency) when that is
  // below the link's goodput and the MTE2 port. Tolerance 10% (ramp-up
  // and the last window).
  const double lat_ns = stat(reg, "system.fabric.read_latency::mean") / 1000.0;
  const double mlp = double(cfg.noc.max_outstanding) * cfg.l2.line_bytes / lat_ns;
  const double rate = std::min({mlp, cfg.ub_bandwidth_gbps * 256 / 288, cfg.core.mte2_bytes_per_cycle * cfg.clock_ghz});
  const double t_ns = double(chip0.end_cycle()) / cfg.clock_ghz;
  INFO("2 MiB in " << t_ns << " ns = " << double(total) / t_ns << " GB/s; mean latency " << lat_ns
                   << " ns, bound " << rate << " GB/s");
  CHECK(double(total) / t_ns == Approx(rate).epsilon(0.10));
  // The mean latency is at least the unloaded round trip: request and 512 B
  // response through an idle network (HBM time comes on top).
  CHECK(lat_ns * 1000 >= lone_ps(t, p, 0, 1, fp.request_bytes) + lone_ps(t, p, 1, 0, cfg.l2.line_bytes));
}

TEST_CASE("fabric: own-window, write and failing remote accesses, one transaction at a time", "[.][sc_fabric_errors]") {
  // Three NPUs; windows one GiB larger than the memory, so an access past the
  // memory's end passes the fabric and fails in the far memory. NPU 0, one
  // transaction in the fabric at a time:
  //   a load from its own window (served by its own memory, no network),
  //   a 64 KiB store to NPU 1 (16 chunks and an ack),
  //   a load straddling the end of NPU 1's memory (an error response),
  //   a load from NPU 1 that must still work after the error,
  //   a load straddling the end of its own memory (an error, no network).
  const Topology t = Topology::star(3, 50, 100);
  const PacketParams p = fabric_params();
  TlmFabricParams fp = defaults_of<TlmFabricParams>();
  const memory::MemoryConfig mc = fast_memory();
  const uint64_t cap = mc.org.capacity_bytes();
  fp.npu_window_gib = double(cap) / double(1ull << 30) + 1;
  fp.max_outstanding = 1;
  fp.dma_bytes = 4096;
  stats::Registry reg;
  stats::Group root(reg, "system");
  TlmFabric fabric("fabric", t, p, fp, root);
  std::vector<memory::MemTrace> traces(2);
  for (auto& tr : traces) tr.unit = memory::TimeUnit::Ps;
  traces[0].records.push_back({0, false, fabric.window_base(0) + 8192, 512});
  traces[0].records.push_back({0, true, fabric.window_base(1) + 65536, 65536});
  traces[0].records.push_back({0, false, fabric.window_base(1) + cap - 256, 512});
  traces[0].records.push_back({0, false, fabric.window_base(1) + 4096, 256});
  // Its own window past its memory: the memory refuses at once, inside the
  // port's BEGIN_REQ call; the answer must still come after END_REQ.
  traces[0].records.push_back({0, false, fabric.window_base(0) + cap - 256, 512});
  auto npus = trace_npus(fabric, mc, traces, root);
  // NPU 2 talks to its port straight from a phase-checking initiator: a
  // failing load of its own window (refused inside the BEGIN_REQ call), a
  // good one, and one from NPU 1.
  StrictInitiator strict("strict");
  memory::FastMemory mem2("mem2", mc, root);
  strict.socket.bind(fabric.port(2));
  fabric.memory(2).bind(mem2.socket);
  strict.reads = {{fabric.window_base(2) + cap - 256, 512}, {fabric.window_base(2) + 512, 512},
                  {fabric.window_base(1) + 1024, 512}};
  sim_start();

  CHECK(strict.answered == 3);
  CHECK(strict.errors == 1);
  CHECK(strict.violations == 0);
  CHECK(npus[0].player->received() == 5);
  CHECK(npus[0].player->errors() == 2);
  CHECK(fabric.completed() == fabric.transactions());
  CHECK(fabric.transactions() == 5 + 3);
  CHECK(npus[0].mem->bytes_completed() == 512);           // its own window
  CHECK(npus[1].mem->bytes_completed() == 65536 + 256 + 512);  // the store, the good loads; failed ones move nothing
  CHECK(fabric.network().packets_delivered() == fabric.network().packets_created());
  std::string why;
  CHECK(fabric.network().credits_conserved(&why));
  INFO(why);
}
