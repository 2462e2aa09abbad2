// Chakra node attributes (AttributeProto: a name and one value of some
// thirty kinds): typed reading with errors that name the file, the node and
// the attribute, and writing. Producers differ in the kind they pick for the
// same attribute (int64_val, uint64_val, int32_val...), so numbers are read
// from any scalar numeric kind, as ASTRA-sim's feeder converts them too.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "workload/chakra/et_def.pb.h"

namespace npusim::workload {

using ChakraAttrList = google::protobuf::RepeatedPtrField<ChakraProtoMsg::AttributeProto>;

// A node's (or the metadata's) attributes. `where` prefixes every error:
// "<file>: node <id>".
class ChakraAttrs {
 public:
  ChakraAttrs(const ChakraAttrList& attrs, std::string where) : attrs_(attrs), where_(std::move(where)) {}
  const std::string& where() const { return where_; }
  bool has(const std::string& name) const { return find(name) != nullptr; }
  const ChakraProtoMsg::AttributeProto* find(const std::string& name) const;

  // A scalar number of any kind; ConfigError if absent or not a number.
  double number(const std::string& name) const;
  double number_or(const std::string& name, double fallback) const;
  // A scalar of an integer kind.
  int64_t integer(const std::string& name) const;
  int64_t integer_or(const std::string& name, int64_t fallback) const;
  std::string text(const std::string& name) const;  // string_val
  std::string text_or(const std::string& name, const std::string& fallback) const;
  bool flag_or(const std::string& name, bool fallback) const;  // bool_val or an integer 0/1
  std::vector<int64_t> integers(const std::string& name) const;  // an integer list kind
  std::vector<double> numbers(const std::string& name) const;    // double_list, float_list or an integer list
  std::vector<bool> flags(const std::string& name) const;        // bool_list

 private:
  const ChakraProtoMsg::AttributeProto& get(const std::string& name) const;
  [[noreturn]] void wrong_kind(const ChakraProtoMsg::AttributeProto& a, const std::string& expected) const;
  const ChakraAttrList& attrs_;
  std::string where_;
};

// Appends one attribute of the named kind.
void add_uint_attr(ChakraAttrList* attrs, const std::string& name, uint64_t v);
void add_int_attr(ChakraAttrList* attrs, const std::string& name, int64_t v);
void add_double_attr(ChakraAttrList* attrs, const std::string& name, double v);
void add_string_attr(ChakraAttrList* attrs, const std::string& name, const std::string& v);
void add_bool_attr(ChakraAttrList* attrs, const std::string& name, bool v);
void add_int_list_attr(ChakraAttrList* attrs, const std::string& name, const std::vector<int64_t>& v);
void add_double_list_attr(ChakraAttrList* attrs, const std::string& name, const std::vector<double>& v);

}  // namespace npusim::workload
