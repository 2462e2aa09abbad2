// The strict JSON Lines reader of opgraph traces (traces/opgraph.md). It
// converts each line's JSON forms into a GraphNode and resolves deps from
// ids to indices; what values mean (ranges, matching, cycles) is checked
// once, by check_opgraph, for files and graphs built in memory alike.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <istream>
#include <limits>
#include <unordered_map>

#include "workload/opgraph.hpp"
#include "workload/opgraph_fields.hpp"

namespace npusim::workload {

namespace {

constexpr const char* kHeaderForm = "{\"format\": \"npusim.opgraph\", \"version\": 1, \"ranks\": N}";

// One line's object; reads typed values and names the key and line in errors.
class LineObject {
 public:
  LineObject(const json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}
  const std::string& where() const { return where_; }
  bool has(const char* key) const { return obj_.contains(key); }
  const json& at(const char* key) const { return obj_.at(key); }

  void require(const char* key, const std::string& form) const {
    if (!has(key)) opgraph_fail(where_, key, "missing", form);
  }
  // An integer in [lo, hi]; 4.0 reads as 4 (JSON writers emit floats), 4.5 does not.
  int64_t integer(const char* key, int64_t lo, int64_t hi, const std::string& form) const {
    require(key, form);
    const json& v = obj_.at(key);
    if (v.is_number_integer()) {
      if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(hi)) bad(key, form);
      const int64_t i = v.get<int64_t>();
      if (i < lo || i > hi) bad(key, form);
      return i;
    }
    if (!v.is_number_float()) bad(key, form);
    const double x = v.get<double>();
    if (!std::isfinite(x) || x != std::floor(x) || x < double(lo) || x > double(hi)) bad(key, form);
    return int64_t(x);
  }
  // A non-negative integral number (bytes), kept as a double.
  double count(const char* key, const std::string& form) const {
    require(key, form);
    return count_value(key, obj_.at(key), form);
  }
  double count_value(const std::string& key, const json& v, const std::string& form) const {
    const double x = v.is_number() ? v.get<double>() : -1;
    if (!std::isfinite(x) || x < 0 || x != std::floor(x)) opgraph_fail(where_, key, "got " + v.dump(), form);
    return x;
  }
  double number(const char* key, const std::string& form) const {
    require(key, form);
    const json& v = obj_.at(key);
    if (!v.is_number() || !std::isfinite(v.get<double>())) bad(key, form);
    return v.get<double>();
  }
  std::string string(const char* key, const std::string& form) const {
    require(key, form);
    if (!obj_.at(key).is_string()) bad(key, form);
    return obj_.at(key).get<std::string>();
  }
  std::vector<int64_t> int_list(const char* key, int64_t lo, int64_t hi, const std::string& form) const {
    const json& v = obj_.at(key);
    if (!v.is_array()) bad(key, form);
    std::vector<int64_t> out;
    for (const auto& e : v) {
      const json one = {{key, e}};  // the element alone, read with the key's name
      out.push_back(LineObject(one, where_).integer(key, lo, hi, form));
    }
    return out;
  }
  template <class E>
  E choice(const char* key) const {
    E e{};
    if (!enum_from_string(string(key, enum_expected_form<E>()), &e)) bad(key, enum_expected_form<E>());
    return e;
  }
  [[noreturn]] void bad(const std::string& key, const std::string& form) const {
    std::string got = obj_.at(key).dump();
    if (got.size() > 60) got = got.substr(0, 57) + "...";
    opgraph_fail(where_, key, "got " + got, form);
  }

