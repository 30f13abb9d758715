#include "agent/log/waiting.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "agent/log/log.h"

namespace scim_agent {

namespace {

using Clock = std::chrono::steady_clock;

// "12 s": whole seconds, rounded to the nearest, at least 1.
std::string seconds(std::chrono::milliseconds d) {
  const int64_t s = (d.count() + 500) / 1000;
  return std::to_string(s < 1 ? 1 : s) + " s";
}

// The watches in progress, one thread that looks at them four times a second, and which keys
// were noted when (one line per host every kWaitNoteAfter). One object, so that its thread is
// joined before anything it uses is destroyed.
class Watcher {
 public:
  bool pass(const std::string& key) {
    std::lock_guard<std::mutex> lock(gate_mu_);
    const auto now = Clock::now();
    auto it = last_note_.find(key);
    if (it != last_note_.end() && now - it->second < kWaitNoteAfter) return false;
    last_note_[key] = now;
    return true;
  }

  ~Watcher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  uint64_t add(std::string what, std::string key, std::chrono::milliseconds limit) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { loop(); });
    const uint64_t id = next_++;
    entries_.emplace(id, Entry{std::move(what), std::move(key), limit, Clock::now(), false});
    return id;
  }

  void remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.erase(id);
  }

  void progress(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    it->second.since = Clock::now();
    it->second.noted = false;
  }

  void describe(uint64_t id, std::string what, std::chrono::milliseconds limit) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    it->second.what = std::move(what);
    it->second.limit = limit;
  }

 private:
  struct Entry {
    std::string what;
    std::string key;
    std::chrono::milliseconds limit;
    Clock::time_point since;
    bool noted;
  };

  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(250));
      if (stop_) break;
      const auto now = Clock::now();
      std::vector<std::pair<std::string, std::string>> due;  // note, key
      for (auto& [id, e] : entries_) {
        if (e.noted || now - e.since < kWaitNoteAfter) continue;
        e.noted = true;
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - e.since);
        std::string note = e.what + " (" + seconds(waited) + " so far";
        if (e.limit.count() > 0) note += "; gives up after " + seconds(e.limit);
        due.emplace_back(note + ")", e.key);
      }
      if (due.empty()) continue;
      // Written without the lock: a watch may end meanwhile.
      lock.unlock();
      for (const auto& [note, key] : due) noteWaiting(note, key);
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, Entry> entries_;
  uint64_t next_ = 1;
  bool stop_ = false;
  std::thread thread_;
  std::mutex gate_mu_;
  std::map<std::string, Clock::time_point> last_note_;
};

// Made on first use, so it is destroyed (its thread joined) before the log's globals, which
// were constructed before main.
Watcher& watcher() {
  static Watcher w;
  return w;
}

}  // namespace

void noteWaiting(const std::string& what, const std::string& key) {
  const WaitNotes mode = currentLogConfig().wait_notes;
  if (mode == WaitNotes::kOff) return;
  if (!watcher().pass(key)) return;
  if (mode == WaitNotes::kStderr) {
    writeStderrLine(what);
  } else {
    logInfo("waiting", {{"for", what}});
  }
}

WaitWatch::WaitWatch(std::string what, std::string key, std::chrono::milliseconds gives_up_after) {
  if (currentLogConfig().wait_notes == WaitNotes::kOff) return;
  id_ = watcher().add(std::move(what), std::move(key), gives_up_after);
}

WaitWatch::~WaitWatch() {
  if (id_ != 0) watcher().remove(id_);
}

void WaitWatch::progress() {
  if (id_ != 0) watcher().progress(id_);
}

void WaitWatch::describe(std::string what, std::chrono::milliseconds gives_up_after) {
  if (id_ != 0) watcher().describe(id_, std::move(what), gives_up_after);
}

}  // namespace scim_agent
