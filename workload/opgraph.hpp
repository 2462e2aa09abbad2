// An operator graph: what every rank (NPU) of a system runs during one step,
// as nodes with dependencies, in streams. The format on disk is JSON Lines
// (traces/opgraph.md, format version 1); Chakra execution traces import into
// the same graph (workload/chakra_et.hpp). The executor
// (workload/graph_executor.hpp) runs it on chip models joined by a fabric.
//
// Semantics the reader checks and the executor relies on:
//  - a node starts when every node in `deps` has ended and the node before
//    it on its (rank, stream) has ended (a stream is an in-order queue, like
//    a CUDA stream or an Ascend task queue); streams of a rank overlap;
//  - deps name nodes of the same rank only (cross-rank order comes from
//    send/recv and collectives, as in a real program);
//  - the k-th send r->p with tag t matches the k-th recv on p from r with
//    tag t, and has the same bytes;
//  - the k-th collective (or alltoallv) node naming a group on each member
//    rank is one collective; all members agree on its op, bytes and group.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/enums.hpp"
#include "sim/params.hpp"

namespace npusim::workload {

NPUSIM_ENUM(NodeType, (Matmul, "matmul"), (Attention, "attention"), (Elementwise, "elementwise"),
            (Roofline, "roofline"), (Memcpy, "memcpy"), (Send, "send"), (Recv, "recv"),
            (Collective, "collective"), (AllToAllV, "alltoallv"), (Delay, "delay"));

// Where a memcpy reads or writes: this rank's HBM, the host's memory (over
// the chip's host link), or a peer rank's HBM (over the fabric).
NPUSIM_ENUM(MemPlace, (Hbm, "hbm"), (Host, "host"));

// Compute types run the op job (models/op_job.hpp) of the same name.
inline bool is_compute(NodeType t) {
  return t == NodeType::Matmul || t == NodeType::Attention || t == NodeType::Elementwise;
}
inline bool is_comm(NodeType t) {
  return t == NodeType::Send || t == NodeType::Recv || t == NodeType::Collective || t == NodeType::AllToAllV;
}

struct GraphNode {
  int64_t id = 0;       // as written in the file (unique)
  int rank = 0;
  NodeType type = NodeType::Delay;
  std::vector<int> deps;  // indices into OpGraph::nodes (resolved from ids), same rank
  int stream = 0;
  std::string name;
  // Compute: the op job keys other than kind/chip/fidelity/name (op = the
  // type's name, shapes, dtype...), already checked against job.op.
  json op;
  // roofline: floating-point operations and HBM bytes, at `dtype`'s rate.
  double flops = 0;
  std::string dtype;
  // memcpy, send, recv, collective: bytes (collective: S as `npusim
  // collective` defines it per op).
  double bytes = 0;
  MemPlace from = MemPlace::Hbm, to = MemPlace::Hbm;
  int peer = -1;  // send/recv: the other rank; memcpy: a peer's HBM (-1: local)
  int64_t tag = 0;
  // collective: op and algorithm as `npusim collective` spells them ("" =
  // the op's default), ranks in group order (empty: every rank, in order),
  // broadcast root (a group rank).
  std::string coll_op, algo;
  std::vector<int> group;
  int root = 0;
  std::vector<double> send_bytes;  // alltoallv: bytes to each group member, in group order
  double ns = 0;                   // delay
  int line = 0;                    // source line (0 if built in memory)
};

struct OpGraph {
  int version = 1;
  int ranks = 0;
  std::string name;
  // Per-rank chips from the header: {"0-191": "ascend_910c", ...} (null: none).
  json chips;
  std::vector<GraphNode> nodes;
  std::string source;  // file name for errors
  int header_line = 0;  // line of the header in `source` (0 if built in memory)
};

// Reads an opgraph .jsonl strictly: ConfigError "<file>:<line>: <field>: ..."
// for any malformed line, unknown type or key, bad value, dangling dep,
// unmatched send/recv, inconsistent collective or dependency cycle (listing
// the ids on the cycle).
OpGraph read_opgraph(const std::string& path);
OpGraph parse_opgraph(std::istream& in, const std::string& source);
// Checks a graph built in memory (the Chakra importer, Python) the same way;
// `deps` must already be indices.
void check_opgraph(const OpGraph& g);
// Writes `g` in format version 1 (the header, then one node per line in
// node order); read_opgraph(write_opgraph(g)) == g.
void write_opgraph(const OpGraph& g, std::ostream& out);
// One node as its JSON line object (ids for deps).
json node_json(const OpGraph& g, const GraphNode& n);
// The format's tables, for builders in other languages (Python's
// npusim.OpGraph): {"versions", "common_keys", "node_keys": {type: keys in
// written order}, "collective_algorithms": {op: algorithms, default first}}.
json opgraph_format();

}  // namespace npusim::workload
