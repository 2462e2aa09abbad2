// The on-chip mesh a chip uses when chip.noc.topology is "mesh": tiles on a
// 2-D mesh, each holding one cube core, its share of the vector cores and
// one L2 slice (the L2 has one slice per cube core), joined by routers with
// VCs and credits (the packet-level fabric model, noc/packet, clocked at the
// chip clock). Links are mesh_link_bytes_per_cycle wide (one flit per
// cycle) and take mesh_link_cycles; routers take mesh_router_cycles.
//
// Layout (E: Ascend's floorplan is not published): the most square exact
// factorisation x * y = tiles with x / y <= 2, else a ceil(sqrt) grid with
// a few empty tiles (routers only). Cube core i sits on tile i, vector core
// j on tile j * tiles / vector_cores, slice s on tile s. Memory controllers
// and the UB port are not on the mesh: a line's trip to HBM starts at its
// slice.
//
// `npusim noc --topology chip:<preset>` builds the same mesh for synthetic
// traffic.
#pragma once
#include <cstdint>
#include <string>

#include "noc/packet/packet_params.hpp"
#include "noc/topology.hpp"
#include "npu/chip/chip_config.hpp"

namespace npusim {

struct OnChipMesh {
  noc::Topology topology;
  noc::PacketParams params;
  int x = 0, y = 0, tiles = 0;
  uint32_t cube_cores = 0, vector_cores = 0;
  // Header of every mesh packet, and the payload of a read request or a
  // write acknowledgement (E: address + command in one flit).
  static constexpr uint32_t kHeaderBytes = 8;
  static constexpr uint32_t kRequestBytes = 8;

  int tile_of_cube(uint32_t i) const { return int(i % uint32_t(tiles)); }
  int tile_of_vector(uint32_t j) const {
    return vector_cores ? int(uint64_t(j) * uint64_t(tiles) / vector_cores) % tiles : 0;
  }
  int tile_of_slice(uint32_t s) const { return int(s % uint32_t(tiles)); }
  int node(int tile) const { return topology.endpoints()[size_t(tile)]; }
  std::string describe() const;  // "8x4 mesh, 64 B/cycle links, ..."
};

// ConfigError naming chip.noc.* or chip.l2.slices if the mesh cannot be built.
OnChipMesh onchip_mesh(const npu::ChipConfig& cfg);

}  // namespace npusim
