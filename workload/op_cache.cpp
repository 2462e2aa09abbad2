#include "workload/op_cache.hpp"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "models/op_job.hpp"
#include "sim/errors.hpp"

namespace npusim::workload {

namespace {

constexpr int kCacheFormat = 1;

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

OpTiming timing_of(const json& r) {
  OpTiming t;
  t.time_ns = r.at("time_us").get<double>() * 1e3;
  t.flops = r.at("flops").get<double>();
  t.hbm_bytes = r.at("hbm_bytes").get<double>();
  t.bound = r.at("bound").get<std::string>();
  return t;
}

json timing_json(const OpTiming& t) {
  return {{"time_us", t.time_ns / 1e3}, {"flops", t.flops}, {"hbm_bytes", t.hbm_bytes}, {"bound", t.bound}};
}

// A child process running one cycle-level op job; its stdout goes to stderr
// so that nothing it prints mixes with the parent's output.
struct Child {
  pid_t pid = -1;
  int fd = -1;
  size_t index = 0;
};

Child fork_op(const json& job, size_t index) {
  int fds[2];
  if (pipe(fds) != 0) throw Error("op cache: cannot create a pipe for a cycle-level op");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw Error("op cache: cannot fork a process for a cycle-level op");
  if (pid == 0) {
    close(fds[0]);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    std::string out;
    int code = 0;
    try {
      out = json{{"result", run_op_job(job, RunFiles{})}}.dump();
    } catch (const std::exception& e) {
      out = json{{"error", e.what()}}.dump();
      code = 1;
    }
    size_t off = 0;
    while (off < out.size()) {
      const ssize_t n = write(fds[1], out.data() + off, out.size() - off);
      if (n <= 0) break;
      off += size_t(n);
    }
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  return {pid, fds[0], index};
}

json collect(Child& c) {
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(c.fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, size_t(n));
  }
  close(c.fd);
  int status = 0;
  waitpid(c.pid, &status, 0);
  json r = json::parse(text, nullptr, false);
  if (r.is_discarded() || !r.is_object())
    throw Error("op cache: a cycle-level op process ended without a result (status " +
                       std::to_string(status) + ")");
  if (r.contains("error")) throw ConfigError(r["error"].get<std::string>());
  return r["result"];
}

}  // namespace

std::vector<OpTiming> run_op_jobs(const std::vector<json>& jobs, int parallel) {
  std::vector<OpTiming> out(jobs.size());
  std::vector<size_t> cycle;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].value("fidelity", "cycle") == "cycle") cycle.push_back(i);
    else out[i] = timing_of(run_op_job(jobs[i], RunFiles{}));
  }
  std::vector<Child> running;
  size_t next = 0;
  while (next < cycle.size() || !running.empty()) {
    while (next < cycle.size() && int(running.size()) < std::max(1, parallel)) {
      running.push_back(fork_op(jobs[cycle[next]], cycle[next]));
      ++next;
    }
    // Collect in start order: results do not depend on which ends first.
    Child c = running.front();
    running.erase(running.begin());
    out[c.index] = timing_of(collect(c));
  }
  return out;
}

OpCache::OpCache(std::string dir, int parallel) : dir_(std::move(dir)), parallel_(parallel) {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec || !std::filesystem::is_directory(dir_))
      throw ConfigError("op cache: cannot create directory '" + dir_ + "' (expected a writable directory)");
  }
}

std::string OpCache::key_of(const std::string& chip_key, const json& op_keys, const std::string& fidelity) {
  return "opcache v" + std::to_string(kCacheFormat) + "\n" + chip_key + "\n" + op_keys.dump() + "\n" + fidelity;
}

std::string OpCache::file_of(const std::string& key) const {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.json", static_cast<unsigned long long>(fnv1a(key)));
  return (std::filesystem::path(dir_) / name).string();
}

bool OpCache::load(const std::string& key) {
  if (dir_.empty()) return false;
  std::ifstream in(file_of(key));
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  // A hash collision or a damaged file is a miss, never a wrong result.
  if (j.is_discarded() || !j.is_object() || j.value("key", "") != key || !j.contains("timing")) return false;
  known_[key] = timing_of(j["timing"]);
  ++loaded_;
  return true;
}

void OpCache::store(const std::string& key, const OpTiming& t) const {
  if (dir_.empty()) return;
  const std::string path = file_of(key), tmp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp);
    out << json{{"key", key}, {"timing", timing_json(t)}}.dump(1) << "\n";
    if (!out) throw ConfigError("op cache: cannot write '" + tmp + "'");
  }
  std::filesystem::rename(tmp, path);  // readers never see half a file
}

void OpCache::prefetch(const std::vector<std::pair<std::string, json>>& jobs) {
  std::vector<std::string> keys;
  std::vector<json> todo;
  std::set<std::string> queued;
  for (const auto& [key, job] : jobs) {
    if (known_.count(key) || queued.count(key) || load(key)) continue;
    queued.insert(key);
    keys.push_back(key);
    todo.push_back(job);
  }
  const std::vector<OpTiming> t = run_op_jobs(todo, parallel_);
  for (size_t i = 0; i < keys.size(); ++i) {
    known_[keys[i]] = t[i];
    ++simulated_;
    store(keys[i], t[i]);
    first_use_.insert(keys[i]);
  }
}

const OpTiming& OpCache::get(const std::string& key, const json& job) {
  auto it = known_.find(key);
  if (it == known_.end() && !load(key)) {
    prefetch({{key, job}});
    it = known_.find(key);
  } else if (it == known_.end()) {
    it = known_.find(key);
  }
  // The first use of a key simulated in this run is its miss; every other
  // use (and every use of a key read from the directory) is a hit.
  if (first_use_.erase(key) == 0) ++hits_;
  return it->second;
}

}  // namespace npusim::workload
