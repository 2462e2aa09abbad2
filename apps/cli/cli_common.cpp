#include "apps/cli/cli_common.hpp"

#include <cctype>
#include <cmath>

#include "sim/errors.hpp"
#include "sim/json_files.hpp"

namespace npusim::cli {

std::string flag_value(const std::vector<std::string>& args, size_t* i) {
  const std::string& flag = args[*i];
  if (*i + 1 >= args.size() || args[*i + 1].rfind("--", 0) == 0) throw UsageError(flag + " needs a value");
  *i += 2;
  return args[*i - 1];
}


double parse_double(const std::string& flag, const std::string& text) {
  const std::string want = flag + ": expected a number, got '" + text + "'";
  if (text.empty()) throw UsageError(want);
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (const std::exception&) {
    throw UsageError(want);
  }
  if (pos != text.size() || !std::isfinite(v)) throw UsageError(want);
  return v;
}

}  // namespace npusim::cli
