#include "workload/chakra_attrs.hpp"

#include <limits>

#include "sim/errors.hpp"

namespace npusim::workload {

namespace {

using ChakraProtoMsg::AttributeProto;

// The attribute's value as an integer when it is of an integer kind.
bool integer_value(const AttributeProto& a, int64_t* v) {
  switch (a.value_case()) {
    case AttributeProto::kInt32Val: *v = a.int32_val(); return true;
    case AttributeProto::kInt64Val: *v = a.int64_val(); return true;
    case AttributeProto::kUint32Val: *v = a.uint32_val(); return true;
    case AttributeProto::kSint32Val: *v = a.sint32_val(); return true;
    case AttributeProto::kSint64Val: *v = a.sint64_val(); return true;
    case AttributeProto::kFixed32Val: *v = a.fixed32_val(); return true;
    case AttributeProto::kSfixed32Val: *v = a.sfixed32_val(); return true;
    case AttributeProto::kSfixed64Val: *v = a.sfixed64_val(); return true;
    case AttributeProto::kUint64Val:
    case AttributeProto::kFixed64Val: {
      const uint64_t u = a.value_case() == AttributeProto::kUint64Val ? a.uint64_val() : a.fixed64_val();
      if (u > uint64_t(std::numeric_limits<int64_t>::max())) return false;
      *v = int64_t(u);
      return true;
    }
    default: return false;
  }
}

// uint64 values above 2^63 are numbers too, just not int64s.
bool number_value(const AttributeProto& a, double* v) {
  int64_t i = 0;
  switch (a.value_case()) {
    case AttributeProto::kDoubleVal: *v = a.double_val(); return true;
    case AttributeProto::kFloatVal: *v = a.float_val(); return true;
    case AttributeProto::kUint64Val: *v = double(a.uint64_val()); return true;
    case AttributeProto::kFixed64Val: *v = double(a.fixed64_val()); return true;
    default:
      if (!integer_value(a, &i)) return false;
      *v = double(i);
      return true;
  }
}

template <class List>
std::vector<int64_t> widen(const List& l) {
  return std::vector<int64_t>(l.values().begin(), l.values().end());
}

AttributeProto* add(ChakraAttrList* attrs, const std::string& name) {
  AttributeProto* a = attrs->Add();
  a->set_name(name);
  return a;
}

}  // namespace

const AttributeProto* ChakraAttrs::find(const std::string& name) const {
  for (const auto& a : attrs_)
    if (a.name() == name) return &a;
  return nullptr;
}

const AttributeProto& ChakraAttrs::get(const std::string& name) const {
  const AttributeProto* a = find(name);
  if (!a) throw ConfigError(where_ + ": attribute " + name + " is missing");
  return *a;
}

void ChakraAttrs::wrong_kind(const AttributeProto& a, const std::string& expected) const {
  const auto* field = a.GetDescriptor()->FindFieldByNumber(int(a.value_case()));
  throw ConfigError(where_ + ": attribute " + a.name() + ": expected " + expected + ", got " +
                    (field ? field->name() : std::string("no value")));
}

double ChakraAttrs::number(const std::string& name) const {
  const AttributeProto& a = get(name);
  double v = 0;
  if (!number_value(a, &v)) wrong_kind(a, "a number");
  return v;
}

double ChakraAttrs::number_or(const std::string& name, double fallback) const {
  return has(name) ? number(name) : fallback;
}

int64_t ChakraAttrs::integer(const std::string& name) const {
  const AttributeProto& a = get(name);
  int64_t v = 0;
  if (!integer_value(a, &v)) wrong_kind(a, "an integer below 2^63");
  return v;
}

int64_t ChakraAttrs::integer_or(const std::string& name, int64_t fallback) const {
  return has(name) ? integer(name) : fallback;
}

std::string ChakraAttrs::text(const std::string& name) const {
  const AttributeProto& a = get(name);
  if (a.value_case() != AttributeProto::kStringVal) wrong_kind(a, "string_val");
  return a.string_val();
}

std::string ChakraAttrs::text_or(const std::string& name, const std::string& fallback) const {
  return has(name) ? text(name) : fallback;
}

bool ChakraAttrs::flag_or(const std::string& name, bool fallback) const {
  const AttributeProto* a = find(name);
  if (!a) return fallback;
  if (a->value_case() == AttributeProto::kBoolVal) return a->bool_val();
  int64_t v = 0;
  if (!integer_value(*a, &v) || (v != 0 && v != 1)) wrong_kind(*a, "bool_val");
  return v == 1;
}

std::vector<int64_t> ChakraAttrs::integers(const std::string& name) const {
  const AttributeProto& a = get(name);
  switch (a.value_case()) {
    case AttributeProto::kInt32List: return widen(a.int32_list());
    case AttributeProto::kInt64List: return widen(a.int64_list());
    case AttributeProto::kUint32List: return widen(a.uint32_list());
    case AttributeProto::kSint32List: return widen(a.sint32_list());
    case AttributeProto::kSint64List: return widen(a.sint64_list());
    case AttributeProto::kUint64List: {
      std::vector<int64_t> v;
      for (uint64_t u : a.uint64_list().values()) {
        if (u > uint64_t(std::numeric_limits<int64_t>::max())) wrong_kind(a, "integers below 2^63");
        v.push_back(int64_t(u));
      }
      return v;
    }
    default: wrong_kind(a, "an integer list (int64_list, int32_list, uint64_list...)");
  }
}

std::vector<double> ChakraAttrs::numbers(const std::string& name) const {
  const AttributeProto& a = get(name);
  if (a.value_case() == AttributeProto::kDoubleList)
    return std::vector<double>(a.double_list().values().begin(), a.double_list().values().end());
  if (a.value_case() == AttributeProto::kFloatList)
    return std::vector<double>(a.float_list().values().begin(), a.float_list().values().end());
  std::vector<double> v;
  for (int64_t i : integers(name)) v.push_back(double(i));
  return v;
}

std::vector<bool> ChakraAttrs::flags(const std::string& name) const {
  const AttributeProto& a = get(name);
  if (a.value_case() != AttributeProto::kBoolList) wrong_kind(a, "bool_list");
  return std::vector<bool>(a.bool_list().values().begin(), a.bool_list().values().end());
}

void add_uint_attr(ChakraAttrList* attrs, const std::string& name, uint64_t v) { add(attrs, name)->set_uint64_val(v); }
void add_int_attr(ChakraAttrList* attrs, const std::string& name, int64_t v) { add(attrs, name)->set_int64_val(v); }
void add_double_attr(ChakraAttrList* attrs, const std::string& name, double v) {
  add(attrs, name)->set_double_val(v);
}
void add_string_attr(ChakraAttrList* attrs, const std::string& name, const std::string& v) {
  add(attrs, name)->set_string_val(v);
}
void add_bool_attr(ChakraAttrList* attrs, const std::string& name, bool v) { add(attrs, name)->set_bool_val(v); }
void add_int_list_attr(ChakraAttrList* attrs, const std::string& name, const std::vector<int64_t>& v) {
  auto* l = add(attrs, name)->mutable_int64_list();
  for (int64_t x : v) l->add_values(x);
}
void add_double_list_attr(ChakraAttrList* attrs, const std::string& name, const std::vector<double>& v) {
  auto* l = add(attrs, name)->mutable_double_list();
  for (double x : v) l->add_values(x);
}

}  // namespace npusim::workload
