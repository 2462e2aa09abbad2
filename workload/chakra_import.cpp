// import_chakra: Chakra ET files into the operator graph
// (workload/chakra_et.hpp; the mapping is traces/chakra.md).
#include <algorithm>
#include <filesystem>
#include <functional>
#include <queue>
#include <unordered_map>

#include "sim/errors.hpp"
#include "sim/json_files.hpp"
#include "workload/chakra_attrs.hpp"
#include "workload/chakra_et.hpp"
#include "workload/chakra_file.hpp"
#include "workload/chakra_names.hpp"

namespace npusim::workload {

namespace cn = chakra_names;
using ChakraProtoMsg::Node;

std::string chakra_rank_file(const std::string& prefix, int rank) {
  return prefix + "." + std::to_string(rank) + ".et";
}

std::string chakra_comm_group_file(const std::string& prefix) { return prefix + ".comm_group.json"; }

namespace {

// A node as read from its rank's file, before the graph is put in order.
struct ReadNode {
  GraphNode node;
  uint64_t chakra_id = 0;
  std::vector<uint64_t> deps;  // Chakra ids: data deps, then control deps, each once
  bool skipped = false;        // METADATA / INVALID: its dependants inherit its deps
  bool own = false;            // carries npusim.* (written by export_chakra)
  int64_t index = -1;          // npusim.index
};

struct RankTrace {
  std::string path;
  std::vector<ReadNode> nodes;
  std::unordered_map<uint64_t, size_t> by_id;
};

void push_unique(std::vector<uint64_t>* v, uint64_t x) {
  if (std::find(v->begin(), v->end(), x) == v->end()) v->push_back(x);
}

std::string type_name(int t) {
  const std::string s = ChakraProtoMsg::NodeType_IsValid(t) ? ChakraProtoMsg::NodeType_Name(t) : "";
  return (s.empty() ? "unknown" : s) + " (" + std::to_string(t) + ")";
}

class ChakraImporter {
 public:
  explicit ChakraImporter(std::string prefix) : prefix_(std::move(prefix)) {}
  OpGraph run();

 private:
  int count_ranks() const;
  void read_header(const ChakraFile& f, int rank);
  RankTrace read_rank(int rank);
  GraphNode own_node(const Node& c, const ChakraAttrs& a) const;
  GraphNode foreign_node(const Node& c, const ChakraAttrs& a, bool* skipped);
  GraphNode foreign_comp(const Node& c, const ChakraAttrs& a) const;
  GraphNode foreign_collective(const ChakraAttrs& a);
  GraphNode foreign_p2p(const Node& c, const ChakraAttrs& a, int rank) const;
  std::vector<int> foreign_group(const ChakraAttrs& a);
  std::vector<int> named_group(const std::string& pg, const std::string& where);
  std::vector<std::pair<int, size_t>> graph_order(const std::vector<RankTrace>& ranks) const;
  void build(std::vector<RankTrace>& ranks);

