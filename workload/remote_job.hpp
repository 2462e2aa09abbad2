// A remote-memory run: NPUs of a fabric topology load from or store to each
// other's memory through the packet-level fabric behind TLM sockets
// (noc/tlm_fabric.hpp), as UB's memory semantics allow. Every NPU is a
// memory-request source (a MemTracePlayer of generated accesses), a
// crossbar sending local addresses to its own memory and window addresses
// to the fabric, and its memory (HbmSystem or FastMemory) shared by its own
// and the fabric's requests.
//
// Job keys (kind "remote"):
//   pattern      one (NPU 0 -> 1) | pairs (k <-> k^1) | neighbour (k -> k+1)
//                | alltoall (each source cycles over every other NPU) |
//                incast (every NPU -> NPU 0)
//   op           read | write
//   bytes        per source NPU, total
//   access_bytes one transaction: 64..4096 is a load/store, larger is a bulk
//                (RDMA-like) transfer split into tlm_fabric.dma_bytes chunks
//   memory       a memory preset name or object (memory_job.hpp); fidelity
//                from its "fidelity" key ("fast" by default here)
//   packet       PacketParams overrides; tlm_fabric: TlmFabricParams overrides
//   watchdog_us  stall watchdog interval
//   link         links of a generated system (resolved by the caller, kept
//                here so config.json reruns); system_description: ignored
// Bad keys are ConfigError naming job.<key>. Conservation (every access
// answered once, bytes served = bytes asked) is checked after the run.
#pragma once
#include <string>

#include "sim/params.hpp"
#include "noc/topology.hpp"

namespace npusim {

// Runs the job on topology `t` (described by `system_desc` in the result);
// writes result.json, stats.txt, stats.json and config.json to out_dir
// when it is not empty. SystemC elaborates once per process: call at most
// once per process.
json run_remote_job(const json& job, const noc::Topology& t, const std::string& system_desc,
                    const std::string& out_dir);

}  // namespace npusim
