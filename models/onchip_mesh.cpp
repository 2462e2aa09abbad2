#include "models/onchip_mesh.hpp"

#include <cmath>

#include "sim/errors.hpp"

namespace npusim {

OnChipMesh onchip_mesh(const npu::ChipConfig& cfg) {
  OnChipMesh m;
  m.tiles = int(cfg.l2.slices);
  if (m.tiles < 2) throw ConfigError("chip.l2.slices: a mesh needs at least 2 tiles (one per L2 slice), got " +
                                     std::to_string(cfg.l2.slices));
  m.cube_cores = cfg.cube_cores;
  m.vector_cores = cfg.vector_cores;
  for (int y = int(std::sqrt(double(m.tiles))); y >= 1; --y)
    if (m.tiles % y == 0) {
      if (m.tiles / y <= 2 * y) {
        m.x = m.tiles / y;
        m.y = y;
      }
      break;
    }
  if (!m.x) {
    m.x = int(std::ceil(std::sqrt(double(m.tiles))));
    m.y = (m.tiles + m.x - 1) / m.x;
  }
  const auto& n = cfg.noc;
  if (n.mesh_link_bytes_per_cycle < OnChipMesh::kHeaderBytes + OnChipMesh::kRequestBytes)
    throw ConfigError("chip.noc.mesh_link_bytes_per_cycle: expected at least " +
                      std::to_string(OnChipMesh::kHeaderBytes + OnChipMesh::kRequestBytes) +
                      " (a request and its header in one flit), got " + std::to_string(n.mesh_link_bytes_per_cycle));
  const double bw = double(n.mesh_link_bytes_per_cycle) * cfg.clock_ghz;  // GB/s
  const double lat = double(n.mesh_link_cycles) / cfg.clock_ghz;          // ns
  m.topology = noc::Topology::mesh(m.x, m.y, bw, lat);
  m.params = defaults_of<noc::PacketParams>();
  m.params.link.flit_bytes = int(n.mesh_link_bytes_per_cycle);
  m.params.packet.mtu_bytes = int(cfg.l2.line_bytes);
  m.params.packet.header_bytes = int(OnChipMesh::kHeaderBytes);
  m.params.sw.clock_ghz = cfg.clock_ghz;
  m.params.sw.pipeline_cycles = int(n.mesh_router_cycles);
  m.params.sw.vcs = 2;
  // A slice may wait on HBM for a long time while lines queue behind it; the
  // chip's own watchdog covers real stalls.
  m.params.stall_check_ns = 1e7;
  return m;
}

std::string OnChipMesh::describe() const {
  return std::to_string(x) + "x" + std::to_string(y) + " mesh of " + std::to_string(tiles) + " tiles, " +
         std::to_string(params.link.flit_bytes) + " B/cycle links, " + std::to_string(params.sw.pipeline_cycles) +
         "-cycle routers";
}

}  // namespace npusim
