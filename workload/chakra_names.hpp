// The vocabulary the Chakra importer and exporter share: the npusim.*
// attributes that carry a graph node's fields exactly, and how our
// collective ops correspond to Chakra's CollectiveCommType
// (traces/chakra.md).
#pragma once
#include <string>

#include "workload/chakra/et_def.pb.h"

namespace npusim::workload::chakra_names {

// Chakra's schema version the files declare (GlobalMetadata.version).
inline const char* const kSchemaVersion = "0.0.4";

// Metadata attributes: the opgraph header.
inline const char* const kFormat = "npusim.format";  // OpGraph::version
inline const char* const kRanks = "npusim.ranks";
inline const char* const kRank = "npusim.rank";
inline const char* const kGraphName = "npusim.name";
inline const char* const kChips = "npusim.chips";  // the chips object as JSON text

// Node attributes: a node carrying kType is one of ours and is read back
// from these alone (absent ones take GraphNode's defaults).
inline const char* const kType = "npusim.type";    // NodeType's name
inline const char* const kIndex = "npusim.index";  // position in OpGraph::nodes
inline const char* const kId = "npusim.id";
inline const char* const kStream = "npusim.stream";
inline const char* const kOp = "npusim.op";  // compute: the op object as JSON text
inline const char* const kFlops = "npusim.flops";
inline const char* const kDtype = "npusim.dtype";  // also honoured on a foreign compute node
inline const char* const kBytes = "npusim.bytes";
inline const char* const kFrom = "npusim.from";
inline const char* const kTo = "npusim.to";
inline const char* const kPeer = "npusim.peer";
inline const char* const kTag = "npusim.tag";
inline const char* const kCollOp = "npusim.coll_op";
inline const char* const kAlgo = "npusim.algo";
inline const char* const kGroup = "npusim.group";
inline const char* const kRoot = "npusim.root";
inline const char* const kSendBytes = "npusim.send_bytes";
inline const char* const kNs = "npusim.ns";

// Streams a foreign node lands on, one per resource ASTRA-sim runs one node
// at a time on (workload/HardwareResource there): the NPU's compute, its
// communication, its memory (load/store) engine, the host CPU.
inline constexpr int kComputeStream = 0, kCommStream = 1, kMemStream = 2, kCpuStream = 3;

// Our collective op for a Chakra comm_type; "" for those npusim does not run
// (REDUCE, GATHER, SCATTER, REDUCE_SCATTER_BLOCK, BARRIER).
inline std::string collective_op(ChakraProtoMsg::CollectiveCommType t) {
  switch (t) {
    case ChakraProtoMsg::ALL_REDUCE: return "allreduce";
    case ChakraProtoMsg::ALL_GATHER: return "allgather";
    case ChakraProtoMsg::REDUCE_SCATTER: return "reducescatter";
    case ChakraProtoMsg::ALL_TO_ALL: return "alltoall";
    case ChakraProtoMsg::BROADCAST: return "broadcast";
    default: return "";
  }
}

}  // namespace npusim::workload::chakra_names
