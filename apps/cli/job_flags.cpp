#include "apps/cli/job_flags.hpp"

#include <algorithm>
#include <cmath>

#include "apps/cli/cli_common.hpp"
#include "sim/errors.hpp"

namespace npusim::cli {

std::string flag_of(const std::string& key) {
  std::string f = "--" + key;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

namespace {

// The key a flag sets, and the value a bare bool flag gives it.
const ParamInfo* key_of(const Schema& schema, const std::string& flag, const std::map<std::string, std::string>& aliases,
                        bool* bare_value) {
  const auto alias = aliases.find(flag);
  for (const auto& f : schema.fields()) {
    const ParamInfo& p = f.info;
    if (p.name == "kind" || p.type == ParamType::Group) continue;
    const bool named = alias != aliases.end() ? alias->second == p.name : flag == flag_of(p.name);
    if (named && p.type == ParamType::Bool && p.default_value == json(true)) continue;  // only --no-<key>
    if (named) {
      *bare_value = true;
      return &p;
    }
    if (p.type == ParamType::Bool && p.default_value == json(true) && flag == "--no-" + flag_of(p.name).substr(2)) {
      *bare_value = false;
      return &p;
    }
  }
  return nullptr;
}

}  // namespace

namespace {

// The text as a JSON number when it is a plain decimal one, else as given.
json lenient(const std::string& text, bool integer) {
  const bool digits = !text.empty() && text.size() < 16 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) return json(std::stoll(text));
  if (!integer) {
    try {
      size_t pos = 0;
      const double d = std::stod(text, &pos);
      if (pos == text.size() && std::isfinite(d)) return json(d);
    } catch (const std::exception&) {
    }
  }
  return json(text);
}

}  // namespace

bool read_job_flag(const Schema& schema, const std::vector<std::string>& args, size_t* i, json* job,
                   const std::map<std::string, std::string>& aliases, bool typed) {
  const std::string flag = args[*i];
  bool bare = true;
  const ParamInfo* p = key_of(schema, flag, aliases, &bare);
  if (!p) return false;
  json& dst = (*job)[p->name];
  if (!typed && p->type != ParamType::Bool) {
    const std::string v = flag_value(args, i);
    dst = p->type == ParamType::Int ? lenient(v, true)
          : p->type == ParamType::Float ? lenient(v, false)
          : p->type == ParamType::Json ? lenient(v, true)
                                       : json(v);
    return true;
  }
  switch (p->type) {
    case ParamType::Bool:
      dst = bare;
      ++*i;
      return true;
    case ParamType::Int: {
      const std::string v = flag_value(args, i);
      dst = p->min >= 1 ? json(parse_positive(flag, v)) : json(parse_nonneg_int(flag, v));
      return true;
    }
    case ParamType::Float:
      dst = parse_double(flag, flag_value(args, i));
      return true;
    default:
      dst = flag_value(args, i);
      return true;
  }
}

void fill_selected_defaults(const Schema& schema, json* job) {
  for (const auto& f : schema.fields()) {
    const ParamInfo& p = f.info;
    if (p.when_key.empty() || p.default_value.is_null() || job->contains(p.name)) continue;
    const auto sel = job->find(p.when_key);
    if (sel != job->end() && sel->is_string() &&
        std::find(p.when_values.begin(), p.when_values.end(), sel->get<std::string>()) != p.when_values.end())
      (*job)[p.name] = p.default_value;
  }
}

void require_job_flags(const Schema& schema, const json& job, const std::string& command) {
  for (const auto& f : schema.fields()) {
    const ParamInfo& p = f.info;
    if (!p.required || job.contains(p.name)) continue;
    if (!p.when_key.empty()) {
      const auto sel = job.find(p.when_key);
      if (sel == job.end() || !sel->is_string() ||
          std::find(p.when_values.begin(), p.when_values.end(), sel->get<std::string>()) == p.when_values.end())
        continue;
      throw UsageError(command + " " + sel->get<std::string>() + ": " + flag_of(p.name) + " is required");
    }
    throw UsageError(command + ": " + flag_of(p.name) + " is required");
  }
}

}  // namespace npusim::cli
