#include "workload/opgraph_fields.hpp"

#include <algorithm>

#include "models/op_job.hpp"
#include "noc/collective_params.hpp"
#include "npu/kernels/kernel_plan.hpp"

namespace npusim::workload {

namespace {

// job.op keys a node never carries: the job's own (the type is the op; the
// chip and fidelity come from the replay, per rank).
bool job_only_key(const std::string& k) {
  static const std::vector<std::string> skip = {"kind", "name", "chip", "fidelity", "timeline", "watchdog_us", "op"};
  return std::find(skip.begin(), skip.end(), k) != skip.end();
}

bool applies_to(const ParamInfo& p, const std::string& op) {
  if (p.when_key.empty()) return true;
  return std::find(p.when_values.begin(), p.when_values.end(), op) != p.when_values.end();
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

std::string node_where(const OpGraph& g, const GraphNode& n) {
  const std::string src = g.source.empty() ? "opgraph" : g.source;
  return n.line > 0 ? src + ":" + std::to_string(n.line) : src + ": node id " + std::to_string(n.id);
}

std::string header_where(const OpGraph& g) {
  const std::string src = g.source.empty() ? "opgraph" : g.source;
  return g.header_line > 0 ? src + ":" + std::to_string(g.header_line) : src + ": header";
}

void opgraph_fail(const std::string& where, const std::string& field, const std::string& problem,
                  const std::string& expected) {
  throw ConfigError(where + ": " + field + ": " + problem + " (expected " + expected + ")");
}

const std::vector<int>& opgraph_versions() {
  static const std::vector<int> v = {1};
  return v;
}

std::string opgraph_versions_form() {
  std::string s;
  for (int v : opgraph_versions()) s += (s.empty() ? "" : ", ") + std::to_string(v);
  return "one of: " + s;
}

std::string ranks_form() { return "an integer in [1, " + std::to_string(kMaxRanks) + "]"; }

const std::vector<std::string>& common_node_keys() {
  static const std::vector<std::string> keys = {"id", "rank", "type", "name", "stream", "deps"};
  return keys;
}

std::vector<std::string> type_keys(NodeType t) {
  if (is_compute(t)) {
    std::vector<std::string> keys;
    for (const auto& f : OpJob::schema().fields())
      if (!job_only_key(f.info.name) && f.info.name != "dtype" && applies_to(f.info, enum_name(t)))
        keys.push_back(f.info.name);
    keys.push_back("dtype");  // last, as the writer writes it
    return keys;
  }
  switch (t) {
    case NodeType::Roofline: return {"flops", "bytes", "dtype"};
    case NodeType::Memcpy: return {"bytes", "from", "to", "peer"};
    case NodeType::Send:
    case NodeType::Recv: return {"peer", "bytes", "tag"};
    case NodeType::Collective: return {"op", "group", "bytes", "algo", "root"};
    case NodeType::AllToAllV: return {"group", "send_bytes"};
    case NodeType::Delay: return {"ns"};
    default: return {};
  }
}

const std::vector<std::string>& graph_collective_ops() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> v;
    for (const char* op : {"allreduce", "allgather", "reducescatter", "alltoall", "broadcast"}) {
      const auto& known = noc::collective_ops();
      if (std::find(known.begin(), known.end(), op) != known.end()) v.push_back(op);
    }
    return v;
  }();
  return ops;
}

std::string graph_collective_ops_form() { return "one of " + joined(graph_collective_ops()); }

json canonical_op(NodeType t, const json& keys, const std::string& where) {
  const Schema& schema = OpJob::schema();
  const std::string op = enum_name(t);
  const std::vector<std::string> allowed = type_keys(t);
  json job = json::object();
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
      opgraph_fail(where, it.key(), "not a key of a " + op + " node", "one of " + joined(allowed));
    job[it.key()] = it.value();
  }
  job["kind"] = "op";
  job["op"] = op;
  job["chip"] = "any";  // resolved per rank by the executor; only its form is read here
  OpJob spec;
  try {
    spec = from_json<OpJob>(job, "");
    schema.check_applicable(job, "");
  } catch (const ConfigError& e) {
    throw ConfigError(where + ": " + e.what());
  }
  if (t == NodeType::Attention && spec.kv_heads == 0) spec.kv_heads = spec.heads;
  if (t == NodeType::Attention && spec.heads % spec.kv_heads != 0)
    opgraph_fail(where, "kv_heads", std::to_string(spec.kv_heads) + " does not divide heads " +
                 std::to_string(spec.heads), "a divisor of heads");
  json out = {{"op", op}};
  for (const auto& f : schema.fields())
    if (!job_only_key(f.info.name) && applies_to(f.info, op)) out[f.info.name] = f.write(&spec);
  return out;
}

const json& CanonicalOps::get(NodeType t, const json& keys, const std::string& where) {
  const std::string key = std::string(enum_name(t)) + keys.dump();
  const auto it = done_.find(key);
  if (it != done_.end()) return it->second;
  return done_.emplace(key, canonical_op(t, keys, where)).first->second;
}

std::vector<std::pair<std::string, json>> op_keys_to_write(const json& op) {
  std::vector<std::pair<std::string, json>> out;
  // Shapes in declaration order, then the dtype: a line reads as "what, then in which format".
  std::vector<const Schema::Field*> fields;
  for (const auto& f : OpJob::schema().fields())
    if (f.info.name != "dtype") fields.push_back(&f);
  fields.push_back(OpJob::schema().find("dtype"));
  for (const Schema::Field* f : fields) {
    const auto it = op.find(f->info.name);
    if (job_only_key(f->info.name) || it == op.end()) continue;
    if (!f->info.default_value.is_null() && *it == f->info.default_value) continue;
    if (f->info.name == "kv_heads" && op.contains("heads") && *it == op["heads"]) continue;
    out.emplace_back(f->info.name, *it);
  }
  return out;
}

const std::vector<std::string>& roofline_dtypes() {
  static const std::vector<std::string> v = npu::op_dtype_names();
  return v;
}

json opgraph_format() {
  json keys = json::object(), algos = json::object();
  for (const auto& n : enum_names<NodeType>()) keys[n.name] = type_keys(n.value);
  for (const auto& op : graph_collective_ops()) algos[op] = noc::collective_algorithms(op);
  return {{"versions", opgraph_versions()}, {"common_keys", common_node_keys()}, {"node_keys", keys},
          {"collective_algorithms", algos}};
}

std::string group_text(const std::vector<int>& group) {
  std::string s;
  for (size_t i = 0; i < group.size();) {
    size_t j = i;
    while (j + 1 < group.size() && group[j + 1] == group[j] + 1) ++j;
    s += (s.empty() ? "" : ", ") + std::to_string(group[i]) + (j > i ? "-" + std::to_string(group[j]) : "");
    i = j + 1;
  }
  return "[" + s + "]";
}

std::vector<int> group_of(const OpGraph& g, const GraphNode& n) {
  if (!n.group.empty()) return n.group;
  std::vector<int> v(size_t(std::max(g.ranks, 0)));
  for (int r = 0; r < g.ranks; ++r) v[size_t(r)] = r;
  return v;
}

}  // namespace npusim::workload
