// Operator-graph traces (traces/opgraph.md): the samples and an in-memory
// graph write back exactly; every malformed case is refused naming file:line
// and the field; a cycle is reported with its ids.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "sim/errors.hpp"
#include "workload/opgraph.hpp"

using namespace npusim;
using namespace npusim::workload;

namespace {

const std::string kHeader = R"({"format":"npusim.opgraph","version":1,"ranks":4})";

OpGraph parse(const std::string& text) {
  std::istringstream in(text);
  return parse_opgraph(in, "t.jsonl");
}

// The ConfigError message for `body` after the 4-rank header ("" if none).
std::string error_of(const std::string& body, const std::string& header = kHeader) {
  try {
    parse(header + "\n" + body);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string written(const OpGraph& g) {
  std::ostringstream out;
  write_opgraph(g, out);
  return out.str();
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The lines of a file that are not comments: its canonical text.
std::string without_comments(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') out += line + "\n";
  return out;
}

void require_same(const OpGraph& a, const OpGraph& b) {
  REQUIRE(a.ranks == b.ranks);
  REQUIRE(a.name == b.name);
  REQUIRE(a.version == b.version);
  REQUIRE(a.chips == b.chips);
  REQUIRE(a.nodes.size() == b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const GraphNode &x = a.nodes[i], &y = b.nodes[i];
    INFO("node " << i);
    CHECK(x.id == y.id);
    CHECK(x.rank == y.rank);
    CHECK(x.type == y.type);
    CHECK(x.deps == y.deps);
    CHECK(x.stream == y.stream);
    CHECK(x.name == y.name);
    CHECK(x.op == y.op);
    CHECK(x.flops == y.flops);
    CHECK(x.dtype == y.dtype);
    CHECK(x.bytes == y.bytes);
    CHECK(x.from == y.from);
    CHECK(x.to == y.to);
    CHECK(x.peer == y.peer);
    CHECK(x.tag == y.tag);
    CHECK(x.coll_op == y.coll_op);
    CHECK(x.algo == y.algo);
    CHECK(x.group == y.group);
    CHECK(x.root == y.root);
    CHECK(x.send_bytes == y.send_bytes);
    CHECK(x.ns == y.ns);
  }
}

}  // namespace

TEST_CASE("opgraph samples read, and write back byte for byte", "[opgraph]") {
  for (const char* name : {"opgraph_tp8_layer.jsonl", "opgraph_mixed_4rank.jsonl"}) {
    INFO(name);
    const std::string path = std::string(NPUSIM_SOURCE_DIR) + "/traces/samples/" + name;
    const OpGraph g = read_opgraph(path);
    CHECK(g.source == path);
    const std::string text = written(g);
    CHECK(text == without_comments(file_text(path)));
    require_same(g, parse(text));
  }
  const OpGraph tp = read_opgraph(std::string(NPUSIM_SOURCE_DIR) + "/traces/samples/opgraph_tp8_layer.jsonl");
  CHECK(tp.ranks == 8);
  CHECK(tp.nodes.size() == 72);
  CHECK(tp.nodes[1].op == json{{"op", "matmul"}, {"m", 4096}, {"n", 1536}, {"k", 4096}, {"batch", 1},
                               {"trans_a", false}, {"trans_b", false}, {"dtype", "bf16"}});
  CHECK(tp.nodes[2].op["kv_heads"] == 4);  // absent: one KV head per query head
  CHECK(tp.nodes[4].group.empty());                                       // no group: every rank
  CHECK(tp.nodes[7].deps == std::vector<int>{6, 0});                      // indices, same rank
  CHECK(tp.nodes[0].from == MemPlace::Host);
  CHECK(tp.nodes[0].line == 4);  // comments count as lines
}

TEST_CASE("an opgraph built in memory checks and round-trips through the writer", "[opgraph]") {
  OpGraph g;
  g.ranks = 2;
  g.name = "pair";
  GraphNode mm;
  mm.id = 7;
  mm.type = NodeType::Matmul;
  mm.op = {{"op", "matmul"}, {"m", 64}, {"n", 32}, {"k", 16}, {"batch", 1}, {"trans_a", false},
           {"trans_b", true}, {"dtype", "fp8"}};
  GraphNode send;
  send.id = 8;
  send.type = NodeType::Send;
  send.deps = {0};
  send.peer = 1;
  send.bytes = 4096;
  send.tag = 3;
  send.stream = 1;
  GraphNode recv = send;
  recv.id = 9;
  recv.rank = 1;
  recv.type = NodeType::Recv;
  recv.peer = 0;
  recv.deps = {};
  recv.name = "from 0";
  GraphNode roof;
  roof.id = 10;
  roof.rank = 1;
  roof.type = NodeType::Roofline;
  roof.flops = 1.5e12;
  roof.bytes = 1e9;
  roof.dtype = "mxfp4";
  roof.deps = {2};
  GraphNode delay;
  delay.id = 11;
  delay.rank = 1;
  delay.ns = 12.5;
  g.nodes = {mm, send, recv, roof, delay};
  check_opgraph(g);
  const std::string text = written(g);
  CHECK(text ==
        "{\"format\":\"npusim.opgraph\",\"version\":1,\"ranks\":2,\"name\":\"pair\"}\n"
        "{\"id\":7,\"rank\":0,\"type\":\"matmul\",\"m\":64,\"n\":32,\"k\":16,\"trans_b\":true,\"dtype\":\"fp8\"}\n"
        "{\"id\":8,\"rank\":0,\"type\":\"send\",\"stream\":1,\"deps\":[7],\"peer\":1,\"bytes\":4096,\"tag\":3}\n"
        "{\"id\":9,\"rank\":1,\"type\":\"recv\",\"name\":\"from 0\",\"stream\":1,\"peer\":0,\"bytes\":4096,\"tag\":3}\n"
        "{\"id\":10,\"rank\":1,\"type\":\"roofline\",\"deps\":[9],\"flops\":1500000000000,\"bytes\":1000000000,"
        "\"dtype\":\"mxfp4\"}\n"
        "{\"id\":11,\"rank\":1,\"type\":\"delay\",\"ns\":12.5}\n");
  const OpGraph back = parse(text);
  require_same(g, back);
  CHECK(node_json(back, back.nodes[1]) == json::parse(R"({"id":8,"rank":0,"type":"send","stream":1,"deps":[7],
        "peer":1,"bytes":4096,"tag":3})"));
  CHECK(written(back) == text);
}

TEST_CASE("opgraph blank and # lines are skipped; errors count them", "[opgraph]") {
  const std::string text = "# a comment\n\n" + kHeader + "\n  # indented comment\n\n" +
                           R"({"id":0,"rank":0,"type":"delay","ns":-1})";
  CHECK(error_of("", "") == "t.jsonl: no header line (expected {\"format\": \"npusim.opgraph\", \"version\": 1, "
                            "\"ranks\": N} first)");
  try {
    parse(text);
    FAIL("accepted a negative delay");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "t.jsonl:6: ns: got -1 (expected a time >= 0 (ns))");
  }
}

TEST_CASE("opgraph header errors name the header line and field", "[opgraph]") {
  const std::string delay = R"({"id":0,"rank":0,"type":"delay","ns":1})";
  CHECK(error_of(delay, R"({"format":"npusim.opgraph","version":2,"ranks":4})") ==
        "t.jsonl:1: version: 2 is not a version this reader knows (expected one of: 1)");
  CHECK_THAT(error_of("", delay), Catch::StartsWith("t.jsonl:1: format: missing: the first object must be the header"));
  CHECK_THAT(error_of("", R"({"format":"chakra","version":1,"ranks":4})"),
             Catch::StartsWith("t.jsonl:1: format: got \"chakra\""));
  CHECK(error_of("", R"({"format":"npusim.opgraph","version":1,"ranks":0})") ==
        "t.jsonl:1: ranks: got 0 (expected an integer in [1, 4194304])");
  CHECK(error_of("", R"({"format":"npusim.opgraph","version":1,"ranks":2,"nodes":3})") ==
        "t.jsonl:1: nodes: unknown header key (expected one of format, version, ranks, name, chips)");
  CHECK_THAT(error_of("", R"({"format":"npusim.opgraph","version":1})"), Catch::StartsWith("t.jsonl:1: ranks: missing"));
  CHECK(error_of("not json") .find("t.jsonl:2: invalid JSON: ") == 0);
  CHECK(error_of("[1,2]") == "t.jsonl:2: got [1,2] (expected one JSON object per line)");
}

TEST_CASE("opgraph header chips cover every rank once with known chips", "[opgraph]") {
  auto header = [](const std::string& chips) {
    return R"({"format":"npusim.opgraph","version":1,"ranks":4,"chips":)" + chips + "}";
  };
  CHECK(error_of("", header(R"({"0-1":"ascend_910b","2-3":"ascend_910c"})")) == "");
  CHECK(error_of("", header(R"({"0-2":"ascend_910b","2-3":"ascend_910c"})")) ==
        "t.jsonl:1: chips.2-3: rank 2 is also in chips.0-2 (expected ranges that cover every rank once)");
  CHECK(error_of("", header(R"({"0-2":"ascend_910b"})")) ==
        "t.jsonl:1: chips: rank 3 has no chip (expected ranges that cover every rank once)");
  CHECK(error_of("", header(R"({"0-5":"ascend_910b"})")) ==
        "t.jsonl:1: chips.0-5: rank 5 out of range (expected a rank in [0, 3]s)");
  CHECK(error_of("", header(R"({"3-0":"ascend_910b"})")).find("t.jsonl:1: chips.3-0: not a rank range") == 0);
  CHECK(error_of("", header(R"({"0-3":"no_such_chip"})")).find("t.jsonl:1: ") == 0);
  CHECK_THAT(error_of("", header(R"({"0-3":"no_such_chip"})")), Catch::Contains("ascend_910b"));  // lists presets
  CHECK_THAT(error_of("", header(R"({"0-3":7})")), Catch::StartsWith("t.jsonl:1: chips.0-3: expected a chip preset"));
}

TEST_CASE("opgraph node keys: types, unknown keys, forms and ranges", "[opgraph]") {
  CHECK(error_of(R"({"id":0,"rank":0,"type":"conv2d"})") ==
        "t.jsonl:2: type: unknown type \"conv2d\" (expected one of 'matmul', 'attention', 'elementwise', "
        "'roofline', 'memcpy', 'send', 'recv', 'collective', 'alltoallv', 'delay')");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"delay","ns":1,"bytes":4})") ==
        "t.jsonl:2: bytes: unknown key for a delay node (expected one of id, rank, type, name, stream, deps, ns)");
  CHECK(error_of(R"({"rank":0,"type":"delay","ns":1})") == "t.jsonl:2: id: missing (expected an integer >= 0)");
  CHECK(error_of(R"({"id":-3,"rank":0,"type":"delay","ns":1})") == "t.jsonl:2: id: got -3 (expected an integer >= 0)");
  CHECK(error_of(R"({"id":0,"rank":4,"type":"delay","ns":1})") == "t.jsonl:2: rank: got 4 (expected a rank in [0, 3])");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"delay","ns":1,"stream":1.5})") ==
        "t.jsonl:2: stream: got 1.5 (expected an integer >= 0)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"delay","ns":1,"name":null})") ==
        "t.jsonl:2: name: null (expected a value, or the key left out)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"delay"})") == "t.jsonl:2: ns: missing (expected a time >= 0 (ns))");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"delay","ns":1,"deps":"none"})") ==
        "t.jsonl:2: deps: got \"none\" (expected a list of node ids)");
  CHECK(error_of(R"({"id":0.0,"rank":0,"type":"delay","ns":1})") == "");  // 0.0 reads as 0
}

