#include "sim/timeline.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sim/errors.hpp"

namespace npusim {

namespace {

void put_escaped(std::FILE* f, const char* s) {
  std::fputc('"', f);
  for (; *s; ++s) {
    unsigned char c = static_cast<unsigned char>(*s);
    if (c == '"' || c == '\\') {
      std::fputc('\\', f);
      std::fputc(c, f);
    } else if (c < 0x20) {
      std::fprintf(f, "\\u%04x", c);
    } else {
      std::fputc(c, f);
    }
  }
  std::fputc('"', f);
}

// Trace-event times are microseconds; ps gives exactly six decimals, printed
// from integers so the file is byte-identical across runs and hosts.
void put_us(std::FILE* f, uint64_t ps) {
  std::fprintf(f, "%llu.%06llu", static_cast<unsigned long long>(ps / 1000000),
               static_cast<unsigned long long>(ps % 1000000));
}

}  // namespace

Timeline::~Timeline() {
  try {
    close();
  } catch (...) {
    // A destructor must not throw; an explicit close() reports the error.
  }
}

void Timeline::open(const std::string& path, size_t max_events) {
  if (file_) throw Error("timeline already open on '" + path_ + "'");
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f)
    throw ConfigError("cannot open timeline file '" + path + "' for writing: " +
                      std::strerror(errno));
  file_ = f;
  path_ = path;
  max_events_ = max_events;
  events_.clear();
  events_.reserve(std::min<size_t>(max_events, 1 << 16));
  dropped_ = 0;
  enabled_ = true;
}

int Timeline::add_track(const std::string& process, const std::string& thread) {
  auto [it, fresh] = track_ids_.try_emplace(process + '\n' + thread, 0);
  if (!fresh) return it->second;
  auto p = std::find(process_names_.begin(), process_names_.end(), process);
  int pid = static_cast<int>(p - process_names_.begin()) + 1;
  if (p == process_names_.end()) {
    process_names_.push_back(process);
    thread_names_.emplace_back();
  }
  thread_names_[pid - 1].push_back(thread);
  tracks_.push_back({pid, static_cast<int>(thread_names_[pid - 1].size())});
  it->second = static_cast<int>(tracks_.size()) - 1;
  return it->second;
}

const char* Timeline::intern(const std::string& s) {
  // Elements of an unordered_set never move, so the pointer stays valid.
  return interned_.insert(s).first->c_str();
}

void Timeline::close() {
  if (!file_) return;
  std::FILE* f = file_;
  file_ = nullptr;
  enabled_ = false;
  write(f);
  bool failed = std::ferror(f) != 0;
  failed |= std::fclose(f) != 0;
  events_.clear();
  events_.shrink_to_fit();
  if (failed) throw Error("failed writing timeline file '" + path_ + "'");
}

void Timeline::write(std::FILE* f) const {
  std::fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", f);
  bool first = true;
  auto sep = [&] {
    std::fputs(first ? "" : ",\n", f);
    first = false;
  };
  // Names, plus sort indices so rows appear in registration order.
  for (size_t p = 0; p < process_names_.size(); ++p) {
    sep();
    std::fprintf(f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%zu,\"args\":{\"name\":", p + 1);
    put_escaped(f, process_names_[p].c_str());
    std::fprintf(f, "}},\n{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%zu,"
                    "\"args\":{\"sort_index\":%zu}}", p + 1, p + 1);
    for (size_t t = 0; t < thread_names_[p].size(); ++t) {
      std::fprintf(f, ",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%zu,\"tid\":%zu,"
                      "\"args\":{\"name\":", p + 1, t + 1);
      put_escaped(f, thread_names_[p][t].c_str());
      std::fprintf(f, "}},\n{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%zu,"
                      "\"tid\":%zu,\"args\":{\"sort_index\":%zu}}", p + 1, t + 1, t + 1);
    }
  }
  for (const Event& e : events_) {
    const Track& tr = tracks_.at(static_cast<size_t>(e.track));
    sep();
    std::fprintf(f, "{\"ph\":\"%c\",\"pid\":%d,\"tid\":%d,\"name\":", e.ph, tr.pid, tr.tid);
    put_escaped(f, e.name ? e.name : "");
    std::fputs(",\"ts\":", f);
    put_us(f, e.ts_ps);
    if (e.ph == 'X') {
      std::fputs(",\"dur\":", f);
      put_us(f, e.dur_ps);
    } else if (e.ph == 'i') {
      std::fputs(",\"s\":\"t\"", f);
    } else if (e.ph == 's' || e.ph == 'f') {
      std::fprintf(f, ",\"cat\":\"flow\",\"id\":%llu", static_cast<unsigned long long>(e.dur_ps));
      if (e.ph == 'f') std::fputs(",\"bp\":\"e\"", f);
    }
    if (e.key[0] || e.key[1]) {
      std::fputs(",\"args\":{", f);
      for (int k = 0; k < 2; ++k) {
        if (!e.key[k]) continue;
        if (k == 1 && e.key[0]) std::fputc(',', f);
        put_escaped(f, e.key[k]);
        std::fprintf(f, ":%llu", static_cast<unsigned long long>(e.val[k]));
      }
      std::fputc('}', f);
    }
    std::fputc('}', f);
  }
  if (dropped_) {
    // Visible in the UI at the point where recording stopped.
    sep();
    std::fprintf(f, "{\"ph\":\"i\",\"s\":\"g\",\"pid\":0,\"tid\":0,\"name\":\"timeline truncated: "
                    "%llu events dropped\",\"ts\":",
                 static_cast<unsigned long long>(dropped_));
    put_us(f, first_dropped_ps_);
    std::fputc('}', f);
  }
  std::fprintf(f, "\n],\n\"otherData\":{\"max_events\":%zu,\"dropped_events\":%llu}}\n",
               max_events_, static_cast<unsigned long long>(dropped_));
}

}  // namespace npusim
