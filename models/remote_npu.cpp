#include "models/remote_npu.hpp"

#include "memory/fast_memory.hpp"
#include "memory/hbm_system.hpp"

namespace npusim {

RemoteNpu make_remote_npu(const std::string& name, int k, noc::TlmFabric& fabric, const memory::MemoryConfig& mc,
                          stats::Group& parent) {
  const uint64_t cap = mc.org.capacity_bytes();
  RemoteNpu n;
  AddressMap by_owner;
  by_owner.add({"local", 0, cap, 0});
  by_owner.add({"fabric", fabric.window_base(0), fabric.window_bytes() * uint64_t(fabric.npus()), 1});
  n.route = std::make_unique<TlmCrossbar>((name + "_route").c_str(), 1, 2, by_owner);
  AddressMap all;
  all.add({"memory", 0, cap, 0});
  n.mux = std::make_unique<TlmCrossbar>((name + "_mux").c_str(), 2, 1, all);
  if (mc.fidelity == memory::MemoryFidelity::Cycle)
    n.mem = std::make_unique<memory::HbmSystem>((name + "_mem").c_str(), mc, parent);
  else
    n.mem = std::make_unique<memory::FastMemory>((name + "_mem").c_str(), mc, parent);
  n.route->output(0).bind(n.mux->input(0));
  n.route->output(1).bind(fabric.port(k));
  fabric.memory(k).bind(n.mux->input(1));
  n.mux->output(0).bind(n.mem->socket);
  return n;
}

}  // namespace npusim
