// A fresh directory per test case (removed afterwards) for tests that need
// files, so parallel test runs never collide.
#pragma once
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace npusim::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "npusim_test") {
    static std::atomic<unsigned> counter{0};
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           (prefix + "_" + std::to_string(rd()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = path(name);
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

}  // namespace npusim::test
