#include "noc/collective_params.hpp"

#include <map>

namespace npusim::noc {

const Schema& CollectiveParams::schema() {
  static const Schema s = [] {
    Schema s("collective", "Collective algorithm parameters");
    SchemaBuilder<CollectiveParams>(s)
        .param(&CollectiveParams::chunk_bytes, "chunk_bytes", "B", uint64_t(128 * 1024),
               "Pipelined algorithms at packet level (double_tree, broadcast): the buffer moves in chunks of this "
               "size, forwarded as each arrives. (E) NCCL's Simple protocol moves 512 KiB steps (4 MiB buffer / "
               "8 steps); we default to a quarter of that so MiB-sized collectives on small systems still "
               "pipeline over several chunks",
               {1, 1099511627776.0})
        .param(&CollectiveParams::group, "group", "ranks", 8,
               "Hierarchical all-reduce: consecutive ranks per group (a server); must divide the rank count",
               {1, 1 << 20});
    return s;
  }();
  return s;
}

const std::vector<std::string>& collective_ops() {
  static const std::vector<std::string> ops = {"allreduce", "allgather",    "reducescatter", "alltoall",
                                               "broadcast", "moe_dispatch", "moe_combine"};
  return ops;
}

const std::vector<std::string>& collective_algorithms(const std::string& op) {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"allreduce", {"ring", "direct", "halving_doubling", "hierarchical", "double_tree"}},
      {"allgather", {"ring", "direct"}},
      {"reducescatter", {"ring", "direct"}},
      {"alltoall", {"direct", "pairwise"}},
      {"broadcast", {"ring"}},  // a pipelined chain from the first rank
      {"moe_dispatch", {"direct", "pairwise"}},
      {"moe_combine", {"direct", "pairwise"}},
  };
  static const std::vector<std::string> none;
  const auto it = table.find(op);
  return it == table.end() ? none : it->second;
}

std::string unsupported_algorithm(const std::string& op, const std::string& algo, const std::string& fidelity) {
  std::string list;
  for (const auto& a : collective_algorithms(op)) list += (list.empty() ? "" : ", ") + a;
  return "--algo " + algo + ": not available for --op " + op + " at --fidelity " + fidelity + "; available: " +
         (list.empty() ? "none (unknown op)" : list);
}

}  // namespace npusim::noc