TEST_CASE("opgraph compute nodes take the op job's keys, checked by its schema", "[opgraph]") {
  CHECK(error_of(R"({"id":0,"rank":0,"type":"matmul","m":8,"n":8,"k":8,"heads":2})") ==
        "t.jsonl:2: heads: unknown key for a matmul node (expected one of id, rank, type, name, stream, deps, m, n, "
        "k, batch, trans_a, trans_b, dtype)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"matmul","m":8,"n":8})") ==
        "t.jsonl:2: k: required for op 'matmul' (expected an integer >= 1 (elements))");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"matmul","m":0,"n":8,"k":8})") ==
        "t.jsonl:2: m: expected an integer >= 1 (elements), got 0");
  CHECK_THAT(error_of(R"({"id":0,"rank":0,"type":"matmul","m":8,"n":8,"k":8,"dtype":"fp64"})"),
             Catch::StartsWith("t.jsonl:2: dtype: expected one of 'bf16'"));
  CHECK(error_of(R"({"id":0,"rank":0,"type":"matmul","m":8,"n":8,"k":8,"fidelity":"fast"})") ==
        "t.jsonl:2: fidelity: unknown key for a matmul node (expected one of id, rank, type, name, stream, deps, m, "
        "n, k, batch, trans_a, trans_b, dtype)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"attention","heads":32,"kv_heads":5,"head_dim":64,"seq_q":1,"seq_kv":8})") ==
        "t.jsonl:2: kv_heads: 5 does not divide heads 32 (expected a divisor of heads)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"elementwise","elements":64,"elementwise_kind":"exp"})") ==
        "t.jsonl:2: elementwise_kind: expected one of 'add', 'mul', 'reduce_sum', got \"exp\"");
  const OpGraph g = parse(kHeader + "\n" + R"({"id":0,"rank":0,"type":"elementwise","elements":64})");
  CHECK(g.nodes[0].op == json{{"op", "elementwise"}, {"elements", 64}, {"elementwise_kind", "add"}, {"dtype", "bf16"}});
}

