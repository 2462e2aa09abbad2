// One Chakra ET file on disk: a stream of protobuf messages, each preceded
// by its length as a varint (the framing chakra's tools and ASTRA-sim's
// feeder use), the first a GlobalMetadata and the rest Nodes.
#pragma once
#include <string>
#include <vector>

#include "workload/chakra/et_def.pb.h"

namespace npusim::workload {

struct ChakraFile {
  std::string path;
  ChakraProtoMsg::GlobalMetadata metadata;
  std::vector<ChakraProtoMsg::Node> nodes;
};

// ConfigError "<path>: byte <offset>: ..." for a truncated length varint, a
// length running past the end of the file, or bytes that do not parse as the
// message expected there (naming which node, counting from 0); an empty file
// lacks its GlobalMetadata.
ChakraFile read_chakra_file(const std::string& path);

// ConfigError naming the path if it cannot be written.
void write_chakra_file(const ChakraFile& f);

}  // namespace npusim::workload
