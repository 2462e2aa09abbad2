// One parameter system. Each parameter is declared once -- name, type, unit,
// default, doc, valid range -- next to the C++ struct field it fills. The same
// declaration validates JSON configs (errors name the full key path), writes
// JSON back (round trip), and is exported to Python as the schema its config
// objects are built from, so C++ and Python share names and docs.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/enums.hpp"
#include "sim/errors.hpp"

namespace npusim {

using json = nlohmann::json;

// Json: a value a job resolves itself (a preset name, a file path or an
// object: a job's chip, memory, system or trace); `form` says which.
enum class ParamType { Int, Float, Bool, String, Enum, Group, Json };
const char* to_string(ParamType t);

class Schema;

// The declaration of one parameter (or of a nested group of parameters).
struct ParamInfo {
  std::string name;
  ParamType type = ParamType::Int;
  std::string unit;  // "" for dimensionless
  std::string doc;
  json default_value;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // Enum only
  const Schema* group = nullptr;     // Group only
  std::string form;                  // Json only: the accepted forms, for errors and docs
  // No declared default (default_value null): the value must be given
  // (required) or is derived from others when absent (e.g. a job's name).
  bool required = false;
  // Applies only when the key `when_key` of the same object holds one of
  // `when_values` (a job's per-operator keys); empty: always applies.
  std::string when_key;
  std::vector<std::string> when_values;

  // "integer in [1, 64] (cycles)" -- used in error messages and docs.
  std::string expected_form() const;
};

// Inclusive numeric range for a declaration.
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};

// A schema describes one config struct: its parameters in declaration order.
// Objects are handled type-erased (void*) so a schema can be stored in
// tables and walked generically; the typed front end is SchemaBuilder<T>.
class Schema {
 public:
  struct Field {
    ParamInfo info;
    std::function<void(void*, const json&, const std::string&)> read;
    std::function<json(const void*)> write;
    std::function<void*(void*)> sub;  // Group only: the nested struct
  };

  Schema(std::string kind, std::string doc) : kind_(std::move(kind)), doc_(std::move(doc)) {}
  const std::string& kind() const { return kind_; }
  const std::string& doc() const { return doc_; }
  const std::vector<Field>& fields() const { return fields_; }
  const Field* find(const std::string& name) const;

  // Applies `j` (an object) onto `obj`; keys absent from `j` keep their value.
  // `path` is the key path of `j` itself, e.g. "memory.timing".
  void read(void* obj, const json& j, const std::string& path) const;
  json write(const void* obj) const;
  // Sets every parameter (recursively) to its declared default; parameters
  // without one (required or derived) are left as they are.
  void apply_defaults(void* obj) const;
  // Checks `j` (already read) for keys that do not apply (their `when` key
  // holds another value) and required keys that apply but are absent;
  // ConfigError naming the key path and the selector's value.
  void check_applicable(const json& j, const std::string& path) const;
  // Checks that `j` is an object holding only this schema's keys, before any
  // value is read (runners that check values themselves); ConfigError
  // "<path>.<key>: unknown key for a <what>; expected one of: ...".
  void check_known_keys(const json& j, const std::string& path, const std::string& what) const;
  // {name: {type, unit, doc, default, min, max, choices, required, when,
  // params}} for Python.
  nlohmann::ordered_json describe() const;  // declaration order

  std::vector<Field>& mutable_fields() { return fields_; }

 private:
  std::string kind_, doc_;
  std::vector<Field> fields_;
};

// Strict conversions used by the field readers; each throws ConfigError with
// `path` and the expected form.
int64_t param_to_int(const json& v, const ParamInfo& p, const std::string& path);
double param_to_float(const json& v, const ParamInfo& p, const std::string& path);
bool param_to_bool(const json& v, const ParamInfo& p, const std::string& path);
std::string param_to_string(const json& v, const ParamInfo& p, const std::string& path);
json param_to_spec(const json& v, const ParamInfo& p, const std::string& path);
std::string join_path(const std::string& base, const std::string& key);

// Typed builder: SchemaBuilder<HbmTiming>(s).param(&HbmTiming::nCL, "nCL",
// "tCK", 14, "CAS latency", {1, 255});
template <class T>
class SchemaBuilder {
 public:
  explicit SchemaBuilder(Schema& s) : s_(s) {}

  template <class M, class D>
  SchemaBuilder& param(M T::*member, const char* name, const char* unit, D def, const char* doc,
                       Range range = {}) {
    ParamInfo info = make_info<M>(name, unit, doc, range);
    info.default_value = M(def);
    add(member, std::move(info));
    return *this;
  }

  // A parameter without a default: the object must give it when it applies
  // (see when()). The member keeps its value-initialised state until read.
  template <class M>
  SchemaBuilder& required(M T::*member, const char* name, const char* unit, const char* doc, Range range = {}) {
    ParamInfo info = make_info<M>(name, unit, doc, range);
    info.required = true;
    add(member, std::move(info));
    return *this;
  }

  // A parameter whose value, when absent, is derived from others (doc says
  // how): no static default.
  template <class M>
  SchemaBuilder& derived(M T::*member, const char* name, const char* unit, const char* doc, Range range = {}) {
    add(member, make_info<M>(name, unit, doc, range));
    return *this;
  }

