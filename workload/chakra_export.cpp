// export_chakra: the operator graph as Chakra ET files (workload/chakra_et.hpp).
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>

#include "sim/errors.hpp"
#include "sim/json_files.hpp"
#include "workload/chakra_attrs.hpp"
#include "workload/chakra_et.hpp"
#include "workload/chakra_file.hpp"
#include "workload/chakra_names.hpp"
#include "workload/op_cost.hpp"

namespace npusim::workload {

namespace cn = chakra_names;
using ChakraProtoMsg::Node;

namespace {

// Chakra's sizes are whole bytes; the exact value travels in npusim.*.
uint64_t whole(double v) { return v > 0 ? uint64_t(std::llround(v)) : 0; }

bool is_all_ranks(const OpGraph& g, const std::vector<int>& group) {
  if (group.empty()) return true;
  if (int(group.size()) != g.ranks) return false;
  for (int i = 0; i < g.ranks; ++i)
    if (group[i] != i) return false;
  return true;
}

// Communicator groups other than "all ranks", numbered from 1 in order of
// first use (ASTRA-sim reserves "0" and "" for all ranks).
std::map<std::vector<int>, int> comm_groups(const OpGraph& g) {
  std::map<std::vector<int>, int> ids;
  for (const auto& n : g.nodes)
    if ((n.type == NodeType::Collective || n.type == NodeType::AllToAllV) && !is_all_ranks(g, n.group))
      ids.emplace(n.group, int(ids.size()) + 1);
  return ids;
}

// Every field that differs from a default-built GraphNode, exactly.
void add_exact_fields(const GraphNode& n, size_t index, ChakraAttrList* a) {
  const GraphNode d;
  add_string_attr(a, cn::kType, to_string(n.type));
  add_int_attr(a, cn::kIndex, int64_t(index));
  add_int_attr(a, cn::kId, n.id);
  if (n.stream != d.stream) add_int_attr(a, cn::kStream, n.stream);
  if (!n.op.is_null()) add_string_attr(a, cn::kOp, n.op.dump());
  if (n.flops != d.flops) add_double_attr(a, cn::kFlops, n.flops);
  if (!n.dtype.empty()) add_string_attr(a, cn::kDtype, n.dtype);
  if (n.bytes != d.bytes) add_double_attr(a, cn::kBytes, n.bytes);
  if (n.from != d.from) add_string_attr(a, cn::kFrom, to_string(n.from));
  if (n.to != d.to) add_string_attr(a, cn::kTo, to_string(n.to));
  if (n.peer != d.peer) add_int_attr(a, cn::kPeer, n.peer);
  if (n.tag != d.tag) add_int_attr(a, cn::kTag, n.tag);
  if (!n.coll_op.empty()) add_string_attr(a, cn::kCollOp, n.coll_op);
  if (!n.algo.empty()) add_string_attr(a, cn::kAlgo, n.algo);
  if (!n.group.empty()) add_int_list_attr(a, cn::kGroup, std::vector<int64_t>(n.group.begin(), n.group.end()));
  if (n.root != d.root) add_int_attr(a, cn::kRoot, n.root);
  if (!n.send_bytes.empty()) add_double_list_attr(a, cn::kSendBytes, n.send_bytes);
  if (n.ns != d.ns) add_double_attr(a, cn::kNs, n.ns);
}

ChakraProtoMsg::CollectiveCommType comm_type_of(const GraphNode& n, const std::string& where) {
  if (n.type == NodeType::AllToAllV) return ChakraProtoMsg::ALL_TO_ALL;
  if (n.coll_op == "allreduce") return ChakraProtoMsg::ALL_REDUCE;
  if (n.coll_op == "allgather") return ChakraProtoMsg::ALL_GATHER;
  if (n.coll_op == "reducescatter") return ChakraProtoMsg::REDUCE_SCATTER;
  if (n.coll_op == "broadcast") return ChakraProtoMsg::BROADCAST;
  // MoE dispatch/combine are all-to-all-v patterns: the nearest Chakra type.
  if (n.coll_op == "alltoall" || n.coll_op == "moe_dispatch" || n.coll_op == "moe_combine")
    return ChakraProtoMsg::ALL_TO_ALL;
  throw ConfigError(where + ": collective op '" + n.coll_op + "' has no Chakra comm_type");
}

void add_collective(const OpGraph& g, const GraphNode& n, const std::map<std::vector<int>, int>& pgs,
                    const std::string& where, Node* c) {
  c->set_type(ChakraProtoMsg::COMM_COLL_NODE);
  const auto type = comm_type_of(n, where);
  add_int_attr(c->mutable_attr(), "comm_type", type);
  const double ranks = double(n.group.empty() ? g.ranks : int(n.group.size()));
  // ASTRA-sim's all-gather size is one rank's contribution; ours the gathered output.
  double size = type == ChakraProtoMsg::ALL_GATHER ? n.bytes / ranks : n.bytes;
  if (n.type == NodeType::AllToAllV) size = std::accumulate(n.send_bytes.begin(), n.send_bytes.end(), 0.0);
  add_uint_attr(c->mutable_attr(), "comm_size", whole(size));
  if (!is_all_ranks(g, n.group)) add_string_attr(c->mutable_attr(), "pg_name", std::to_string(pgs.at(n.group)));
}

// The Chakra type and the attributes ASTRA-sim reads.
void add_chakra_fields(const OpGraph& g, const GraphNode& n, const std::map<std::vector<int>, int>& pgs,
                       const std::string& where, Node* c) {
  auto* a = c->mutable_attr();
  switch (n.type) {
    case NodeType::Matmul:
    case NodeType::Attention:
    case NodeType::Elementwise: {
      const OpCost cost = compute_op_cost(n.op, where + ": op");
      c->set_type(ChakraProtoMsg::COMP_NODE);
      add_uint_attr(a, "num_ops", whole(cost.flops));
      add_uint_attr(a, "tensor_size", whole(cost.bytes));
      break;
    }
    case NodeType::Roofline:
      c->set_type(ChakraProtoMsg::COMP_NODE);
      add_uint_attr(a, "num_ops", whole(n.flops));
      add_uint_attr(a, "tensor_size", whole(n.bytes));
      break;
    case NodeType::Delay:
      // A host-side wait: ASTRA-sim replays CPU ops for their duration in
      // every mode (a GPU op without num_ops would fail its roofline).
      c->set_type(ChakraProtoMsg::COMP_NODE);
      c->set_duration_micros(whole(n.ns / 1000.0));
      add_bool_attr(a, "is_cpu_op", true);
      break;
    case NodeType::Memcpy:
      c->set_type(n.to == MemPlace::Hbm ? ChakraProtoMsg::MEM_LOAD_NODE : ChakraProtoMsg::MEM_STORE_NODE);
      add_uint_attr(a, "tensor_size", whole(n.bytes));
      break;
    case NodeType::Send:
    case NodeType::Recv: {
      const bool send = n.type == NodeType::Send;
      c->set_type(send ? ChakraProtoMsg::COMM_SEND_NODE : ChakraProtoMsg::COMM_RECV_NODE);
      add_int_attr(a, "comm_src", send ? n.rank : n.peer);
      add_int_attr(a, "comm_dst", send ? n.peer : n.rank);
      add_uint_attr(a, "comm_size", whole(n.bytes));
      add_int_attr(a, "comm_tag", n.tag);
      break;
    }
    case NodeType::Collective:
    case NodeType::AllToAllV: add_collective(g, n, pgs, where, c); break;
  }
}

ChakraProtoMsg::GlobalMetadata metadata(const OpGraph& g, int rank) {
  ChakraProtoMsg::GlobalMetadata m;
  m.set_version(cn::kSchemaVersion);
  add_int_attr(m.mutable_attr(), cn::kFormat, g.version);
  add_int_attr(m.mutable_attr(), cn::kRanks, g.ranks);
  add_int_attr(m.mutable_attr(), cn::kRank, rank);
  if (!g.name.empty()) add_string_attr(m.mutable_attr(), cn::kGraphName, g.name);
  if (!g.chips.is_null()) add_string_attr(m.mutable_attr(), cn::kChips, g.chips.dump());
  return m;
}

void write_comm_groups(const std::map<std::vector<int>, int>& pgs, const std::string& prefix) {
  const std::string path = chakra_comm_group_file(prefix);
  std::error_code ec;
  if (pgs.empty()) {
    std::filesystem::remove(path, ec);  // a stale file from an earlier export would mislead
    return;
  }
  json j = json::object();
  for (const auto& [group, id] : pgs) j[std::to_string(id)] = group;
  write_json_file(path, j);
}

}  // namespace

void export_chakra(const OpGraph& g, const std::string& prefix) {
  std::vector<ChakraFile> files(size_t(std::max(g.ranks, 0)));
  for (int r = 0; r < g.ranks; ++r) {
    files[r].path = chakra_rank_file(prefix, r);
    files[r].metadata = metadata(g, r);
  }
  // Chakra ids count per rank file from 0, in graph order.
  std::vector<uint64_t> local_id(g.nodes.size());
  std::vector<uint64_t> count(files.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const int r = g.nodes[i].rank;
    if (r < 0 || r >= g.ranks)
      throw ConfigError("node " + std::to_string(g.nodes[i].id) + ": rank " + std::to_string(r) +
                        " outside the graph's " + std::to_string(g.ranks) + " ranks");
    local_id[i] = count[r]++;
  }
  const auto pgs = comm_groups(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& n = g.nodes[i];
    const std::string where = "node " + std::to_string(n.id);
    Node& c = files[n.rank].nodes.emplace_back();
    c.set_id(local_id[i]);
    c.set_name(n.name);
    for (int d : n.deps) {
      if (d < 0 || size_t(d) >= g.nodes.size() || g.nodes[d].rank != n.rank)
        throw ConfigError(where + ": dependency index " + std::to_string(d) + " is not a node of rank " +
                          std::to_string(n.rank));
      c.add_data_deps(local_id[d]);
    }
    add_chakra_fields(g, n, pgs, where, &c);
    add_exact_fields(n, i, c.mutable_attr());
  }
  for (const auto& f : files) write_chakra_file(f);
  write_comm_groups(pgs, prefix);
}

}  // namespace npusim::workload
