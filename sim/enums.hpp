// Named enums: a choice is a C++ enum whose spellings are declared once, with
// it, like gem5's Enum params. The schema (params.hpp) reads and writes
// these spellings in JSON and exports them to Python as the parameter's
// choices, so the names users type come from this one declaration while
// model code compares enum values, never strings.
//
//   NPUSIM_ENUM(PagePolicy, (Open, "open"), (Closed, "closed"));
//
// declares `enum class PagePolicy { Open, Closed }` in the current namespace
// (namespace scope only), its name table, `to_string(PagePolicy)` and
// `operator<<` (found by argument-dependent lookup from any namespace); a
// json built from a value holds its name. Enumerators take
// the values 0, 1, ... in declaration order; up to 16 of them.
#pragma once
#include <cstddef>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/errors.hpp"

namespace npusim {

template <class E>
struct EnumName {
  E value;
  const char* name;
};

// Whether E was declared with NPUSIM_ENUM (has a name table).
template <class E, class = void>
struct is_named_enum : std::false_type {};
template <class E>
struct is_named_enum<E, std::void_t<decltype(npusim_enum_names(E{}))>> : std::true_type {};
template <class E>
constexpr bool is_named_enum_v = is_named_enum<E>::value;

// E's (value, name) pairs in declaration order.
template <class E>
constexpr const auto& enum_names() {
  static_assert(is_named_enum_v<E>, "declare the enum with NPUSIM_ENUM");
  return npusim_enum_names(E{});
}

template <class E>
constexpr size_t enum_count() {
  return std::extent_v<std::remove_reference_t<decltype(enum_names<E>())>>;
}

// The spelling of `e` (the table is indexed by value: see NPUSIM_ENUM).
template <class E>
constexpr const char* enum_name(E e) {
  return enum_names<E>()[static_cast<size_t>(e)].name;
}

// Every spelling of E, in declaration order: a schema parameter's choices.
template <class E>
std::vector<std::string> enum_choices() {
  std::vector<std::string> v;
  for (const auto& n : enum_names<E>()) v.push_back(n.name);
  return v;
}

// The value spelled `name`; false when there is none.
template <class E>
bool enum_from_string(const std::string& name, E* out) {
  for (const auto& n : enum_names<E>())
    if (name == n.name) {
      *out = n.value;
      return true;
    }
  return false;
}

// "one of 'open', 'closed'": the form the schema's errors state too.
template <class E>
std::string enum_expected_form() {
  std::string s = "one of ";
  bool first = true;
  for (const auto& n : enum_names<E>()) {
    s += std::string(first ? "'" : ", '") + n.name + "'";
    first = false;
  }
  return s;
}

// The value spelled `name`, or ConfigError "<path>: expected one of 'open',
// 'closed', got \"ajar\"" -- the text a schema choice gives for the same
// mistake, for names that arrive outside a schema (CLI flags, tables).
template <class E>
E parse_enum(const std::string& name, const std::string& path) {
  E e{};
  if (!enum_from_string(name, &e))
    throw ConfigError(path + ": expected " + enum_expected_form<E>() + ", got \"" + name + "\"");
  return e;
}

}  // namespace npusim

// JSON writes a named enum as its spelling (nlohmann's default would write
// the number), wherever a value lands in a json: stats, results, configs.
namespace nlohmann {
template <class E>
struct adl_serializer<E, std::enable_if_t<npusim::is_named_enum_v<E>>> {
  template <class Json>
  static void to_json(Json& j, E e) {
    j = npusim::enum_name(e);
  }
};
}  // namespace nlohmann

// ---- The declaration macro. Each pair (Id, "name") becomes the enumerator
// Id and the table entry {Type::Id, "name"}.
#define NPUSIM_ENUM_FIRST_(a, b) a
#define NPUSIM_ENUM_SECOND_(a, b) b
#define NPUSIM_ENUM_ID_(T, p) NPUSIM_ENUM_FIRST_ p,
#define NPUSIM_ENUM_ENTRY_(T, p) {T::NPUSIM_ENUM_FIRST_ p, NPUSIM_ENUM_SECOND_ p},

