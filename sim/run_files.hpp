// Where a job writes its outputs (result.json, stats.txt, stats.json,
// config.json, perf.json): one run directory, or nowhere. Every job runner
// takes one, so the CLI, `npusim-engine job` and Python's run() ask for
// files the same way.
#pragma once
#include <filesystem>
#include <string>
#include <utility>

namespace npusim {

struct RunFiles {
  std::string dir;  // "" writes nothing

  RunFiles() = default;
  RunFiles(std::string d) : dir(std::move(d)) {}  // NOLINT: a directory is a RunFiles
  RunFiles(const char* d) : dir(d) {}             // NOLINT

  bool enabled() const { return !dir.empty(); }
  std::filesystem::path operator/(const std::string& file) const { return std::filesystem::path(dir) / file; }
  // Creates the directory (and parents) when enabled.
  void create() const {
    if (enabled()) std::filesystem::create_directories(dir);
  }
};

}  // namespace npusim
