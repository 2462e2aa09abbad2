#include "apps/cli/chakra_cmd.hpp"

#include <cstdio>
#include <fstream>

#include "sim/errors.hpp"
#include "workload/chakra_et.hpp"
#include "apps/cli/cli_common.hpp"

namespace npusim::cli {

namespace {

const char* kChakraUsage =
    "usage: npusim chakra export --trace T.jsonl --out PREFIX   (writes PREFIX.0.et ... PREFIX.<ranks-1>.et)\n"
    "       npusim chakra import --trace PREFIX --out T.jsonl   (reads PREFIX.0.et, PREFIX.1.et, ...)\n"
    "  Converts between operator-graph traces (traces/opgraph.md) and Chakra execution traces, the\n"
    "  MLCommons format ASTRA-sim runs (traces/chakra.md). Exit codes: 2 usage, 3 config.\n";

}  // namespace

int run_chakra_command(const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError(std::string("chakra: expected export or import\n") + kChakraUsage);
  const std::string& action = args[0];
  if (action == "-h" || action == "--help") {
    std::fputs(kChakraUsage, stdout);
    return 0;
  }
  if (action != "export" && action != "import")
    throw UsageError("chakra: expected export or import, got '" + action + "'\n" + kChakraUsage);
  std::string trace, out;
  for (size_t i = 1; i < args.size();) {
    const std::string& f = args[i];
    if (f == "--trace") trace = flag_value(args, &i);
    else if (f == "--out") out = flag_value(args, &i);
    else if (f == "-h" || f == "--help") { std::fputs(kChakraUsage, stdout); return 0; }
    else throw UsageError("unknown argument '" + f + "' for 'chakra " + action + "'\n" + kChakraUsage);
  }
  if (trace.empty()) throw UsageError("chakra " + action + ": --trace is required\n" + kChakraUsage);
  if (out.empty()) throw UsageError("chakra " + action + ": --out is required\n" + kChakraUsage);
  if (action == "export") {
    const workload::OpGraph g = workload::read_opgraph(trace);
    workload::export_chakra(g, out);
    std::printf("wrote %zu nodes of %d ranks to %s .. %s\n", g.nodes.size(), g.ranks,
                workload::chakra_rank_file(out, 0).c_str(), workload::chakra_rank_file(out, g.ranks - 1).c_str());
    return 0;
  }
  const workload::OpGraph g = workload::import_chakra(trace);
  std::ofstream os(out, std::ios::trunc);
  workload::write_opgraph(g, os);
  os.flush();
  if (!os) throw ConfigError(out + ": cannot write the opgraph trace");
  std::printf("wrote %zu nodes of %d ranks to %s\n", g.nodes.size(), g.ranks, out.c_str());
  return 0;
}

}  // namespace npusim::cli
