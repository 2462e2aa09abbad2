// Chakra execution traces (MLCommons; what ASTRA-sim consumes) to and from
// the operator graph (workload/opgraph.hpp). A trace is one file per rank,
// `<prefix>.<rank>.et`, each a GlobalMetadata message then Node messages,
// every message preceded by its varint length (workload/chakra_file.hpp).
// traces/chakra.md says what is imported, how attributes map and what is
// refused.
//
// Export writes the attributes ASTRA-sim reads (num_ops, tensor_size,
// comm_type, comm_size, comm_src/dst/tag, pg_name, is_cpu_op) so ASTRA-sim
// can run the files, and beside them `npusim.*` attributes holding every
// field exactly, so import_chakra(export_chakra(g)) writes the same opgraph
// text as g. Nodes without `npusim.*` attributes (a trace from PyTorch or
// chakra's generators) are mapped from the Chakra fields alone.
#pragma once
#include <string>

#include "workload/opgraph.hpp"

namespace npusim::workload {

// Reads <prefix>.0.et, <prefix>.1.et, ... (as many consecutive files as
// exist: the rank count) into a graph and checks it (check_opgraph).
// ConfigError naming the file and the byte offset, node id or attribute for
// malformed protobuf, a dangling dependency, an unsupported node or
// collective type; naming the prefix and the expected file name when there
// is no rank-0 file.
OpGraph import_chakra(const std::string& prefix);

// Writes one file per rank (g.ranks files, a rank without nodes holds only
// its metadata) and, when a collective runs on a group other than all ranks,
// <prefix>.comm_group.json: ASTRA-sim's communicator groups
// (--comm-group-configuration), which the nodes name by pg_name. ConfigError
// if a file cannot be written or an op has no Chakra form.
void export_chakra(const OpGraph& g, const std::string& prefix);

// The file of `rank`: "<prefix>.<rank>.et".
std::string chakra_rank_file(const std::string& prefix, int rank);
// The communicator group file export writes and import reads.
std::string chakra_comm_group_file(const std::string& prefix);

}  // namespace npusim::workload