TEST_CASE("opgraph roofline, memcpy, send/recv, collective, alltoallv and delay values", "[opgraph]") {
  CHECK(error_of(R"({"id":0,"rank":0,"type":"roofline","bytes":8})") ==
        "t.jsonl:2: flops: missing (expected a number >= 0 (floating-point operations))");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"roofline","flops":1,"bytes":8,"dtype":"fp64"})") ==
        "t.jsonl:2: dtype: got \"fp64\" (expected one of bf16, fp16, fp8, hif8, mxfp8, mxfp4, int8)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"memcpy","bytes":8,"from":"host","to":"host"})") ==
        "t.jsonl:2: to: host to host does not touch the chip (expected hbm at one end at least)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"memcpy","bytes":8,"from":"disk"})") ==
        "t.jsonl:2: from: got \"disk\" (expected one of 'hbm', 'host')");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"memcpy"})") ==
        "t.jsonl:2: bytes: missing (expected a byte count: an integer >= 0)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"send","peer":1,"bytes":"8K"})") ==
        "t.jsonl:2: bytes: got \"8K\" (expected a byte count: an integer >= 0)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"alltoallv"})") ==
        "t.jsonl:2: send_bytes: missing (expected a list of byte counts, one per group member)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"memcpy","bytes":8.5})") ==
        "t.jsonl:2: bytes: got 8.5 (expected a byte count: an integer >= 0)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"memcpy","bytes":8,"peer":1,"to":"host"})") ==
        "t.jsonl:2: to: a copy to a peer writes the peer's HBM (expected hbm (or no to) with peer)");
  CHECK(error_of(R"({"id":0,"rank":1,"type":"send","peer":1,"bytes":8})") ==
        "t.jsonl:2: peer: rank 1 is the node's own rank (expected another rank)");
  CHECK(error_of(R"({"id":0,"rank":1,"type":"recv","peer":9,"bytes":8})") ==
        "t.jsonl:2: peer: got 9 (expected a rank in [0, 3])");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"collective","op":"allsum","bytes":8})") ==
        "t.jsonl:2: op: unknown collective \"allsum\" (expected one of allreduce, allgather, reducescatter, "
        "alltoall, broadcast)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"collective","op":"allgather","bytes":8,"algo":"double_tree"})") ==
        "t.jsonl:2: algo: \"double_tree\" is not an algorithm of allgather (expected one of ring, direct)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"collective","op":"allreduce","bytes":8,"root":1})") ==
        "t.jsonl:2: root: only a broadcast has a root (expected no root for op allreduce)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"collective","op":"broadcast","bytes":8,"group":[0,1],"root":3})") ==
        "t.jsonl:2: root: rank 3 is not in the group (expected a member of the group)");
  {  // The file names the root by rank; the graph keeps its position in the group (the executor's plan order).
    const std::string bcast = R"({"id":0,"rank":1,"type":"collective","op":"broadcast","group":[1,2,3],"bytes":8,"root":2})";
    const std::string text = kHeader + "\n" + bcast + "\n" + R"({"id":1,"rank":2,"type":"collective","op":"broadcast","group":[1,2,3],"bytes":8,"root":2})" +
                             "\n" + R"({"id":2,"rank":3,"type":"collective","op":"broadcast","group":[1,2,3],"bytes":8,"root":2})" + "\n";
    OpGraph g = parse(text);
    CHECK(g.nodes[0].root == 1);
    CHECK(written(g) == text);
    g.nodes[0].root = 5;
    CHECK_THROWS_WITH(check_opgraph(g), "t.jsonl:2: root: position 5 is outside a group of 3 (expected a member of the group)");
    g.nodes[0].root = 1;
    g.nodes[1].root = 0;
    CHECK_THROWS_WITH(check_opgraph(g), Catch::StartsWith("t.jsonl:3: root: rank 1 differs from rank 2 on rank 1"));
    g.nodes[1].root = 1;
    for (auto& n : g.nodes) n.coll_op = "allreduce";
    CHECK_THROWS_WITH(check_opgraph(g), "t.jsonl:2: root: only a broadcast has a root (expected root 0 for op allreduce)");
  }
  CHECK(error_of(R"({"id":0,"rank":0,"type":"collective","op":"allreduce","bytes":8,"group":[0,1,1]})") ==
        "t.jsonl:2: group: rank 1 listed twice (expected each rank once)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"collective","op":"allreduce","bytes":8,"group":[1,2]})") ==
        "t.jsonl:2: group: the node's rank 0 is not a member (expected a group that holds the node's rank)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"collective","op":"allreduce","bytes":8,"group":[0,7]})") ==
        "t.jsonl:2: group: rank 7 out of range (expected a rank in [0, 3] per member)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"collective","op":"allreduce","bytes":8,"group":[0]})") ==
        "t.jsonl:2: group: 1 rank(s) (expected a list of at least 2 ranks)");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"alltoallv","send_bytes":[0,1,2]})") ==
        "t.jsonl:2: send_bytes: 3 counts for a group of 4 (expected one byte count per group member, in group order)");
  CHECK(error_of(R"({"id":0,"rank":1,"type":"alltoallv","group":[0,1],"send_bytes":[4,4]})") ==
        "t.jsonl:2: send_bytes: entry 1 (the node's own rank) is 4 (expected 0 for the own rank: local data does "
        "not cross the fabric)");
  CHECK(error_of(R"({"id":0,"rank":1,"type":"alltoallv","group":[0,1],"send_bytes":[-4,0]})") ==
        "t.jsonl:2: send_bytes: got -4 (expected byte counts: integers >= 0)");
}