  std::string prefix_;
  OpGraph g_;
  int rank_ = 0;  // the rank being read
  json groups_;   // <prefix>.comm_group.json, read when a node names a group
};

int ChakraImporter::count_ranks() const {
  int n = 0;
  while (std::filesystem::exists(chakra_rank_file(prefix_, n))) ++n;
  if (n == 0)
    throw ConfigError(prefix_ + ": no Chakra ET files: expected " + chakra_rank_file(prefix_, 0) + ", " +
                      chakra_rank_file(prefix_, 1) + ", ... (one per rank)");
  // A gap would silently drop the ranks after it.
  if (std::filesystem::exists(chakra_rank_file(prefix_, n + 1)))
    throw ConfigError(chakra_rank_file(prefix_, n) + ": missing, but " + chakra_rank_file(prefix_, n + 1) +
                      " exists: the ranks' files must be numbered 0, 1, ... without gaps");
  return n;
}

// The opgraph header travels in every file's metadata (rank 0's is used).
void ChakraImporter::read_header(const ChakraFile& f, int rank) {
  const ChakraAttrs m(f.metadata.attr(), f.path + ": GlobalMetadata");
  const int64_t ranks = m.integer_or(cn::kRanks, g_.ranks);
  if (ranks != g_.ranks)
    throw ConfigError(f.path + ": GlobalMetadata: npusim.ranks is " + std::to_string(ranks) + " but " +
                      std::to_string(g_.ranks) + " files exist (" + chakra_rank_file(prefix_, int(g_.ranks)) +
                      " is missing or extra files are present)");
  if (m.integer_or(cn::kRank, rank) != rank)
    throw ConfigError(f.path + ": GlobalMetadata: npusim.rank is " + std::to_string(m.integer(cn::kRank)) +
                      ", not the file's rank " + std::to_string(rank));
  if (rank != 0) return;
  g_.version = int(m.integer_or(cn::kFormat, g_.version));
  g_.name = m.text_or(cn::kGraphName, "");
  if (m.has(cn::kChips)) {
    g_.chips = json::parse(m.text(cn::kChips), nullptr, false);
    if (g_.chips.is_discarded()) throw ConfigError(m.where() + ": attribute npusim.chips: not JSON");
  }
}

GraphNode ChakraImporter::own_node(const Node& c, const ChakraAttrs& a) const {
  const GraphNode d;
  GraphNode n;
  n.rank = rank_;
  n.name = c.name();
  n.type = parse_enum<NodeType>(a.text(cn::kType), a.where() + ": attribute " + cn::kType);
  n.id = a.integer(cn::kId);
  n.stream = int(a.integer_or(cn::kStream, d.stream));
  if (a.has(cn::kOp)) {
    n.op = json::parse(a.text(cn::kOp), nullptr, false);
    if (!n.op.is_object()) throw ConfigError(a.where() + ": attribute npusim.op: expected a JSON object");
  }
  n.flops = a.number_or(cn::kFlops, d.flops);
  n.dtype = a.text_or(cn::kDtype, d.dtype);
  n.bytes = a.number_or(cn::kBytes, d.bytes);
  n.from = parse_enum<MemPlace>(a.text_or(cn::kFrom, to_string(d.from)), a.where() + ": attribute " + cn::kFrom);
  n.to = parse_enum<MemPlace>(a.text_or(cn::kTo, to_string(d.to)), a.where() + ": attribute " + cn::kTo);
  n.peer = int(a.integer_or(cn::kPeer, d.peer));
  n.tag = a.integer_or(cn::kTag, d.tag);
  n.coll_op = a.text_or(cn::kCollOp, d.coll_op);
  n.algo = a.text_or(cn::kAlgo, d.algo);
  if (a.has(cn::kGroup))
    for (int64_t r : a.integers(cn::kGroup)) n.group.push_back(int(r));
  n.root = int(a.integer_or(cn::kRoot, d.root));
  if (a.has(cn::kSendBytes)) n.send_bytes = a.numbers(cn::kSendBytes);
  n.ns = a.number_or(cn::kNs, d.ns);
  return n;
}

// ASTRA-sim replays a CPU op, or a node without num_ops, for its recorded
// duration; a GPU op with num_ops runs on its roofline.
GraphNode ChakraImporter::foreign_comp(const Node& c, const ChakraAttrs& a) const {
  GraphNode n;
  const bool cpu = a.flag_or("is_cpu_op", false);
  if (cpu || !a.has("num_ops")) {
    n.type = NodeType::Delay;
    n.ns = double(c.duration_micros()) * 1000.0;
    n.stream = cpu ? cn::kCpuStream : cn::kComputeStream;
    return n;
  }
  n.type = NodeType::Roofline;
  n.flops = a.number("num_ops");
  n.bytes = a.number("tensor_size");
  n.dtype = a.text_or(cn::kDtype, "bf16");
  n.stream = cn::kComputeStream;
  return n;
}

std::vector<int> ChakraImporter::named_group(const std::string& pg, const std::string& where) {
  const std::string path = chakra_comm_group_file(prefix_);
  if (groups_.is_null()) {
    if (!std::filesystem::exists(path))
      throw ConfigError(where + ": pg_name '" + pg + "' names a communicator group, but " + path +
                        " (ASTRA-sim's comm group file: {\"<pg_name>\": [ranks...]}) does not exist");
    groups_ = read_json_file(path, "comm group", "an object of rank lists");
  }
  if (!groups_.is_object() || !groups_.contains(pg) || !groups_[pg].is_array())
    throw ConfigError(where + ": pg_name '" + pg + "': " + path + " has no rank list \"" + pg + "\"");
  std::vector<int> group;
  for (const auto& r : groups_[pg]) {
    if (!r.is_number_integer() || r.get<int64_t>() < 0 || r.get<int64_t>() >= g_.ranks)
      throw ConfigError(path + ": \"" + pg + "\": expected ranks in [0, " + std::to_string(g_.ranks) + "), got " +
                        r.dump());
    group.push_back(r.get<int>());
  }
  return group;
}

// pg_name picks a group from the comm group file ("" and "0": all ranks, as
// in ASTRA-sim, returned as the empty group). involved_dim selects dimensions of ASTRA-sim's network
// topology, which the trace does not size: all true is all ranks, anything
// else cannot be placed without a group.
std::vector<int> ChakraImporter::foreign_group(const ChakraAttrs& a) {
  std::string pg;
  if (a.has("pg_name"))
    pg = a.find("pg_name")->value_case() == ChakraProtoMsg::AttributeProto::kStringVal
             ? a.text("pg_name") : std::to_string(a.integer("pg_name"));
  if (!pg.empty() && pg != "0") return named_group(pg, a.where());
  if (a.has("involved_dim")) {
    const auto dims = a.flags("involved_dim");
    if (std::find(dims.begin(), dims.end(), false) != dims.end())
      throw ConfigError(a.where() + ": involved_dim leaves out some of ASTRA-sim's network dimensions, which the "
                        "trace does not size; name the group with pg_name and " + chakra_comm_group_file(prefix_));
  }
  return {};  // every rank, in order (opgraph.hpp)
}

GraphNode ChakraImporter::foreign_collective(const ChakraAttrs& a) {
  const int64_t t = a.integer("comm_type");
  const std::string op = ChakraProtoMsg::CollectiveCommType_IsValid(int(t))
                             ? cn::collective_op(ChakraProtoMsg::CollectiveCommType(t)) : "";
  if (op.empty()) {
    const std::string name = ChakraProtoMsg::CollectiveCommType_IsValid(int(t))
                                 ? ChakraProtoMsg::CollectiveCommType_Name(ChakraProtoMsg::CollectiveCommType(t))
                                 : "unknown";
    throw ConfigError(a.where() + ": comm_type " + std::to_string(t) + " (" + name + ") is not supported; " +
                      "npusim runs ALL_REDUCE, ALL_GATHER, REDUCE_SCATTER, ALL_TO_ALL and BROADCAST");
  }
  GraphNode n;
  n.type = NodeType::Collective;
  n.coll_op = op;
  n.group = foreign_group(a);
  // ASTRA-sim's all-gather size is one rank's part; ours the gathered output.
  const double members = double(n.group.empty() ? g_.ranks : int(n.group.size()));
  n.bytes = a.number("comm_size") * (op == "allgather" ? members : 1.0);
  n.stream = cn::kCommStream;
  return n;
}

GraphNode ChakraImporter::foreign_p2p(const Node& c, const ChakraAttrs& a, int rank) const {
  const bool send = c.type() == ChakraProtoMsg::COMM_SEND_NODE;
  const char* self = send ? "comm_src" : "comm_dst";
  const char* other = send ? "comm_dst" : "comm_src";
  if (a.integer_or(self, rank) != rank)
    throw ConfigError(a.where() + ": " + self + " is " + std::to_string(a.integer(self)) + " but the node is in rank " +
                      std::to_string(rank) + "'s file");
  GraphNode n;
  n.type = send ? NodeType::Send : NodeType::Recv;
  const int64_t peer = a.integer(other);
  if (peer < 0 || peer >= g_.ranks)
    throw ConfigError(a.where() + ": " + other + " " + std::to_string(peer) + " is not a rank of the trace (0.." +
                      std::to_string(g_.ranks - 1) + ")");
  n.peer = int(peer);
  n.bytes = a.number("comm_size");
  n.tag = a.integer_or("comm_tag", 0);
  n.stream = cn::kCommStream;
  return n;
}

GraphNode ChakraImporter::foreign_node(const Node& c, const ChakraAttrs& a, bool* skipped) {
  GraphNode n;
  *skipped = false;
  switch (c.type()) {
    case ChakraProtoMsg::METADATA_NODE:
    case ChakraProtoMsg::INVALID_NODE: *skipped = true; break;
    case ChakraProtoMsg::COMP_NODE: n = foreign_comp(c, a); break;
    case ChakraProtoMsg::COMM_COLL_NODE: n = foreign_collective(a); break;
    case ChakraProtoMsg::COMM_SEND_NODE:
    case ChakraProtoMsg::COMM_RECV_NODE: n = foreign_p2p(c, a, rank_); break;
    case ChakraProtoMsg::MEM_LOAD_NODE:
    case ChakraProtoMsg::MEM_STORE_NODE: {
      // ASTRA-sim's remote-memory access: host memory <-> this NPU's HBM.
      const bool load = c.type() == ChakraProtoMsg::MEM_LOAD_NODE;
      n.type = NodeType::Memcpy;
      n.from = load ? MemPlace::Host : MemPlace::Hbm;
      n.to = load ? MemPlace::Hbm : MemPlace::Host;
      n.bytes = a.number("tensor_size");
      n.stream = cn::kMemStream;
      break;
    }
    default:
      throw ConfigError(a.where() + ": node type " + type_name(int(c.type())) +
                        " is not supported; npusim imports COMP, COMM_COLL, COMM_SEND, COMM_RECV, MEM_LOAD and "
                        "MEM_STORE nodes (METADATA and INVALID nodes are skipped)");
  }
  n.rank = rank_;
  n.name = c.name();
  return n;
}

RankTrace ChakraImporter::read_rank(int rank) {
  rank_ = rank;
  const ChakraFile f = read_chakra_file(chakra_rank_file(prefix_, rank));
  read_header(f, rank);
  RankTrace t;
  t.path = f.path;
  for (const Node& c : f.nodes) {
    const ChakraAttrs a(c.attr(), f.path + ": node " + std::to_string(c.id()));
    if (!t.by_id.emplace(c.id(), t.nodes.size()).second)
      throw ConfigError(a.where() + ": a second node with this id");
    ReadNode r;
    r.chakra_id = c.id();
    r.own = a.has(cn::kType);
    r.node = r.own ? own_node(c, a) : foreign_node(c, a, &r.skipped);
    r.index = r.own ? a.integer_or(cn::kIndex, -1) : -1;
    for (uint64_t d : c.data_deps()) push_unique(&r.deps, d);
    for (uint64_t d : c.ctrl_deps()) push_unique(&r.deps, d);
    t.nodes.push_back(std::move(r));
  }
  for (const ReadNode& r : t.nodes)
    for (uint64_t d : r.deps)
      if (!t.by_id.count(d))
        throw ConfigError(t.path + ": node " + std::to_string(r.chakra_id) + ": dependency " + std::to_string(d) +
                          " names no node of this file");
  return t;
}

// Dependencies on skipped nodes become dependencies on what they depended on.
void bridge_skipped(RankTrace& t) {
  std::vector<int> state(t.nodes.size(), 0);  // 0 unvisited, 1 on the path, 2 done
  std::function<void(size_t)> resolve = [&](size_t i) {
    if (state[i] == 2) return;
    if (state[i] == 1)
      throw ConfigError(t.path + ": node " + std::to_string(t.nodes[i].chakra_id) + ": dependency cycle");
    state[i] = 1;
    std::vector<uint64_t> out;
    for (uint64_t d : t.nodes[i].deps) {
      const size_t j = t.by_id.at(d);
      if (!t.nodes[j].skipped) {
        push_unique(&out, d);
        continue;
      }
      resolve(j);
      for (uint64_t e : t.nodes[j].deps) push_unique(&out, e);
    }
    t.nodes[i].deps = std::move(out);
    state[i] = 2;
  };
  for (size_t i = 0; i < t.nodes.size(); ++i)
    if (t.nodes[i].skipped) resolve(i);
  for (size_t i = 0; i < t.nodes.size(); ++i) resolve(i);
}

// Dependencies first, ties in file order (ASTRA-sim issues ready nodes
// lowest id first; a file is usually written in id order).
std::vector<size_t> topological(const RankTrace& t) {
  std::vector<int> waiting(t.nodes.size(), 0);
  std::vector<std::vector<size_t>> users(t.nodes.size());
  for (size_t i = 0; i < t.nodes.size(); ++i)
    for (uint64_t d : t.nodes[i].skipped ? std::vector<uint64_t>() : t.nodes[i].deps) {
      ++waiting[i];
      users[t.by_id.at(d)].push_back(i);
    }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t i = 0; i < t.nodes.size(); ++i)
    if (!waiting[i] && !t.nodes[i].skipped) ready.push(i);
  std::vector<size_t> order;
  while (!ready.empty()) {
    const size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (size_t u : users[i])
      if (--waiting[u] == 0) ready.push(u);
  }
  std::string stuck;
  for (size_t i = 0; i < t.nodes.size(); ++i)
    if (waiting[i] > 0) stuck += (stuck.empty() ? "" : ", ") + std::to_string(t.nodes[i].chakra_id);
  if (!stuck.empty()) throw ConfigError(t.path + ": dependency cycle among nodes " + stuck);
  return order;
}

// Our own traces come back in their original node order (npusim.index);
// any other: rank by rank, each in dependency order.
std::vector<std::pair<int, size_t>> ChakraImporter::graph_order(const std::vector<RankTrace>& ranks) const {
  std::vector<std::pair<int, size_t>> order;
  bool indexed = true;
  for (int r = 0; r < int(ranks.size()); ++r)
    for (size_t i = 0; i < ranks[r].nodes.size(); ++i) {
      indexed = indexed && ranks[r].nodes[i].index >= 0;
      if (!ranks[r].nodes[i].skipped) order.emplace_back(r, i);
    }
  if (indexed) {
    std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      return ranks[a.first].nodes[a.second].index < ranks[b.first].nodes[b.second].index;
    });
    return order;
  }
  order.clear();
  for (int r = 0; r < int(ranks.size()); ++r)
    for (size_t i : topological(ranks[r])) order.emplace_back(r, i);
  return order;
}

