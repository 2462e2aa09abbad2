// The opgraph writer: the reader's inverse. It writes the canonical form
// (traces/opgraph.md): keys in a fixed order, keys at their default left
// out, so a file in canonical form reads and writes back byte for byte.
#include <cmath>
#include <ostream>

#include "workload/opgraph.hpp"
#include "workload/opgraph_fields.hpp"

namespace npusim::workload {

namespace {

// Integral values as JSON integers (byte counts, flops, ns), others as they are.
template <class J>
J number(double x) {
  if (x == std::floor(x) && std::fabs(x) < 9.2e18) return J(int64_t(x));
  return J(x);
}

template <class J>
void put_group(J& o, const GraphNode& n) {
  if (!n.group.empty()) o["group"] = n.group;  // empty: every rank, the default
}

template <class J>
void put_type_keys(J& o, const OpGraph& g, const GraphNode& n) {
  if (is_compute(n.type)) {
    for (const auto& [k, v] : op_keys_to_write(n.op)) o[k] = J::parse(v.dump());
    return;
  }
  switch (n.type) {
    case NodeType::Roofline:
      o["flops"] = number<J>(n.flops);
      o["bytes"] = number<J>(n.bytes);
      if (n.dtype != "bf16") o["dtype"] = n.dtype;
      break;
    case NodeType::Memcpy:
      o["bytes"] = number<J>(n.bytes);
      if (n.from != MemPlace::Hbm) o["from"] = enum_name(n.from);
      if (n.to != MemPlace::Hbm) o["to"] = enum_name(n.to);
      if (n.peer >= 0) o["peer"] = n.peer;
      break;
    case NodeType::Send:
    case NodeType::Recv:
      o["peer"] = n.peer;
      o["bytes"] = number<J>(n.bytes);
      if (n.tag != 0) o["tag"] = n.tag;
      break;
    case NodeType::Collective:
      o["op"] = n.coll_op;
      put_group(o, n);
      o["bytes"] = number<J>(n.bytes);
      if (!n.algo.empty()) o["algo"] = n.algo;
      if (n.coll_op == "broadcast" && n.root != 0) o["root"] = group_of(g, n).at(size_t(n.root));  // the file names a rank
      break;
    case NodeType::AllToAllV: {
      put_group(o, n);
      J counts = J::array();
      for (double b : n.send_bytes) counts.push_back(number<J>(b));
      o["send_bytes"] = counts;
      break;
    }
    case NodeType::Delay: o["ns"] = number<J>(n.ns); break;
    default: break;
  }
}

template <class J>
J node_object(const OpGraph& g, const GraphNode& n) {
  J o = J::object();
  o["id"] = n.id;
  o["rank"] = n.rank;
  o["type"] = enum_name(n.type);
  if (!n.name.empty()) o["name"] = n.name;
  if (n.stream != 0) o["stream"] = n.stream;
  if (!n.deps.empty()) {
    J deps = J::array();
    for (int d : n.deps) deps.push_back(g.nodes.at(size_t(d)).id);
    o["deps"] = deps;
  }
  put_type_keys(o, g, n);
  return o;
}

}  // namespace

json node_json(const OpGraph& g, const GraphNode& n) { return node_object<json>(g, n); }

void write_opgraph(const OpGraph& g, std::ostream& out) {
  using ojson = nlohmann::ordered_json;
  ojson header = {{"format", "npusim.opgraph"}, {"version", g.version}, {"ranks", g.ranks}};
  if (!g.name.empty()) header["name"] = g.name;
  if (!g.chips.is_null()) header["chips"] = ojson::parse(g.chips.dump());
  out << header.dump() << '\n';
  for (const auto& n : g.nodes) out << node_object<ojson>(g, n).dump() << '\n';
}

}  // namespace npusim::workload