TEST_CASE("opgraph deps: existing ids on the same rank, unique ids", "[opgraph]") {
  const std::string a = R"({"id":5,"rank":0,"type":"delay","ns":1})";
  CHECK(error_of(a + "\n" + R"({"id":6,"rank":0,"type":"delay","ns":1,"deps":[4]})") ==
        "t.jsonl:3: deps: id 4 is not a node of this graph (expected ids of nodes on rank 0)");
  CHECK(error_of(a + "\n" + R"({"id":6,"rank":1,"type":"delay","ns":1,"deps":[5]})") ==
        "t.jsonl:3: deps: id 5 is on rank 0, this node on rank 1 (expected deps on the same rank (order across "
        "ranks comes from send/recv and collectives))");
  CHECK(error_of(R"({"id":6,"rank":1,"type":"delay","ns":1,"deps":[6]})") ==
        "t.jsonl:2: deps: the node depends on itself (expected ids of other nodes)");
  CHECK(error_of(a + "\n" + R"({"id":5,"rank":1,"type":"delay","ns":1})") ==
        "t.jsonl:3: id: 5 is already the id of line 2 (expected ids unique in the file)");
  // A dep on a later line is fine (on another stream: on the same one, stream order would make it a cycle).
  CHECK(error_of(R"({"id":6,"rank":0,"type":"delay","ns":1,"deps":[5],"stream":1})" "\n" + a) == "");
}