 private:
  const json& obj_;
  std::string where_;
};

constexpr int64_t kIntMax = std::numeric_limits<int>::max();

void read_group(const LineObject& o, GraphNode& n) {
  if (!o.has("group")) return;  // empty: every rank
  for (int64_t r : o.int_list("group", 0, kIntMax, "a list of ranks")) n.group.push_back(int(r));
}

void read_comm_keys(const LineObject& o, GraphNode& n) {
  const std::string count_form = "a byte count: an integer >= 0";
  switch (n.type) {
    case NodeType::Send:
    case NodeType::Recv:
      n.bytes = o.count("bytes", count_form);
      n.peer = int(o.integer("peer", 0, kIntMax, "a rank"));
      if (o.has("tag")) n.tag = o.integer("tag", 0, std::numeric_limits<int64_t>::max(), "an integer >= 0");
      break;
    case NodeType::Collective:
      n.coll_op = o.string("op", graph_collective_ops_form());
      n.bytes = o.count("bytes", count_form);
      read_group(o, n);
      if (o.has("algo")) n.algo = o.string("algo", "an algorithm name of the op");
      if (o.has("root") && n.coll_op != "broadcast")
        opgraph_fail(o.where(), "root", "only a broadcast has a root", "no root for op " + n.coll_op);
      if (o.has("root")) n.root = int(o.integer("root", 0, kIntMax, "a rank of the group"));  // a position once the group is known
      break;
    case NodeType::AllToAllV: {
      read_group(o, n);
      o.require("send_bytes", "a list of byte counts, one per group member");
      const json& v = o.at("send_bytes");
      if (!v.is_array()) o.bad("send_bytes", "a list of byte counts, one per group member");
      for (const auto& e : v) n.send_bytes.push_back(o.count_value("send_bytes", e, "byte counts: integers >= 0"));
      break;
    }
    default: break;
  }
}

// The keys of `n`'s type; the node's common keys are read by read_node.
void read_type_keys(const LineObject& o, const json& obj, GraphNode& n, CanonicalOps& ops) {
  const std::string count_form = "a byte count: an integer >= 0";
  if (is_compute(n.type)) {
    json keys = json::object();
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const auto& common = common_node_keys();
      if (std::find(common.begin(), common.end(), it.key()) == common.end()) keys[it.key()] = it.value();
    }
    n.op = ops.get(n.type, keys, o.where());
    return;
  }
  switch (n.type) {
    case NodeType::Roofline:
      n.flops = o.number("flops", "a number >= 0 (floating-point operations)");
      n.bytes = o.count("bytes", count_form);
      n.dtype = o.has("dtype") ? o.string("dtype", "a dtype name") : "bf16";
      break;
    case NodeType::Memcpy:
      n.bytes = o.count("bytes", count_form);
      if (o.has("from")) n.from = o.choice<MemPlace>("from");
      if (o.has("to")) n.to = o.choice<MemPlace>("to");
      if (o.has("peer")) n.peer = int(o.integer("peer", 0, kIntMax, "a rank"));
      break;
    case NodeType::Delay: n.ns = o.number("ns", "a time >= 0 (ns)"); break;
    default: read_comm_keys(o, n);
  }
}

void check_keys(const LineObject& o, const json& obj, NodeType t) {
  std::vector<std::string> keys = common_node_keys();
  for (const auto& k : type_keys(t)) keys.push_back(k);
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it.value().is_null()) opgraph_fail(o.where(), it.key(), "null", "a value, or the key left out");
    if (std::find(keys.begin(), keys.end(), it.key()) != keys.end()) continue;
    std::string list;
    for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
    opgraph_fail(o.where(), it.key(), std::string("unknown key for a ") + enum_name(t) + " node", "one of " + list);
  }
}

GraphNode read_node(const json& obj, const OpGraph& g, int line, std::vector<int64_t>* dep_ids, CanonicalOps& ops) {
  const LineObject o(obj, g.source + ":" + std::to_string(line));
  GraphNode n;
  n.line = line;
  const std::string type = o.string("type", enum_expected_form<NodeType>());
  if (!enum_from_string(type, &n.type))
    opgraph_fail(o.where(), "type", "unknown type \"" + type + "\"", enum_expected_form<NodeType>());
  check_keys(o, obj, n.type);
  n.id = o.integer("id", 0, std::numeric_limits<int64_t>::max(), "an integer >= 0");
  n.rank = int(o.integer("rank", 0, kIntMax, "a rank: an integer in [0, ranks-1]"));
  if (o.has("stream")) n.stream = int(o.integer("stream", 0, kIntMax, "an integer >= 0"));
  if (o.has("name")) n.name = o.string("name", "a string");
  if (o.has("deps")) *dep_ids = o.int_list("deps", 0, std::numeric_limits<int64_t>::max(), "a list of node ids");
  read_type_keys(o, obj, n, ops);
  if (n.type == NodeType::Collective && o.has("root")) {
    // The file names the root by its rank; the graph keeps its position in the group.
    const std::vector<int> group = group_of(g, n);
    const auto it = std::find(group.begin(), group.end(), n.root);
    if (it == group.end())
      opgraph_fail(o.where(), "root", "rank " + std::to_string(n.root) + " is not in the group", "a member of the group");
    n.root = int(it - group.begin());
  }
  return n;
}

