// The keys of an opgraph node, per type, declared once for the reader, the
// checker and the writer (traces/opgraph.md): which keys a type takes, the
// compute types' keys (the op job's, models/op_job.hpp) in canonical form,
// and the one error form "<where>: <field>: <problem> (expected <form>)".
#pragma once
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "workload/opgraph.hpp"

namespace npusim::workload {

// "<file>:<line>" of a node (or "<source>: node id <id>" for a node built in
// memory), the prefix of every error about it.
std::string node_where(const OpGraph& g, const GraphNode& n);
std::string header_where(const OpGraph& g);

[[noreturn]] void opgraph_fail(const std::string& where, const std::string& field, const std::string& problem,
                               const std::string& expected);

// The format versions this reader knows, and "one of: 1" for errors.
const std::vector<int>& opgraph_versions();
std::string opgraph_versions_form();

// Ranks a graph may have: above the largest system preset (524,288 NPUs).
constexpr int kMaxRanks = 1 << 22;
std::string ranks_form();  // "an integer in [1, 4194304]"

// Keys every node takes, then the keys of `t`, in the order the writer
// writes them.
const std::vector<std::string>& common_node_keys();
std::vector<std::string> type_keys(NodeType t);

// The collective ops a node can name (a subset of noc::collective_ops():
// the MoE ones take routing parameters a node does not carry).
const std::vector<std::string>& graph_collective_ops();
std::string graph_collective_ops_form();

// A compute node's op job keys in canonical form: {"op": <type>, every key
// of job.op that applies to the type (defaults filled, kv_heads = heads when
// absent)}. `keys` holds the node's type keys only. Checked with
// OpJob::schema(): unknown, missing or bad keys are ConfigErrors at `where`.
json canonical_op(NodeType t, const json& keys, const std::string& where);
// canonical_op memoized: graphs repeat a few shapes over many layers and
// ranks, and checking one through the schema costs far more than a lookup.
class CanonicalOps {
 public:
  const json& get(NodeType t, const json& keys, const std::string& where);

 private:
  std::unordered_map<std::string, json> done_;
};

// The keys of a canonical op the writer writes: those not at their default,
// shapes in job.op's declaration order, then dtype.
std::vector<std::pair<std::string, json>> op_keys_to_write(const json& op);

// The dtypes a roofline node may name (the op job's).
const std::vector<std::string>& roofline_dtypes();

// "[0-3, 8, 10-11]": a group in errors, consecutive ranks as ranges.
std::string group_text(const std::vector<int>& group);

// A collective's ranks: its group, or every rank in order when the group is
// empty (the default: a file without `group`).
std::vector<int> group_of(const OpGraph& g, const GraphNode& n);

}  // namespace npusim::workload