TEST_CASE("opgraph cycles are reported with the ids on them", "[opgraph]") {
  // 1 -> 2 -> 3 -> 1 through deps (0 and 4 hang off it).
  const std::string deps_cycle = R"({"id":0,"rank":2,"type":"delay","ns":1}
{"id":1,"rank":2,"type":"delay","ns":1,"deps":[0,3],"stream":1}
{"id":2,"rank":2,"type":"delay","ns":1,"deps":[1],"stream":2}
{"id":3,"rank":2,"type":"delay","ns":1,"deps":[2],"stream":3}
{"id":4,"rank":2,"type":"delay","ns":1,"deps":[3],"stream":4})";
  CHECK(error_of(deps_cycle) == "t.jsonl:3: deps: dependency cycle on rank 2: id 1 -> id 2 -> id 3 -> id 1 "
                                "(expected an acyclic graph (deps and the order of each stream))");
  // Stream order closes the loop: 10 runs before 11 on stream 0, and 10 waits for 11.
  const std::string stream_cycle = R"({"id":10,"rank":0,"type":"delay","ns":1,"deps":[11]}
{"id":11,"rank":0,"type":"delay","ns":1})";
  CHECK(error_of(stream_cycle) == "t.jsonl:2: deps: dependency cycle on rank 0: id 10 -> id 11 -> id 10 "
                                  "(expected an acyclic graph (deps and the order of each stream))");
  // On another stream, the same dependency is fine.
  CHECK(error_of(R"({"id":10,"rank":0,"type":"delay","ns":1,"deps":[11]}
{"id":11,"rank":0,"type":"delay","ns":1,"stream":1})") == "");
}

