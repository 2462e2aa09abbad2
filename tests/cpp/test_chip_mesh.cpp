// ChipSim on its on-chip mesh (chip.noc.topology = "mesh"): line requests
// and their answers cross routers and links of the packet fabric model.
#include <catch2/catch.hpp>

#include "memory/hbm_system.hpp"
#include "memory/l2_tags.hpp"
#include "sim/errors.hpp"
#include "sim/int_math.hpp"
#include "models/chip_sim.hpp"
#include "memory/memory_spec.hpp"
#include "models/onchip_mesh.hpp"
#include "models/ub_endpoint.hpp"
#include "npu/chip/chip_config.hpp"
#include "npu/chip/chip_presets.hpp"
#include "tests/cpp/packet_harness.hpp"

using namespace npusim;
using npu::Op;
using npu::Pipe;

namespace {

// One message through the idle mesh, in fs.
uint64_t lone_fs(const OnChipMesh& m, int from, int to, uint64_t bytes) {
  return noc::test::one_message_fs(m.topology, m.params, m.node(from), m.node(to), bytes);
}

}  // namespace

TEST_CASE("mesh layout: most square exact factorisation, else a ceil(sqrt) grid", "[mesh]") {
  npu::ChipConfig cfg = npu::chip_config_from_json(npu::chip_preset("ascend_950pr"), "chip");
  cfg.noc.topology = npu::OnChipTopology::Mesh;
  OnChipMesh m = onchip_mesh(cfg);
  CHECK(m.tiles == int(cfg.l2.slices));
  CHECK(m.x * m.y == m.tiles);
  CHECK(m.x <= 2 * m.y);
  CHECK(m.tile_of_vector(cfg.vector_cores - 1) == m.tiles - 1);  // two AIV per tile
  cfg.l2.slices = 37;  // prime: a 7x6 grid with 5 router-only tiles
  m = onchip_mesh(cfg);
  CHECK(m.x == 7);
  CHECK(m.y == 6);
  CHECK(m.topology.endpoints().size() == 42);
  cfg.noc.mesh_link_bytes_per_cycle = 8;
  CHECK_THROWS_WITH(onchip_mesh(cfg), Catch::Contains("chip.noc.mesh_link_bytes_per_cycle"));
  cfg.noc.mesh_link_bytes_per_cycle = 128;
  cfg.l2.slices = 1;
  CHECK_THROWS_WITH(onchip_mesh(cfg), Catch::Contains("chip.l2.slices"));
}

TEST_CASE("chip on a mesh: each written line costs its request and ack over the mesh plus the slice",
          "[.][sc_mesh]") {
  npu::ChipConfig cfg = npu::chip_config_from_json(npu::chip_preset("ascend_950pr"), "chip");
  cfg.noc.topology = npu::OnChipTopology::Mesh;
  cfg.noc.mesh_router_cycles = 10;  // far from the crossbar's 2 x 20 cycles, so a wiring slip shows
  cfg.noc.max_outstanding = 1;      // one line at a time: the run is the sum of round trips
  const memory::MemoryConfig mc = memory::load_memory_config(cfg.memory);
  stats::Registry reg;
  stats::Group root(reg, "system");
  memory::HbmSystem mem("mem", mc, root);
  UbEndpoint ub("ub", cfg.ub_bandwidth_gbps, cfg.ub_port.latency_ns, true, root);
  // Vector core 0 (tile 0) writes 64 lines from UB to GM: writes allocate
  // in L2 without a fetch, so no line waits for HBM.
  const uint64_t lines = 64, lb = cfg.l2.line_bytes;
  CoreProgramSpec p;
  p.vector_core = true;
  p.index = 0;
  npu::Instruction in;
  in.op = Op::CopyUbToGm;
  in.pipe = Pipe::MTE3;
  in.src_buf = npu::Buffer::UB;
  in.src_off = 0;
  in.gm_addr = 1ull << 20;
  in.bytes = lines * lb;
  p.program.push_back(in);
  std::vector<CoreProgramSpec> progs;
  progs.push_back(p);
  ChipSim chip("chip", cfg, std::move(progs), mc.org.capacity_bytes(), root);
  chip.mem_socket.bind(mem.socket);
  chip.ub_socket.bind(ub.socket);
  sim_start();
  REQUIRE(chip.done());
  REQUIRE(chip.mesh() != nullptr);

  // Closed form per line: request (the line's data) to its slice, the
  // slice's service time, the ack back; each leg rounded up to a core cycle
  // (the chip sees a delivery at the next edge). A line whose slice is on
  // the core's own tile pays the router once each way instead.
  const OnChipMesh& m = *chip.mesh();
  const uint64_t period = ClockDomain("c", 1000.0 / cfg.clock_ghz).period_fs();
  uint64_t sum = 0;
  int remote = 0;
  for (uint64_t l = 0; l < lines; ++l) {
    const uint64_t line = (in.gm_addr / lb) + l;
    const int slice = m.tile_of_slice(uint32_t(memory::L2Tags::mix(line) % cfg.l2.slices));
    const uint64_t serve = ceil_div(lb, uint64_t(cfg.l2.slice_bytes_per_cycle));
    if (slice == 0) {
      sum += 2 * cfg.noc.mesh_router_cycles + serve;
      continue;
    }
    ++remote;
    sum += ceil_div(lone_fs(m, 0, slice, lb), period) + serve +
           ceil_div(lone_fs(m, slice, 0, OnChipMesh::kRequestBytes), period);
  }
  const double cycles = double(chip.end_cycle());
  INFO(lines << " lines (" << remote << " to other tiles): " << cycles << " cycles, closed form " << sum);
  // The closed form covers the lines; the instruction's issue and the
  // core's finish may add a few cycles (measured: none).
  CHECK(cycles >= double(sum));
  CHECK(cycles <= double(sum) + 16);
  CHECK(remote > 40);
  CHECK(chip.mesh_network()->packets_delivered() == chip.mesh_network()->packets_created());
  std::string why;
  CHECK(chip.mesh_network()->credits_conserved(&why));
}
