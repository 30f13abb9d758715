#pragma once

// Saying what the process waits for, when a wait is long (issue 14: an unreachable target used to
// print nothing for 40 s to 5 minutes).
//
//   noteWaiting("GET http://127.0.0.1:1/oauth/token: connection refused; retry 2 of 4 in 3 s",
//               "127.0.0.1:1");
//
//   WaitWatch watch("connecting to api.mypurecloud.ie:443", "api.mypurecloud.ie:443",
//                   std::chrono::seconds(10));
//   ... a blocking call ...   // after 2 s: "connecting to api.mypurecloud.ie:443 (2 s so far;
//                             //             gives up after 10 s)"
//
// Where a note goes is LogConfig::wait_notes (configureLog): a plain line on stderr for the
// interactive commands (whether or not stderr is a terminal), an info log line
// {"msg":"waiting","for":"…"} for run and serve, nowhere with --quiet or when never configured
// (tests of other modules, library use). At most one note per `key` (a host) every 2 s, so
// requests waiting on the same host side by side make one line.
//
// Thread-safe. The watcher thread behind WaitWatch starts with the first watch made while notes
// are on, and is stopped and joined at exit.

#include <chrono>
#include <cstdint>
#include <string>

namespace scim_agent {

// A wait shorter than this says nothing.
inline constexpr std::chrono::milliseconds kWaitNoteAfter{2000};

// Announces a wait of known length now (a retry's backoff, a Retry-After), when notes are on and
// no note for `key` went out in the last kWaitNoteAfter. Callers note only waits of at least
// kWaitNoteAfter.
void noteWaiting(const std::string& what, const std::string& key);

// A wait of unknown length (a connection, a response): from construction until destruction or
// progress(), if kWaitNoteAfter passes, noteWaiting("<what> (N s so far; gives up after M s)",
// key) is said once. `gives_up_after` 0 leaves that part out. Cheap when notes are off (nothing
// is registered). Not copyable; destroy it on any thread.
class WaitWatch {
 public:
  WaitWatch(std::string what, std::string key, std::chrono::milliseconds gives_up_after);
  ~WaitWatch();
  WaitWatch(const WaitWatch&) = delete;
  WaitWatch& operator=(const WaitWatch&) = delete;

  // Something arrived: the wait starts again (and may be noted again).
  void progress();
  // A new stage of the same wait (connected, now waiting for the answer): the description and
  // limit change; the clock does not restart and a note already said is not repeated.
  void describe(std::string what, std::chrono::milliseconds gives_up_after);

 private:
  uint64_t id_ = 0;  // 0: not registered (notes off)
};

}  // namespace scim_agent
