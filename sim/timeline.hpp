// Optional timeline in Chrome/Perfetto trace-event JSON (open the file in
// ui.perfetto.dev or chrome://tracing). Off by default: every recording call
// is one predictable branch on enabled(). When on, events go into a compact
// in-memory buffer (no string formatting) and the file is written on close().
//
//   int t = tl.add_track("npu0", "core3.cube");   // once, at elaboration
//   if (tl.enabled()) tl.complete(t, "matmul", begin_ps, dur_ps);
//
// Event names and arg keys are stored as pointers: pass string literals or
// strings from intern(), which live as long as the Timeline.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace npusim {

class Timeline {
 public:
  Timeline() = default;
  ~Timeline();  // closes (writes) if still open; never throws
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  // Starts recording into `path` (created now, so a bad path fails early
  // with ConfigError). At most `max_events` events are kept; later ones are
  // counted and reported in the file.
  void open(const std::string& path, size_t max_events = 1000000);
  // Writes the JSON and stops recording. Throws Error if the write fails.
  void close();
  bool enabled() const { return enabled_; }

  // A track is one row: a thread inside a process group. Registering the
  // same pair again returns the same id. Works whether or not open.
  int add_track(const std::string& process, const std::string& thread);
  // A stable copy of `s` for names built at run time.
  const char* intern(const std::string& s);

  // A span [begin, begin+dur) on a track, with up to two integer args.
  void complete(int track, const char* name, uint64_t begin_ps, uint64_t dur_ps,
                const char* key0 = nullptr, uint64_t val0 = 0,
                const char* key1 = nullptr, uint64_t val1 = 0) {
    if (enabled_) push({begin_ps, dur_ps, name, {key0, key1}, {val0, val1}, track, 'X'});
  }
  // A point in time on a track.
  void instant(int track, const char* name, uint64_t ts_ps,
               const char* key0 = nullptr, uint64_t val0 = 0) {
    if (enabled_) push({ts_ps, 0, name, {key0, nullptr}, {val0, 0}, track, 'i'});
  }
  // A counter sample (queue depth, bytes in flight), drawn per process.
  void counter(int track, const char* name, uint64_t ts_ps, uint64_t value) {
    if (enabled_) push({ts_ps, 0, name, {name, nullptr}, {value, 0}, track, 'C'});
  }

  // A flow arrow (Perfetto "s"/"f" events joined by `id`): from the span
  // enclosing `ts_ps` on one track to the span ending at `ts_ps` on another
  // (a send to its recv).
  void flow_begin(int track, const char* name, uint64_t ts_ps, uint64_t id) {
    if (enabled_) push({ts_ps, id, name, {nullptr, nullptr}, {0, 0}, track, 's'});
  }
  void flow_end(int track, const char* name, uint64_t ts_ps, uint64_t id) {
    if (enabled_) push({ts_ps, id, name, {nullptr, nullptr}, {0, 0}, track, 'f'});
  }
  size_t recorded() const { return events_.size(); }
  uint64_t dropped() const { return dropped_; }

 private:
  struct Event {
    uint64_t ts_ps, dur_ps;  // dur_ps: a flow event's id
    const char* name;
    const char* key[2];
    uint64_t val[2];
    int32_t track;
    char ph;
  };
  struct Track {
    int pid, tid;
  };
  void push(const Event& e) {
    if (events_.size() < max_events_) {
      events_.push_back(e);
    } else {
      if (!dropped_) first_dropped_ps_ = e.ts_ps;
      ++dropped_;
    }
  }
  void write(std::FILE* f) const;

  bool enabled_ = false;
  std::FILE* file_ = nullptr;
  std::string path_;
  size_t max_events_ = 0;
  uint64_t dropped_ = 0, first_dropped_ps_ = 0;
  std::vector<Event> events_;
  std::vector<Track> tracks_;
  std::vector<std::string> process_names_;                // index = pid - 1
  std::vector<std::vector<std::string>> thread_names_;    // [pid - 1][tid - 1]
  std::unordered_map<std::string, int> track_ids_;        // "process\nthread"
  std::unordered_set<std::string> interned_;
};

}  // namespace npusim