TEST_CASE("opgraph send/recv match per (src, dst, tag) in order with equal bytes", "[opgraph]") {
  const std::string s0 = R"({"id":0,"rank":0,"type":"send","peer":1,"bytes":64})";
  const std::string s1 = R"({"id":1,"rank":0,"type":"send","peer":1,"bytes":64,"tag":7})";
  const std::string r0 = R"({"id":2,"rank":1,"type":"recv","peer":0,"bytes":64})";
  const std::string r1 = R"({"id":3,"rank":1,"type":"recv","peer":0,"bytes":64,"tag":7})";
  CHECK(error_of(s0 + "\n" + s1 + "\n" + r1 + "\n" + r0) == "");  // tags pair them, not the order across tags
  CHECK(error_of(s0 + "\n" + s1 + "\n" + r0) ==
        "t.jsonl:3: peer: node id 1 on rank 0: the 1st send from rank 0 to rank 1 with tag 7 has no matching recv: "
        "rank 1 posts 0 recv(s) from rank 0 with tag 7 (expected the k-th send r->p with a tag to match the k-th "
        "recv on p from r with that tag)");
  CHECK(error_of(r0) ==
        "t.jsonl:2: peer: node id 2 on rank 1: the 1st recv on rank 1 from rank 0 with tag 0 has no matching send: "
        "rank 0 posts 0 send(s) to rank 1 with tag 0 (expected the k-th send r->p with a tag to match the k-th recv "
        "on p from r with that tag)");
  CHECK(error_of(s0 + "\n" + R"({"id":2,"rank":1,"type":"recv","peer":0,"bytes":32})") ==
        "t.jsonl:2: bytes: node id 0 on rank 0: 64 bytes but the matching recv (t.jsonl:3, id 2) takes 32 bytes "
        "(expected the same bytes on a send and its recv)");
}