void ChakraImporter::build(std::vector<RankTrace>& ranks) {
  const auto order = graph_order(ranks);
  int64_t next_id = 0;  // foreign nodes are numbered after our own ids
  for (const auto& [r, i] : order)
    if (ranks[r].nodes[i].own) next_id = std::max(next_id, ranks[r].nodes[i].node.id + 1);
  std::vector<std::unordered_map<uint64_t, int>> index(ranks.size());
  g_.nodes.reserve(order.size());
  for (const auto& [r, i] : order) {
    ReadNode& n = ranks[r].nodes[i];
    if (!n.own) n.node.id = next_id++;
    index[r][n.chakra_id] = int(g_.nodes.size());
    g_.nodes.push_back(std::move(n.node));
  }
  for (size_t k = 0; k < order.size(); ++k) {
    const auto& [r, i] = order[k];
    for (uint64_t d : ranks[r].nodes[i].deps) g_.nodes[k].deps.push_back(index[r].at(d));
  }
}

OpGraph ChakraImporter::run() {
  g_.ranks = count_ranks();
  g_.source = prefix_;
  std::vector<RankTrace> ranks;
  for (int r = 0; r < g_.ranks; ++r) {
    ranks.push_back(read_rank(r));
    bridge_skipped(ranks.back());
  }
  build(ranks);
  check_opgraph(g_);
  return std::move(g_);
}

}  // namespace

OpGraph import_chakra(const std::string& prefix) { return ChakraImporter(prefix).run(); }

}  // namespace npusim::workload
