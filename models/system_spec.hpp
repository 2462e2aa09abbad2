// The text forms jobs and commands share: sizes, counts, and systems.
// A system as the jobs name it: a preset, an edited preset (inline JSON or a
// .json file), a SuperCluster, a topology graph file, or a generator spec
// ("mesh:8x8", "clos:E:G:S", "chip:<chip preset>", ...). One reader for the
// collective, noc and remote jobs and the commands that build them.
#pragma once
#include <cstdint>
#include <string>

#include "noc/topology.hpp"
#include "sim/params.hpp"

namespace npusim {

// Links of generated topologies unless overridden: 32 GB/s and 10 ns per
// direction (E: a generic board-level SerDes link; at 32-B flits and a 1 GHz
// router clock one flit per cycle, BookSim's unit).
inline constexpr double kGeneratedLinkGbps = 32;
inline constexpr double kGeneratedLinkLatencyNs = 10;
inline constexpr long long kMaxNocNpus = 4096;  // packet level

// The accepted forms, for error messages and help.
extern const char* const kTopologyForms;

bool is_file(const std::string& path);

// A decimal integer in [1, max]; UsageError naming `flag` otherwise.
uint64_t parse_positive(const std::string& flag, const std::string& text, uint64_t max = UINT64_MAX);

// "4096", "64K", "1M", "2G" (binary suffixes; optional trailing B or iB) ->
// bytes. UsageError naming `flag` and the expected form otherwise.
double parse_size(const std::string& flag, const std::string& text);

// A decimal integer >= 0 (capped at 2e9); UsageError naming `flag` otherwise.
int parse_nonneg_int(const std::string& flag, const std::string& text);

// A system: a preset name or a supercluster:<pod>:<K> spec
// (noc/system_presets.hpp); an edited preset as inline JSON ('{"preset":
// "cloudmatrix384", "ub": {"link": {"bandwidth_gbps": 800}}}',
// noc/system_params.hpp); or a .json file (a path with '/', ending in .json,
// or an existing file) holding either such an edited preset (it has a
// "preset" key), a SuperCluster {"supercluster": {...}} or a topology graph
// {nodes, links}. Inline JSON may be a SuperCluster too. `expected`
// completes the "cannot open topology file (expected ...)" error; *source
// says where the topology came from; *name is the system's name for
// results; *resolved gets {"preset", every parameter} for presets and edited
// presets (null for a topology graph), so a run can record exactly what it
// simulated.
noc::Topology load_system_or_file(const std::string& spec, const std::string& expected, std::string* source,
                                  std::string* name = nullptr, json* resolved = nullptr);

// "mesh:8x8", "torus:4x4", "ring:8", "clos:E:G:S", "dragonfly:A:P:H[:G]",
// "fullmesh:8x8x4", "chip:<preset>", else load_system_or_file; generated
// links (every class / dimension) get `bw_gbps` and `lat_ns`. UsageError
// (naming --topology) for a generator above `max_npus` NPUs, checked before
// building it.
noc::Topology parse_topology_spec(const std::string& spec, double bw_gbps, double lat_ns, std::string* source,
                                  long long max_npus = kMaxNocNpus);

}  // namespace npusim
