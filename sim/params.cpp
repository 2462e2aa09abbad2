#include "sim/params.hpp"

#include <cmath>
#include <sstream>

namespace npusim {

const char* to_string(ParamType t) {
  switch (t) {
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::Bool: return "bool";
    case ParamType::String: return "string";
    case ParamType::Enum: return "enum";
    case ParamType::Group: return "group";
    case ParamType::Json: return "json";
  }
  return "?";
}

static std::string fmt_num(double v) {
  // Whole numbers in full (1048576, not 1.04858e+06): ranges are read by people.
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  std::ostringstream os;
  os << v;
  return os.str();
}

std::string ParamInfo::expected_form() const {
  std::string s;
  switch (type) {
    case ParamType::Int: s = "an integer"; break;
    case ParamType::Float: s = "a number"; break;
    case ParamType::Bool: s = "true or false"; break;
    case ParamType::String: s = "a string"; break;
    case ParamType::Group: s = "an object"; break;
    case ParamType::Json: s = form; break;
    case ParamType::Enum: {
      s = "one of ";
      for (size_t i = 0; i < choices.size(); ++i) s += (i ? ", '" : "'") + choices[i] + "'";
      break;
    }
  }
  bool lo = std::isfinite(min), hi = std::isfinite(max);
  if (lo && hi) s += " in [" + fmt_num(min) + ", " + fmt_num(max) + "]";
  else if (lo) s += " >= " + fmt_num(min);
  else if (hi) s += " <= " + fmt_num(max);
  if (!unit.empty()) s += " (" + unit + ")";
  return s;
}

std::string join_path(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}

static std::string shown(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

[[noreturn]] static void bad(const json& v, const ParamInfo& p, const std::string& path) {
  throw ConfigError(path + ": expected " + p.expected_form() + ", got " + shown(v));
}

static void check_range(double x, const json& v, const ParamInfo& p, const std::string& path) {
  if (!(x >= p.min && x <= p.max)) bad(v, p, path);
}

int64_t param_to_int(const json& v, const ParamInfo& p, const std::string& path) {
  int64_t x = 0;
  if (v.is_number_integer()) {
    x = v.get<int64_t>();
  } else if (v.is_number_float()) {
    // 4.0 is accepted as 4 (JSON writers often emit floats); 4.5 is not.
    double d = v.get<double>();
    if (std::floor(d) != d || std::fabs(d) > 9.0e15) bad(v, p, path);
    x = static_cast<int64_t>(d);
  } else {
    bad(v, p, path);
  }
  check_range(static_cast<double>(x), v, p, path);
  return x;
}

double param_to_float(const json& v, const ParamInfo& p, const std::string& path) {
  if (!v.is_number()) bad(v, p, path);
  double x = v.get<double>();
  if (!std::isfinite(x)) bad(v, p, path);
  check_range(x, v, p, path);
  return x;
}

bool param_to_bool(const json& v, const ParamInfo& p, const std::string& path) {
  if (!v.is_boolean()) bad(v, p, path);
  return v.get<bool>();
}

std::string param_to_string(const json& v, const ParamInfo& p, const std::string& path) {
  if (!v.is_string()) bad(v, p, path);
  std::string s = v.get<std::string>();
  if (p.type == ParamType::Enum) {
    bool ok = false;
    for (const auto& c : p.choices) ok = ok || c == s;
    if (!ok) bad(v, p, path);
  }
  return s;
}

json param_to_spec(const json& v, const ParamInfo& p, const std::string& path) {
  if (!v.is_string() && !v.is_object()) bad(v, p, path);
  return v;
}

const Schema::Field* Schema::find(const std::string& name) const {
  for (const auto& f : fields_)
    if (f.info.name == name) return &f;
  return nullptr;
}

void Schema::read(void* obj, const json& j, const std::string& path) const {
  if (!j.is_object())
    throw ConfigError((path.empty() ? kind_ : path) + ": expected an object of " + kind_ +
                      " parameters, got " + shown(j));
  for (auto it = j.begin(); it != j.end(); ++it) {
    const Field* f = find(it.key());
    // null stands for "not given" where nothing is declared in its place.
    if (f && it.value().is_null() && f->info.default_value.is_null() && !f->info.required &&
        f->info.type != ParamType::Group)
      continue;
    if (!f) {
      std::string valid;
      for (const auto& g : fields_) valid += (valid.empty() ? "" : ", ") + g.info.name;
      throw ConfigError(join_path(path, it.key()) + ": unknown parameter of " + kind_ +
                        "; expected one of: " + valid);
    }
    f->read(obj, it.value(), join_path(path, it.key()));
  }
}

static bool applies(const ParamInfo& p, const json& j) {
  if (p.when_key.empty()) return true;
  const auto it = j.find(p.when_key);
  if (it == j.end() || !it->is_string()) return false;
  for (const auto& v : p.when_values)
    if (v == it->get<std::string>()) return true;
  return false;
}

void Schema::check_known_keys(const json& j, const std::string& path, const std::string& what) const {
  if (!j.is_object()) throw ConfigError(path + ": expected a " + what + " object, got " + j.dump());
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (find(it.key())) continue;
    std::string valid;
    for (const auto& f : fields_) valid += (valid.empty() ? "" : ", ") + f.info.name;
    throw ConfigError(path + "." + it.key() + ": unknown key for a " + what + "; expected one of: " + valid);
  }
}

void Schema::check_applicable(const json& j, const std::string& path) const {
  for (const auto& f : fields_) {
    const ParamInfo& p = f.info;
    const bool given = j.contains(p.name);
    if (given && !applies(p, j)) {
      const std::string sel = j.value(p.when_key, std::string());
      std::string keys;
      for (const auto& g : fields_)
        if (!g.info.when_key.empty() && applies(g.info, j)) keys += (keys.empty() ? "" : ", ") + g.info.name;
      throw ConfigError(join_path(path, p.name) + ": not a key of " + p.when_key + " '" + sel + "'; its keys: " +
                        keys);
    }
    if (!given && p.required && applies(p, j)) {
      const std::string which = p.when_key.empty() ? "" : " for " + p.when_key + " '" + j[p.when_key].get<std::string>() + "'";
      throw ConfigError(join_path(path, p.name) + ": required" + which + " (expected " + p.expected_form() + ")");
    }
  }
}

json Schema::write(const void* obj) const {
  json j = json::object();
  for (const auto& f : fields_) j[f.info.name] = f.write(obj);
  return j;
}

void Schema::apply_defaults(void* obj) const {
  for (const auto& f : fields_) {
    if (f.info.type == ParamType::Group) f.info.group->apply_defaults(f.sub(obj));
    else if (!f.info.default_value.is_null()) f.read(obj, f.info.default_value, f.info.name);
  }
}

nlohmann::ordered_json Schema::describe() const {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& f : fields_) {
    const ParamInfo& p = f.info;
    nlohmann::ordered_json d = {{"type", to_string(p.type)}, {"doc", p.doc}};
    if (p.type == ParamType::Group) {
      d["kind"] = p.group->kind();
      d["params"] = p.group->describe();
    } else {
      d["unit"] = p.unit;
      d["default"] = p.default_value;
      if (std::isfinite(p.min)) d["min"] = p.min;
      if (std::isfinite(p.max)) d["max"] = p.max;
      if (!p.choices.empty()) d["choices"] = p.choices;
      d["expected"] = p.expected_form();
    }
    if (p.required) d["required"] = true;
    if (!p.when_key.empty()) d["when"] = {{p.when_key, p.when_values}};
    out[p.name] = d;
  }
  return out;
}

}  // namespace npusim