TEST_CASE("opgraph collectives: the k-th of a group on every member, agreeing", "[opgraph]") {
  auto ar = [](int id, int rank, const std::string& more) {
    return "{\"id\":" + std::to_string(id) + ",\"rank\":" + std::to_string(rank) +
           R"(,"type":"collective","op":"allreduce","group":[0,1,2])" + more + "}\n";
  };
  const std::string ok = ar(0, 0, R"(,"bytes":64)") + ar(1, 1, R"(,"bytes":64)") + ar(2, 2, R"(,"bytes":64)");
  CHECK(error_of(ok) == "");
  CHECK(error_of(ok + ar(3, 0, R"(,"bytes":64)") + ar(4, 2, R"(,"bytes":64)")) ==
        "t.jsonl:5: group: the 2nd collective of group [0-2] (allreduce, node id 3 on rank 0) has no node on member "
        "rank 1 (it has 1) (expected every member of a group to run each of its collectives)");
  CHECK(error_of(ar(0, 0, R"(,"bytes":64)") + ar(1, 1, R"(,"bytes":32)") + ar(2, 2, R"(,"bytes":64)")) ==
        "t.jsonl:3: bytes: 32 bytes differs from 64 bytes on rank 0 (t.jsonl:2) in the 1st collective of group "
        "[0-2] (expected the members of a collective to agree on type, op, bytes, algo and root)");
  CHECK_THAT(error_of(ar(0, 0, R"(,"bytes":64)") + ar(1, 1, R"(,"bytes":64,"algo":"direct")") + ar(2, 2, R"(,"bytes":64)")),
             Catch::StartsWith("t.jsonl:3: algo: direct differs from (default) on rank 0"));
  // The default algorithm spelled out is the same algorithm.
  CHECK(error_of(ar(0, 0, R"(,"bytes":64)") + ar(1, 1, R"(,"bytes":64,"algo":"ring")") + ar(2, 2, R"(,"bytes":64)")) == "");
  CHECK_THAT(error_of(ar(0, 0, R"(,"bytes":64)") + ar(1, 1, R"(,"bytes":64)") +
                      R"({"id":2,"rank":2,"type":"alltoallv","group":[0,1,2],"send_bytes":[1,1,0]})"),
             Catch::StartsWith("t.jsonl:4: type: alltoallv differs from collective on rank 0"));
  // Group [2,1,0] is another group than [0,1,2]: its members are counted apart.
  CHECK_THAT(error_of(ok + R"({"id":9,"rank":1,"type":"collective","op":"allreduce","group":[2,1,0],"bytes":64})"),
             Catch::StartsWith("t.jsonl:5: group: the 1st collective of group [2, 1, 0] (allreduce, node id 9 on rank 1) "
                               "has no node on member rank 2 (it has 0)"));
}

