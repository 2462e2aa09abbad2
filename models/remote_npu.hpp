// One NPU of a remote-memory system (remote_job, tests): a crossbar `route`
// that sends the NPU's own requests to its memory (addresses below the
// memory's capacity) or out to the fabric (the fabric's windows), and a
// crossbar `mux` through which its own and the fabric's requests reach its
// memory. The NPU's initiator (a trace player, ...) binds to input().
#pragma once
#include <memory>
#include <string>

#include "memory/hbm_config.hpp"
#include "memory/memory_model.hpp"
#include "sim/stats.hpp"
#include "models/tlm_crossbar.hpp"
#include "noc/tlm_fabric.hpp"

namespace npusim {

struct RemoteNpu {
  std::unique_ptr<TlmCrossbar> route, mux;
  std::unique_ptr<memory::MemoryModel> mem;
  TlmCrossbar::Target& input() { return route->input(0); }
};

// NPU k's parts, named "<name>_route", "<name>_mux" and "<name>_mem"
// (HbmSystem when mc.fidelity is "cycle", else FastMemory), bound to the
// fabric's port(k) and memory(k).
RemoteNpu make_remote_npu(const std::string& name, int k, noc::TlmFabric& fabric, const memory::MemoryConfig& mc,
                          stats::Group& parent);

}  // namespace npusim
