// Chakra execution traces: our export imports back to the same graph (the
// opgraph text compared), hand-written foreign traces map as traces/chakra.md
// says, and malformed files give errors naming the file and the place.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/errors.hpp"
#include "tests/cpp/temp_dir.hpp"
#include "workload/chakra_attrs.hpp"
#include "workload/chakra_et.hpp"
#include "workload/chakra_file.hpp"
#include "workload/replay_job.hpp"

using namespace npusim;
using namespace npusim::workload;
using ChakraProtoMsg::Node;
using Catch::Matchers::Contains;

namespace {

// Every node type on 4 ranks: compute ops, roofline, memcpys three ways,
// a tagged send/recv, an all-reduce on every rank, all-gathers on two
// sub-groups, a broadcast with a root, an all-to-all-v, a fractional delay,
// streams, names and dependencies.
const char* kEveryType = R"({"format": "npusim.opgraph", "version": 1, "ranks": 4, "name": "every_type", "chips": {"0-3": "ascend_910c"}}
{"id": 0, "rank": 0, "type": "matmul", "name": "qkv", "m": 256, "n": 512, "k": 1024, "dtype": "bf16"}
{"id": 1, "rank": 0, "type": "attention", "deps": [0], "heads": 8, "kv_heads": 2, "head_dim": 128, "seq_q": 512, "seq_kv": 512}
{"id": 2, "rank": 0, "type": "elementwise", "deps": [1], "elements": 65536, "elementwise_kind": "mul"}
{"id": 3, "rank": 0, "type": "send", "deps": [2], "peer": 1, "bytes": 4096, "tag": 7, "stream": 1}
{"id": 4, "rank": 1, "type": "recv", "peer": 0, "bytes": 4096, "tag": 7, "stream": 1}
{"id": 5, "rank": 1, "type": "roofline", "deps": [4], "flops": 1.5e9, "bytes": 1048576, "dtype": "fp8"}
{"id": 6, "rank": 2, "type": "memcpy", "bytes": 65536, "from": "host"}
{"id": 7, "rank": 3, "type": "memcpy", "bytes": 65536, "to": "host"}
{"id": 8, "rank": 3, "type": "memcpy", "bytes": 8192, "peer": 2, "deps": [7]}
{"id": 10, "rank": 0, "type": "collective", "op": "allreduce", "bytes": 1048576, "stream": 1, "deps": [3]}
{"id": 11, "rank": 1, "type": "collective", "op": "allreduce", "bytes": 1048576, "stream": 1, "deps": [4]}
{"id": 12, "rank": 2, "type": "collective", "op": "allreduce", "bytes": 1048576, "stream": 1}
{"id": 13, "rank": 3, "type": "collective", "op": "allreduce", "bytes": 1048576, "stream": 1}
{"id": 20, "rank": 0, "type": "collective", "op": "allgather", "group": [0, 1], "bytes": 3000, "algo": "ring", "stream": 1}
{"id": 21, "rank": 1, "type": "collective", "op": "allgather", "group": [0, 1], "bytes": 3000, "algo": "ring", "stream": 1}
{"id": 22, "rank": 2, "type": "collective", "op": "broadcast", "group": [2, 3], "bytes": 5000, "root": 3, "stream": 1}
{"id": 23, "rank": 3, "type": "collective", "op": "broadcast", "group": [2, 3], "bytes": 5000, "root": 3, "stream": 1}
{"id": 30, "rank": 0, "type": "alltoallv", "send_bytes": [0, 100, 200, 300], "stream": 1}
{"id": 31, "rank": 1, "type": "alltoallv", "send_bytes": [10, 0, 20, 30], "stream": 1}
{"id": 32, "rank": 2, "type": "alltoallv", "send_bytes": [1, 2, 0, 3], "stream": 1}
{"id": 33, "rank": 3, "type": "alltoallv", "send_bytes": [4, 5, 6, 0], "stream": 1}
{"id": 40, "rank": 2, "type": "delay", "ns": 1234.5, "deps": [6], "stream": 2}
)";

OpGraph parse(const std::string& text) {
  std::istringstream in(text);
  return parse_opgraph(in, "test.jsonl");
}

std::string text_of(const OpGraph& g) {
  std::ostringstream out;
  write_opgraph(g, out);
  return out.str();
}

