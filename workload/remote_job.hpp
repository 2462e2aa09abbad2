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
#include "sim/run_files.hpp"
#include "noc/packet/packet_params.hpp"
#include "noc/tlm_fabric.hpp"
#include "noc/topology.hpp"

namespace npusim {

// Links of a generated system (ring:N, mesh:XxY, ...).
struct GeneratedLinks {
  double bandwidth_gbps = 32, latency_ns = 10;
  static const Schema& schema();
};

// The remote job's keys (`npusim params job.remote`).
struct RemoteJob {
  std::string kind, name;
  json system, memory;
  std::string pattern, op;
  int64_t bytes = 0, access_bytes = 0;
  noc::PacketParams packet;
  noc::TlmFabricParams tlm_fabric;
  GeneratedLinks link;
  double watchdog_us = 200;
  std::string system_description;
  static const Schema& schema();
};

// Resolves the job's "system" (a preset, a topology .json or a generator
// whose links take "link") and runs the job on it; writes result.json,
// stats.txt, stats.json and config.json when `files` is enabled.
// SystemC elaborates once per process: call at most once per process.
json run_remote_job(const json& job, const RunFiles& files);

// The same on topology `t`, described by `system_desc` in the result.
json run_remote_job(const json& job, const noc::Topology& t, const std::string& system_desc,
                       const RunFiles& files);

}  // namespace npusim
