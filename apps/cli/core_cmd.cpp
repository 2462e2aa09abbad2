#include "apps/cli/core_cmd.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "sim/errors.hpp"
#include "sim/json_files.hpp"
#include "sim/stats.hpp"
#include "npu/core/ai_core.hpp"
#include "npu/core/core_trace.hpp"
#include "apps/cli/cli_common.hpp"

namespace npusim::cli {

int run_core_command(const std::vector<std::string>& args) {
  std::string trace, config, stats_dir;
  bool as_json = false;
  for (size_t i = 0; i < args.size();) {
    const std::string& f = args[i];
    auto value = [&] { return flag_value(args, &i); };
    if (f == "--trace") trace = value();
    else if (f == "--config") config = value();
    else if (f == "--stats-dir") stats_dir = value();
    else if (f == "--json") { as_json = true; ++i; }
    else throw UsageError("unknown argument '" + f + "' for 'core'");
  }
  if (trace.empty()) throw UsageError("core: --trace is required (a core instruction trace, see traces/core.md)");

  json cj = json::object();
  if (!config.empty()) cj = read_json_file(config, "core config", "a core config object");
  const npu::CoreConfig cfg = from_json<npu::CoreConfig>(cj, config.empty() ? "core" : config + ": core");
  std::vector<npu::Instruction> program = npu::read_core_trace(trace, cfg);

  stats::Registry registry;
  stats::Group root(registry, "system");
  npu::AiCore core(cfg, std::move(program), root);
  const uint64_t cycles = core.run();

  json r = {{"trace", trace}, {"cycles", cycles}, {"time_us", double(cycles) / (cfg.clock_ghz * 1000.0)}};
  json pipes = json::object();
  for (int p = 0; p < npu::kNumPipes; ++p) {
    const npu::Pipe pipe = npu::Pipe(p);
    pipes[npu::to_string(pipe)] = {
        {"busy_fraction", cycles ? core.busy_cycles(pipe) / double(cycles) : 0.0},
        {"flag_stall_cycles", core.flag_stall_cycles(pipe)},
        {"instructions", core.instructions(pipe)},
        {"bytes", core.bytes(pipe)},
    };
  }
  r["pipes"] = pipes;
  if (!stats_dir.empty()) {
    std::filesystem::create_directories(stats_dir);
    write_json_file(std::filesystem::path(stats_dir) / "stats.json", registry.dump_json());
    std::ostringstream txt;
    registry.dump_text(txt);
    write_file(std::filesystem::path(stats_dir) / "stats.txt", txt.str());
    write_json_file(std::filesystem::path(stats_dir) / "config.json", to_json(cfg));
  }
  if (as_json) {
    std::cout << r.dump() << std::endl;
  } else {
    std::printf("trace     %s\ncycles    %llu (%.3f us at %.2f GHz)\n", trace.c_str(), (unsigned long long)cycles,
                r["time_us"].get<double>(), cfg.clock_ghz);
    std::printf("%-6s %8s %12s %8s %12s\n", "pipe", "busy", "flag stall", "instrs", "bytes");
    for (auto it = pipes.begin(); it != pipes.end(); ++it)
      std::printf("%-6s %7.1f%% %12.0f %8.0f %12.0f\n", it.key().c_str(), 100 * it.value()["busy_fraction"].get<double>(),
                  it.value()["flag_stall_cycles"].get<double>(), it.value()["instructions"].get<double>(),
                  it.value()["bytes"].get<double>());
  }
  return 0;
}

}  // namespace npusim::cli