TEST_CASE("opgraph checks of a graph built in memory name its source and node ids", "[opgraph]") {
  auto error_in = [](const OpGraph& g) -> std::string {
    try {
      check_opgraph(g);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  OpGraph g;
  g.ranks = 2;
  g.source = "chakra:trace";
  GraphNode mm;
  mm.id = 40;
  mm.type = NodeType::Matmul;
  mm.op = {{"m", 8}, {"n", 8}, {"k", 8}};
  g.nodes = {mm};
  CHECK(error_in(g) == "chakra:trace: node id 40: op: the op keys hold op null (expected an object with \"op\": "
                       "\"matmul\")");
  g.nodes[0].op["op"] = "matmul";
  CHECK(error_in(g) == "");  // absent keys take job.op's defaults, as in a file
  g.nodes[0].op["heads"] = 2;
  CHECK(error_in(g) == "chakra:trace: node id 40: heads: not a key of a matmul node (expected one of m, n, k, "
                       "batch, trans_a, trans_b, dtype)");
  GraphNode roof;
  roof.id = 41;
  roof.type = NodeType::Roofline;
  roof.flops = 10;
  g.nodes = {roof};
  CHECK(error_in(g) == "chakra:trace: node id 41: dtype: got \"\" (expected one of bf16, fp16, fp8, hif8, mxfp8, "
                       "mxfp4, int8)");
  g.nodes[0].dtype = "bf16";
  g.nodes[0].deps = {3};
  CHECK(error_in(g) == "chakra:trace: node id 41: deps: index 3 is not a node (expected indices of nodes of the graph)");
  g.nodes[0].deps = {};
  g.nodes[0].bytes = 0.5;
  CHECK(error_in(g) == "chakra:trace: node id 41: bytes: got 0.5 (expected a byte count: an integer >= 0)");
  g.nodes[0].bytes = 1;
  g.nodes.push_back(g.nodes[0]);
  CHECK(error_in(g) == "chakra:trace: node id 41: id: 41 is also the id of chakra:trace: node id 41 (expected ids "
                       "unique in the graph)");
  g.nodes.pop_back();
  g.version = 3;
  CHECK(error_in(g) == "chakra:trace: header: version: 3 is not a version this reader knows (expected one of: 1)");
  g.version = 1;
  g.chips = {{"0-1", "ascend_910b"}};
  CHECK(error_in(g) == "");
  g.source = "";
  g.ranks = 0;
  CHECK(error_in(g) == "opgraph: header: ranks: got 0 (expected an integer in [1, 4194304])");
}

TEST_CASE("opgraph ranks waiting for each other in a circle are a deadlock, named by its nodes", "[opgraph]") {
  // Each rank receives before it sends: neither send can start.
  CHECK(error_of(R"({"id":0,"rank":0,"type":"recv","peer":1,"bytes":8}
{"id":1,"rank":0,"type":"send","peer":1,"bytes":8}
{"id":2,"rank":1,"type":"recv","peer":0,"bytes":8}
{"id":3,"rank":1,"type":"send","peer":0,"bytes":8})") ==
        "t.jsonl:2: deps: deadlock across ranks: id 0 (recv on rank 0) -> id 1 (send on rank 0) -> id 2 (recv on "
        "rank 1) -> id 3 (send on rank 1) -> id 0 (recv on rank 0) (expected an order every rank can follow; each "
        "arrow is a dep, stream order, a send before its recv or a collective's members waiting for each other)");
  // Sends first, or the recv on another stream: no cycle.
  CHECK(error_of(R"({"id":0,"rank":0,"type":"send","peer":1,"bytes":8}
{"id":1,"rank":0,"type":"recv","peer":1,"bytes":8}
{"id":2,"rank":1,"type":"send","peer":0,"bytes":8}
{"id":3,"rank":1,"type":"recv","peer":0,"bytes":8})") == "");
  CHECK(error_of(R"({"id":0,"rank":0,"type":"recv","peer":1,"bytes":8,"stream":1}
{"id":1,"rank":0,"type":"send","peer":1,"bytes":8}
{"id":2,"rank":1,"type":"recv","peer":0,"bytes":8,"stream":1}
{"id":3,"rank":1,"type":"send","peer":0,"bytes":8})") == "");
  // Two collectives called in opposite orders by ranks 0 and 1.
  CHECK(error_of(R"({"id":0,"rank":0,"type":"collective","op":"allreduce","group":[0,1],"bytes":8}
{"id":1,"rank":0,"type":"collective","op":"allgather","group":[0,1,2],"bytes":8}
{"id":2,"rank":1,"type":"collective","op":"allgather","group":[0,1,2],"bytes":8}
{"id":3,"rank":1,"type":"collective","op":"allreduce","group":[0,1],"bytes":8}
{"id":4,"rank":2,"type":"collective","op":"allgather","group":[0,1,2],"bytes":8})") ==
        "t.jsonl:2: deps: deadlock across ranks: allreduce of group [0-1] (ids 0, 3) -> allgather of group [0-2] "
        "(ids 1, 2, 4) -> allreduce of group [0-1] (ids 0, 3) (expected an order every rank can follow; each arrow "
        "is a dep, stream order, a send before its recv or a collective's members waiting for each other)");
}

TEST_CASE("opgraph: any value of any key of the sample is read or refused as a ConfigError at its line", "[opgraph]") {
  const std::string path = std::string(NPUSIM_SOURCE_DIR) + "/traces/samples/opgraph_mixed_4rank.jsonl";
  std::vector<std::string> lines;
  {
    std::istringstream in(without_comments(file_text(path)));
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  const std::vector<json> values = {nullptr, "x", -1, 0, 1.5, 1e300, json::array(), json::array({-1, 2}),
                                    json::object(), true, 3};
  size_t refused = 0, tried = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const json obj = json::parse(lines[i]);
    for (auto it = obj.begin(); it != obj.end(); ++it)
      for (const json& v : values) {
        json changed = obj;
        changed[it.key()] = v;
        std::string text;
        for (size_t j = 0; j < lines.size(); ++j) text += (j == i ? changed.dump() : lines[j]) + "\n";
        ++tried;
        try {
          parse(text);
        } catch (const ConfigError& e) {
          ++refused;
          INFO(changed.dump());
          CHECK_THAT(e.what(), Catch::StartsWith("t.jsonl:"));
        }
        // Anything else (a json exception, a crash) fails the test case.
      }
  }
  CHECK(tried > 1000);
  CHECK(refused > tried / 2);
}
