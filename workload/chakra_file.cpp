#include "workload/chakra_file.hpp"

#include <fstream>
#include <iterator>

#include "sim/errors.hpp"

namespace npusim::workload {

namespace {

// Decodes the varint at data[*pos]; false if the file ends inside it or it
// runs past 10 bytes (more than 64 bits).
bool read_varint(const std::string& data, size_t* pos, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= data.size()) return false;
    const auto byte = static_cast<uint8_t>(data[(*pos)++]);
    *value |= uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

void write_varint(std::string* out, uint64_t v) {
  while (v > 0x7f) {
    out->push_back(char((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(char(v));
}

// The next message's bytes: the length varint at *pos and the payload after
// it; *pos moves past both.
std::string next_message(const std::string& path, const std::string& data, size_t* pos, const std::string& what) {
  const size_t start = *pos;
  uint64_t len = 0;
  if (!read_varint(data, pos, &len))
    throw ConfigError(path + ": byte " + std::to_string(start) + ": " + what +
                      ": truncated or malformed length varint (the file is cut short or is not a Chakra ET)");
  if (len > data.size() - *pos)
    throw ConfigError(path + ": byte " + std::to_string(start) + ": " + what + ": length " + std::to_string(len) +
                      " runs past the end of the file (" + std::to_string(data.size() - *pos) +
                      " bytes left): truncated file");
  std::string payload = data.substr(*pos, len);
  *pos += len;
  return payload;
}

}  // namespace

ChakraFile read_chakra_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the Chakra ET file");
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ChakraFile f;
  f.path = path;
  if (data.empty()) throw ConfigError(path + ": empty file: expected a GlobalMetadata message first");
  size_t pos = 0;
  std::string bytes = next_message(path, data, &pos, "GlobalMetadata");
  if (!f.metadata.ParseFromString(bytes))
    throw ConfigError(path + ": byte 0: GlobalMetadata: not a valid protobuf message");
  while (pos < data.size()) {
    const size_t start = pos;
    const std::string what = "node " + std::to_string(f.nodes.size());
    bytes = next_message(path, data, &pos, what);
    ChakraProtoMsg::Node node;
    if (!node.ParseFromString(bytes))
      throw ConfigError(path + ": byte " + std::to_string(start) + ": " + what +
                        ": not a valid Chakra Node message");
    f.nodes.push_back(std::move(node));
  }
  return f;
}

void write_chakra_file(const ChakraFile& f) {
  std::string out, bytes;
  f.metadata.SerializeToString(&bytes);
  write_varint(&out, bytes.size());
  out += bytes;
  for (const auto& n : f.nodes) {
    n.SerializeToString(&bytes);
    write_varint(&out, bytes.size());
    out += bytes;
  }
  std::ofstream os(f.path, std::ios::binary | std::ios::trunc);
  os << out;
  os.flush();
  if (!os) throw ConfigError(f.path + ": cannot write the Chakra ET file");
}

}  // namespace npusim::workload