  // A JSON value the owner resolves itself (ParamType::Json): a string or
  // an object, described by `form` ("a chip preset name, a .json path or an
  // object"). `required`: no default.
  SchemaBuilder& spec(json T::*member, const char* name, const char* doc, const char* form, bool required) {
    ParamInfo info;
    info.name = name;
    info.type = ParamType::Json;
    info.doc = doc;
    info.form = form;
    info.required = required;
    Schema::Field f;
    f.info = std::move(info);
    size_t index = s_.fields().size();
    Schema* schema = &s_;
    f.read = [member, index, schema](void* o, const json& v, const std::string& path) {
      static_cast<T*>(o)->*member = param_to_spec(v, schema->fields()[index].info, path);
    };
    f.write = [member](const void* o) { return static_cast<const T*>(o)->*member; };
    s_.mutable_fields().push_back(std::move(f));
    return *this;
  }

  // The parameter declared last applies only when `key` is one of `values`.
  SchemaBuilder& when(const char* key, std::vector<std::string> values) {
    ParamInfo& p = s_.mutable_fields().back().info;
    p.when_key = key;
    p.when_values = std::move(values);
    return *this;
  }

  // A string parameter restricted to `choices`; `def` nullptr: required.
  SchemaBuilder& choice(std::string T::*member, const char* name, const char* def, const char* doc,
                        std::vector<std::string> choices) {
    ParamInfo info;
    info.name = name;
    info.type = ParamType::Enum;
    info.doc = doc;
    info.default_value = def ? json(std::string(def)) : json();
    info.required = def == nullptr;
    info.choices = std::move(choices);
    add(member, std::move(info));
    return *this;
  }

  // A choice the model compares: the member is an NPUSIM_ENUM enum E,
  // spelled in JSON, docs and Python by E's declared names (the parameter's
  // choices, in declaration order); `def` is a value of E. (The string form
  // above serves job keys read as text.)
  template <class E>
  SchemaBuilder& choice(E T::*member, const char* name, E def, const char* doc) {
    static_assert(is_named_enum_v<E>, "a choice parameter is an enum declared with NPUSIM_ENUM");
    ParamInfo info;
    info.name = name;
    info.type = ParamType::Enum;
    info.doc = doc;
    info.default_value = std::string(enum_name(def));
    info.choices = enum_choices<E>();
    add(member, std::move(info));
    return *this;
  }

  // A nested group whose struct type G provides `static const Schema& schema()`.
  template <class G>
  SchemaBuilder& group(G T::*member, const char* name, const char* doc) {
    ParamInfo info;
    info.name = name;
    info.type = ParamType::Group;
    info.doc = doc;
    info.group = &G::schema();
    Schema::Field f;
    f.info = info;
    f.sub = [member](void* o) -> void* { return &(static_cast<T*>(o)->*member); };
    f.read = [member](void* o, const json& v, const std::string& path) {
      G::schema().read(&(static_cast<T*>(o)->*member), v, path);
    };
    f.write = [member](const void* o) { return G::schema().write(&(static_cast<const T*>(o)->*member)); };
    s_.mutable_fields().push_back(std::move(f));
    return *this;
  }

 private:
  template <class M>
  static ParamInfo make_info(const char* name, const char* unit, const char* doc, Range range) {
    ParamInfo info;
    info.name = name;
    info.unit = unit;
    info.doc = doc;
    info.min = range.min;
    info.max = range.max;
    if constexpr (std::is_same_v<M, bool>) {
      info.type = ParamType::Bool;
    } else if constexpr (std::is_integral_v<M>) {
      info.type = ParamType::Int;
    } else if constexpr (std::is_floating_point_v<M>) {
      info.type = ParamType::Float;
    } else {
      static_assert(std::is_same_v<M, std::string>, "unsupported parameter type");
      info.type = ParamType::String;
    }
    return info;
  }

  template <class M>
  void add(M T::*member, ParamInfo info) {
    Schema::Field f;
    f.info = std::move(info);
    size_t index = s_.fields().size();
    Schema* schema = &s_;
    f.read = [member, index, schema](void* o, const json& v, const std::string& path) {
      const ParamInfo& p = schema->fields()[index].info;
      M& dst = static_cast<T*>(o)->*member;
      if constexpr (std::is_same_v<M, bool>) {
        dst = param_to_bool(v, p, path);
      } else if constexpr (std::is_integral_v<M>) {
        dst = static_cast<M>(param_to_int(v, p, path));
      } else if constexpr (std::is_floating_point_v<M>) {
        dst = static_cast<M>(param_to_float(v, p, path));
      } else if constexpr (std::is_enum_v<M>) {
        // param_to_string has checked the name against the choices.
        enum_from_string(param_to_string(v, p, path), &dst);
      } else {
        dst = param_to_string(v, p, path);
      }
    };
    f.write = [member](const void* o) {
      if constexpr (std::is_enum_v<M>) return json(enum_name(static_cast<const T*>(o)->*member));
      else return json(static_cast<const T*>(o)->*member);
    };
    s_.mutable_fields().push_back(std::move(f));
  }

  Schema& s_;
};

// Builds a T holding every declared default.
template <class T>
T defaults_of() {
  T t{};
  T::schema().apply_defaults(&t);
  return t;
}

// Parses `j` over the defaults of T. `path` names `j` in error messages.
template <class T>
T from_json(const json& j, const std::string& path) {
  T t = defaults_of<T>();
  T::schema().read(&t, j, path);
  return t;
}

template <class T>
json to_json(const T& t) {
  return T::schema().write(&t);
}

}  // namespace npusim