void read_header(const json& obj, OpGraph& g, int line) {
  g.header_line = line;
  const LineObject o(obj, g.source + ":" + std::to_string(line));
  if (!obj.contains("format") || obj["format"] != "npusim.opgraph")
    opgraph_fail(o.where(), "format", obj.contains("format") ? "got " + obj["format"].dump() : "missing: the first "
                 "object must be the header", kHeaderForm);
  const int64_t version = o.integer("version", 0, kIntMax, "a version number");
  const auto& known = opgraph_versions();
  if (std::find(known.begin(), known.end(), version) == known.end())
    opgraph_fail(o.where(), "version", std::to_string(version) + " is not a version this reader knows",
                 opgraph_versions_form());
  g.version = int(version);
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (it.key() != "format" && it.key() != "version" && it.key() != "ranks" && it.key() != "name" &&
        it.key() != "chips")
      opgraph_fail(o.where(), it.key(), "unknown header key", "one of format, version, ranks, name, chips");
  g.ranks = int(o.integer("ranks", 1, kMaxRanks, ranks_form()));
  if (o.has("name")) g.name = o.string("name", "a string");
  if (o.has("chips")) {
    if (!obj["chips"].is_object()) o.bad("chips", "an object {\"<first>-<last>\" or \"<rank>\": chip}");
    g.chips = obj["chips"];
  }
}

void resolve_deps(OpGraph& g, const std::vector<std::vector<int64_t>>& dep_ids) {
  std::unordered_map<int64_t, int> index;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto [it, fresh] = index.emplace(g.nodes[i].id, int(i));
    if (!fresh)
      opgraph_fail(node_where(g, g.nodes[i]), "id", std::to_string(g.nodes[i].id) + " is already the id of line " +
                   std::to_string(g.nodes[size_t(it->second)].line), "ids unique in the file");
  }
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int64_t d : dep_ids[i]) {
      const auto it = index.find(d);
      if (it == index.end())
        opgraph_fail(node_where(g, g.nodes[i]), "deps", "id " + std::to_string(d) + " is not a node of this graph",
                     "ids of nodes on rank " + std::to_string(g.nodes[i].rank));
      g.nodes[i].deps.push_back(it->second);
    }
}

bool skipped(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r");
  return first == std::string::npos || text[first] == '#';
}

}  // namespace

OpGraph parse_opgraph(std::istream& in, const std::string& source) {
  OpGraph g;
  g.source = source;
  std::vector<std::vector<int64_t>> dep_ids;
  std::string text;
  int line = 0;
  bool header = false;
  CanonicalOps ops;
  while (std::getline(in, text)) {
    ++line;
    if (skipped(text)) continue;
    const std::string where = source + ":" + std::to_string(line);
    json obj;
    try {
      obj = json::parse(text);
    } catch (const json::parse_error& e) {
      throw ConfigError(where + ": invalid JSON: " + e.what() + " (expected one JSON object per line)");
    }
    if (!obj.is_object())
      throw ConfigError(where + ": got " + obj.dump().substr(0, 60) + " (expected one JSON object per line)");
    if (!header) {
      read_header(obj, g, line);
      header = true;
      continue;
    }
    dep_ids.emplace_back();
    g.nodes.push_back(read_node(obj, g, line, &dep_ids.back(), ops));
  }
  if (!header) throw ConfigError(source + ": no header line (expected " + kHeaderForm + " first)");
  resolve_deps(g, dep_ids);
  check_opgraph(g);
  return g;
}

OpGraph read_opgraph(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open the opgraph trace (expected a readable .jsonl file)");
  return parse_opgraph(in, path);
}

}  // namespace npusim::workload