#define NPUSIM_FE_1_(M, T, x) M(T, x)
#define NPUSIM_FE_2_(M, T, x, ...) M(T, x) NPUSIM_FE_1_(M, T, __VA_ARGS__)
#define NPUSIM_FE_3_(M, T, x, ...) M(T, x) NPUSIM_FE_2_(M, T, __VA_ARGS__)
#define NPUSIM_FE_4_(M, T, x, ...) M(T, x) NPUSIM_FE_3_(M, T, __VA_ARGS__)
#define NPUSIM_FE_5_(M, T, x, ...) M(T, x) NPUSIM_FE_4_(M, T, __VA_ARGS__)
#define NPUSIM_FE_6_(M, T, x, ...) M(T, x) NPUSIM_FE_5_(M, T, __VA_ARGS__)
#define NPUSIM_FE_7_(M, T, x, ...) M(T, x) NPUSIM_FE_6_(M, T, __VA_ARGS__)
#define NPUSIM_FE_8_(M, T, x, ...) M(T, x) NPUSIM_FE_7_(M, T, __VA_ARGS__)
#define NPUSIM_FE_9_(M, T, x, ...) M(T, x) NPUSIM_FE_8_(M, T, __VA_ARGS__)
#define NPUSIM_FE_10_(M, T, x, ...) M(T, x) NPUSIM_FE_9_(M, T, __VA_ARGS__)
#define NPUSIM_FE_11_(M, T, x, ...) M(T, x) NPUSIM_FE_10_(M, T, __VA_ARGS__)
#define NPUSIM_FE_12_(M, T, x, ...) M(T, x) NPUSIM_FE_11_(M, T, __VA_ARGS__)
#define NPUSIM_FE_13_(M, T, x, ...) M(T, x) NPUSIM_FE_12_(M, T, __VA_ARGS__)
#define NPUSIM_FE_14_(M, T, x, ...) M(T, x) NPUSIM_FE_13_(M, T, __VA_ARGS__)
#define NPUSIM_FE_15_(M, T, x, ...) M(T, x) NPUSIM_FE_14_(M, T, __VA_ARGS__)
#define NPUSIM_FE_16_(M, T, x, ...) M(T, x) NPUSIM_FE_15_(M, T, __VA_ARGS__)
#define NPUSIM_FE_PICK_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, N, ...) N
#define NPUSIM_ENUM_FOR_EACH_(M, T, ...)                                                                        \
  NPUSIM_FE_PICK_(__VA_ARGS__, NPUSIM_FE_16_, NPUSIM_FE_15_, NPUSIM_FE_14_, NPUSIM_FE_13_, NPUSIM_FE_12_,      \
                  NPUSIM_FE_11_, NPUSIM_FE_10_, NPUSIM_FE_9_, NPUSIM_FE_8_, NPUSIM_FE_7_, NPUSIM_FE_6_,         \
                  NPUSIM_FE_5_, NPUSIM_FE_4_, NPUSIM_FE_3_, NPUSIM_FE_2_, NPUSIM_FE_1_, unused)                 \
  (M, T, __VA_ARGS__)

#define NPUSIM_ENUM(Type, ...)                                                                               \
  enum class Type { NPUSIM_ENUM_FOR_EACH_(NPUSIM_ENUM_ID_, Type, __VA_ARGS__) };                             \
  inline constexpr ::npusim::EnumName<Type> npusim_enum_table_##Type[] = {                                   \
      NPUSIM_ENUM_FOR_EACH_(NPUSIM_ENUM_ENTRY_, Type, __VA_ARGS__)};                                         \
  constexpr const auto& npusim_enum_names(Type) { return npusim_enum_table_##Type; }                         \
  inline const char* to_string(Type e) { return ::npusim::enum_name(e); }                                    \
  inline std::ostream& operator<<(std::ostream& os, Type e) { return os << ::npusim::enum_name(e); }          \
  static_assert(true, "a NPUSIM_ENUM declaration ends with a semicolon")