std::string import_error(const std::string& prefix) {
  try {
    import_chakra(prefix);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

ChakraFile metadata_only(const std::string& path) {
  ChakraFile f;
  f.path = path;
  f.metadata.set_version("0.0.4");
  return f;
}

Node& add_node(ChakraFile& f, uint64_t id, ChakraProtoMsg::NodeType type, std::vector<uint64_t> data_deps = {}) {
  Node& n = f.nodes.emplace_back();
  n.set_id(id);
  n.set_type(type);
  for (uint64_t d : data_deps) n.add_data_deps(d);
  return n;
}

Node& add_collective(ChakraFile& f, uint64_t id, int64_t comm_type, uint64_t bytes) {
  Node& n = add_node(f, id, ChakraProtoMsg::COMM_COLL_NODE);
  add_int_attr(n.mutable_attr(), "comm_type", comm_type);
  add_uint_attr(n.mutable_attr(), "comm_size", bytes);
  return n;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("chakra: our export imports back to the identical graph", "[chakra]") {
  test::TempDir dir("chakra");
  const OpGraph g = parse(kEveryType);
  const std::string prefix = dir.path("every");
  export_chakra(g, prefix);
  for (int r = 0; r < 4; ++r) CHECK(std::filesystem::exists(chakra_rank_file(prefix, r)));
  CHECK_FALSE(std::filesystem::exists(chakra_rank_file(prefix, 4)));
  // The two sub-groups become ASTRA-sim communicator groups 1 and 2.
  const std::string groups = file_bytes(chakra_comm_group_file(prefix));
  CHECK(groups.find("\"1\"") != std::string::npos);
  CHECK(groups.find("\"2\"") != std::string::npos);
  const OpGraph back = import_chakra(prefix);
  CHECK(text_of(back) == text_of(g));
  // A second round trip writes the same bytes.
  export_chakra(back, dir.path("again"));
  for (int r = 0; r < 4; ++r)
    CHECK(file_bytes(chakra_rank_file(prefix, r)) == file_bytes(chakra_rank_file(dir.path("again"), r)));
}

TEST_CASE("chakra: the sample opgraph traces round trip", "[chakra]") {
  test::TempDir dir("chakra");
  for (const char* name : {"opgraph_tp8_layer", "opgraph_mixed_4rank"}) {
    const OpGraph g = read_opgraph(std::string(NPUSIM_SOURCE_DIR) + "/traces/samples/" + name + ".jsonl");
    export_chakra(g, dir.path(name));
    CHECK(text_of(import_chakra(dir.path(name))) == text_of(g));
  }
}

// Without the npusim.* attributes, our export reads as any producer's trace
// would: what ASTRA-sim would simulate.
TEST_CASE("chakra: our export without npusim attributes imports through the foreign mapping", "[chakra]") {
  test::TempDir dir("chakra");
  const std::string prefix = dir.path("tp8");
  const OpGraph g = read_opgraph(std::string(NPUSIM_SOURCE_DIR) + "/traces/samples/opgraph_tp8_layer.jsonl");
  export_chakra(g, prefix);
  for (int r = 0; r < g.ranks; ++r) {
    ChakraFile f = read_chakra_file(chakra_rank_file(prefix, r));
    f.metadata.clear_attr();
    for (Node& n : f.nodes) {
      auto* attrs = n.mutable_attr();
      for (int i = attrs->size() - 1; i >= 0; --i)
        if (attrs->Get(i).name().rfind("npusim.", 0) == 0) attrs->DeleteSubrange(i, 1);
    }
    write_chakra_file(f);
  }
  const OpGraph f = import_chakra(prefix);
  REQUIRE(f.nodes.size() == g.nodes.size());
  size_t compared = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& a = g.nodes[i];
    if (a.type != NodeType::Matmul) continue;
    // Same rank, same position: the sample is written rank by rank in dependency order.
    const GraphNode& b = f.nodes[i];
    CHECK(b.type == NodeType::Roofline);
    CHECK(b.flops == 2.0 * a.op["m"].get<double>() * a.op["n"].get<double>() * a.op["k"].get<double>());
    ++compared;
  }
  CHECK(compared > 0);
}

TEST_CASE("chakra: the exported files carry the attributes ASTRA-sim reads", "[chakra]") {
  test::TempDir dir("chakra");
  const std::string prefix = dir.path("every");
  export_chakra(parse(kEveryType), prefix);
  const ChakraFile r0 = read_chakra_file(chakra_rank_file(prefix, 0));
  REQUIRE(r0.nodes.size() == 7);
  const Node& mm = r0.nodes[0];
  CHECK(mm.type() == ChakraProtoMsg::COMP_NODE);
  const ChakraAttrs a(mm.attr(), "mm");
  CHECK(a.number("num_ops") == 2.0 * 256 * 512 * 1024);
  CHECK(a.number("tensor_size") == 2.0 * (256 * 1024 + 512 * 1024 + 256 * 512));
  const Node& send = r0.nodes[3];
  CHECK(send.type() == ChakraProtoMsg::COMM_SEND_NODE);
  const ChakraAttrs s(send.attr(), "send");
  CHECK(s.integer("comm_src") == 0);
  CHECK(s.integer("comm_dst") == 1);
  CHECK(s.integer("comm_tag") == 7);
  CHECK(s.number("comm_size") == 4096);
  REQUIRE(send.data_deps_size() == 1);
  CHECK(send.data_deps(0) == 2);
  const ChakraAttrs ag(r0.nodes[5].attr(), "allgather");
  CHECK(ag.integer("comm_type") == ChakraProtoMsg::ALL_GATHER);
  CHECK(ag.number("comm_size") == 1500);  // one rank's part, as ASTRA-sim counts it
  CHECK(ag.text("pg_name") == "1");
  const ChakraAttrs ar(r0.nodes[4].attr(), "allreduce");
  CHECK_FALSE(ar.has("pg_name"));
}

TEST_CASE("chakra: a foreign trace maps compute, collectives, send/recv and memory nodes", "[chakra]") {
  test::TempDir dir("chakra");
  const std::string prefix = dir.path("foreign");
  ChakraFile r0 = metadata_only(chakra_rank_file(prefix, 0)), r1 = metadata_only(chakra_rank_file(prefix, 1));
  Node& comp = add_node(r0, 10, ChakraProtoMsg::COMP_NODE);
  comp.set_name("gemm");
  add_uint_attr(comp.mutable_attr(), "num_ops", 2000000000);
  add_uint_attr(comp.mutable_attr(), "tensor_size", 3000000);
  add_node(r0, 11, ChakraProtoMsg::METADATA_NODE, {10});
  add_collective(r0, 12, ChakraProtoMsg::ALL_REDUCE, 1 << 20).add_data_deps(11);
  Node& send = add_node(r0, 13, ChakraProtoMsg::COMM_SEND_NODE);
  send.add_ctrl_deps(12);
  add_int_attr(send.mutable_attr(), "comm_dst", 1);
  add_uint_attr(send.mutable_attr(), "comm_size", 4096);
  add_int_attr(send.mutable_attr(), "comm_tag", 7);
  add_uint_attr(add_node(r0, 14, ChakraProtoMsg::MEM_LOAD_NODE, {13}).mutable_attr(), "tensor_size", 512);
  Node& cpu = add_node(r1, 0, ChakraProtoMsg::COMP_NODE);
  add_bool_attr(cpu.mutable_attr(), "is_cpu_op", true);
  cpu.set_duration_micros(3);
  add_collective(r1, 1, ChakraProtoMsg::ALL_REDUCE, 1 << 20);
  Node& recv = add_node(r1, 2, ChakraProtoMsg::COMM_RECV_NODE, {1});
  add_int_attr(recv.mutable_attr(), "comm_src", 0);
  add_uint_attr(recv.mutable_attr(), "comm_size", 4096);
  add_int_attr(recv.mutable_attr(), "comm_tag", 7);
  add_collective(r0, 15, ChakraProtoMsg::ALL_GATHER, 1000).add_data_deps(14);
  add_collective(r1, 3, ChakraProtoMsg::ALL_GATHER, 1000).add_data_deps(2);
  write_chakra_file(r0);
  write_chakra_file(r1);

  const OpGraph g = import_chakra(prefix);
  CHECK(g.ranks == 2);
  REQUIRE(g.nodes.size() == 9);  // the metadata node is skipped
  const GraphNode& roof = g.nodes[0];
  CHECK(roof.type == NodeType::Roofline);
  CHECK(roof.name == "gemm");
  CHECK(roof.flops == 2e9);
  CHECK(roof.bytes == 3e6);
  CHECK(roof.dtype == "bf16");
  const GraphNode& ar = g.nodes[1];
  CHECK(ar.type == NodeType::Collective);
  CHECK(ar.coll_op == "allreduce");
  CHECK(ar.group.empty());  // every rank
  CHECK(ar.bytes == 1 << 20);
  CHECK(ar.deps == std::vector<int>{0});  // through the skipped metadata node
  const GraphNode& s = g.nodes[2];
  CHECK(s.type == NodeType::Send);
  CHECK(s.peer == 1);
  CHECK(s.tag == 7);
  CHECK(s.deps == std::vector<int>{1});
  const GraphNode& load = g.nodes[3];
  CHECK(load.type == NodeType::Memcpy);
  CHECK(load.from == MemPlace::Host);
  CHECK(load.to == MemPlace::Hbm);
  CHECK(load.bytes == 512);
  CHECK(g.nodes[4].coll_op == "allgather");
  CHECK(g.nodes[4].bytes == 2000);  // ASTRA-sim's per-rank size x the group
  const GraphNode& delay = g.nodes[5];
  CHECK(delay.rank == 1);
  CHECK(delay.type == NodeType::Delay);
  CHECK(delay.ns == 3000);
  const GraphNode& r = g.nodes[7];
  CHECK(r.type == NodeType::Recv);
  CHECK(r.peer == 0);
  CHECK(r.bytes == 4096);
  // Compute, communication and memory nodes land on separate streams.
  CHECK(roof.stream != ar.stream);
  CHECK(load.stream != ar.stream);
}

TEST_CASE("chakra: a foreign trace is read in dependency order, not file order", "[chakra]") {
  test::TempDir dir("chakra");
  const std::string prefix = dir.path("order");
  ChakraFile r0 = metadata_only(chakra_rank_file(prefix, 0));
  Node& late = add_node(r0, 1, ChakraProtoMsg::COMP_NODE, {2});
  add_uint_attr(late.mutable_attr(), "num_ops", 10);
  add_uint_attr(late.mutable_attr(), "tensor_size", 10);
  Node& early = add_node(r0, 2, ChakraProtoMsg::COMP_NODE);
  add_uint_attr(early.mutable_attr(), "num_ops", 20);
  add_uint_attr(early.mutable_attr(), "tensor_size", 20);
  write_chakra_file(r0);
  const OpGraph g = import_chakra(prefix);
  REQUIRE(g.nodes.size() == 2);
  CHECK(g.nodes[0].flops == 20);
  CHECK(g.nodes[1].deps == std::vector<int>{0});
}

TEST_CASE("chakra: missing files and malformed protobuf are errors naming the file and the place", "[chakra]") {
  test::TempDir dir("chakra");
  const std::string prefix = dir.path("bad");
  CHECK_THAT(import_error(prefix), Catch::Contains("no Chakra ET files") && Catch::Contains(prefix + ".0.et"));

  export_chakra(parse(kEveryType), prefix);
  const std::string path = chakra_rank_file(prefix, 0);
  const std::string whole = file_bytes(path);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << whole.substr(0, whole.size() - 5);
  CHECK_THAT(import_error(prefix), Catch::Contains(path + ": byte ") && Catch::Contains("node 6") &&
                                       Catch::Contains("truncated file"));

  std::ofstream(path, std::ios::binary | std::ios::trunc) << std::string("\xff\xff\xff", 3);
  CHECK_THAT(import_error(prefix), Catch::Contains(path + ": byte 0: GlobalMetadata") &&
                                       Catch::Contains("truncated or malformed length varint"));

  // A well-framed message whose bytes are not a Node (wire type 7 is invalid).
  ChakraFile ok = metadata_only(path);
  write_chakra_file(ok);
  const size_t at = file_bytes(path).size();
  std::ofstream(path, std::ios::binary | std::ios::app) << std::string("\x03\x0f\xff\xff", 4);
  CHECK_THAT(import_error(prefix), Catch::Contains(path + ": byte " + std::to_string(at) + ": node 0") &&
                                       Catch::Contains("not a valid Chakra Node"));

  std::ofstream(path, std::ios::binary | std::ios::trunc);
  CHECK_THAT(import_error(prefix), Catch::Contains(path + ": empty file"));

  std::filesystem::remove(chakra_rank_file(prefix, 2));
  CHECK_THAT(import_error(prefix), Catch::Contains(chakra_rank_file(prefix, 2) + ": missing, but " +
                                                   chakra_rank_file(prefix, 3) + " exists"));
}

TEST_CASE("chakra: dangling deps and unsupported types are refused with the node named", "[chakra]") {
  test::TempDir dir("chakra");
  const std::string prefix = dir.path("bad");
  const std::string path = chakra_rank_file(prefix, 0);
  auto write_one = [&](const std::function<void(ChakraFile&)>& fill) {
    ChakraFile f = metadata_only(path);
    fill(f);
    write_chakra_file(f);
    return import_error(prefix);
  };
  CHECK_THAT(write_one([](ChakraFile& f) {
               Node& n = add_node(f, 5, ChakraProtoMsg::COMP_NODE, {99});
               add_uint_attr(n.mutable_attr(), "num_ops", 1);
               add_uint_attr(n.mutable_attr(), "tensor_size", 1);
             }),
             Catch::Contains(path + ": node 5: dependency 99 names no node of this file"));
  CHECK_THAT(write_one([](ChakraFile& f) { add_collective(f, 3, ChakraProtoMsg::BARRIER, 0); }),
             Catch::Contains(path + ": node 3: comm_type 9 (BARRIER) is not supported"));
  CHECK_THAT(write_one([](ChakraFile& f) { add_collective(f, 4, 42, 8); }),
             Catch::Contains("node 4: comm_type 42 (unknown) is not supported"));
  CHECK_THAT(write_one([](ChakraFile& f) { add_node(f, 6, ChakraProtoMsg::STORAGE_NODE); }),
             Catch::Contains("node 6: node type STORAGE_NODE (8) is not supported"));
  CHECK_THAT(write_one([](ChakraFile& f) {
               Node& n = add_collective(f, 7, ChakraProtoMsg::ALL_REDUCE, 64);
               auto* dims = n.add_attr();
               dims->set_name("involved_dim");
               dims->mutable_bool_list()->add_values(true);
               dims->mutable_bool_list()->add_values(false);
             }),
             Catch::Contains("node 7: involved_dim leaves out some"));
  CHECK_THAT(write_one([](ChakraFile& f) {
               add_string_attr(add_collective(f, 8, ChakraProtoMsg::ALL_REDUCE, 64).mutable_attr(), "pg_name", "3");
             }),
             Catch::Contains("node 8: pg_name '3'") && Catch::Contains(prefix + ".comm_group.json"));
  CHECK_THAT(write_one([](ChakraFile& f) {
               Node& n = add_node(f, 9, ChakraProtoMsg::COMM_COLL_NODE);
               add_int_attr(n.mutable_attr(), "comm_type", ChakraProtoMsg::ALL_REDUCE);
               add_string_attr(n.mutable_attr(), "comm_size", "x");
             }),
             Catch::Contains("node 9: attribute comm_size: expected a number, got string_val"));
  CHECK_THAT(write_one([](ChakraFile& f) { add_node(f, 2, ChakraProtoMsg::COMM_SEND_NODE); }),
             Catch::Contains("node 2: attribute comm_dst is missing"));
}

TEST_CASE("chakra: a replay of our exported ET takes the same time as of the opgraph", "[chakra]") {
  test::TempDir dir("chakra");
  const std::string sample = std::string(NPUSIM_SOURCE_DIR) + "/traces/samples/opgraph_mixed_4rank.jsonl";
  export_chakra(read_opgraph(sample), dir.path("mixed"));
  auto replay = [](const std::string& trace) {
    return run_replay_job({{"kind", "replay"}, {"system", "ring:4"}, {"trace", trace}, {"chip", "ascend_910c"}},
                          RunFiles{});
  };
  const json a = replay(sample), b = replay(dir.path("mixed"));
  CHECK(a["time_us"].get<double>() > 0);
  CHECK(b["time_us"] == a["time_us"]);
  CHECK(b["ranks"] == a["ranks"]);
  CHECK_THROWS_WITH(replay(dir.path("none")), Contains("expected an opgraph .jsonl file or the prefix of Chakra ET "
                                                      "files (" + dir.path("none") + ".0.et"));
}
