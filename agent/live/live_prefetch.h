#pragma once

// A live read started early, on a thread of its own, while the caller does something else: the
// reconcile cycle reads the live users while the desired state loads, so the two largest phases
// of a whole-org plan overlap (issue 13).
//
// Thread safety: the directory is used by the read's thread alone from construction until take()
// returns or the LivePrefetch is destroyed; the caller must not use it meanwhile. readLive's other
// shared resources are the logger and the progress bar, both locked (log.h). Not copyable or
// movable: the thread holds a pointer to the cancel flag.

#include <atomic>
#include <optional>
#include <thread>

#include "agent/base/result.h"
#include "agent/live/live_reader.h"
#include "agent/model/user.h"
#include "agent/scim/scim_directory.h"

namespace scim_agent {

class LivePrefetch {
 public:
  // Starts readLive(directory, options) on a new thread (options.cancel is this object's own
  // flag). `directory` must outlive this object. Should the thread not start (the system refuses
  // one), take() reads on the caller's thread instead.
  LivePrefetch(ScimDirectory& directory, const LiveReadOptions& options);
  // Cancels the read if it is still running and waits for its thread: no request is sent after
  // the destructor returned (the page in flight, with its retries, is let finish).
  ~LivePrefetch();
  LivePrefetch(const LivePrefetch&) = delete;
  LivePrefetch& operator=(const LivePrefetch&) = delete;

  // The live state as readLive(directory, needed) gives it, `needed.cancel` aside. Waits for the
  // read. When it fetched every attribute `needed` asks for, its result, with the attributes it
  // fetched beyond `needed` blanked as a read that projected them out gives them (so the plan, the
  // snapshot and its drift are those of a read with `needed`); otherwise the early read is
  // cancelled and a second one, with `needed`, made on the caller's thread. A failed read fails
  // as readLive does. A second call always reads again.
  Result<LiveState> take(const LiveReadOptions& needed);

  // Asks the read to stop before its next page; take() or the destructor still waits for it.
  void cancel() { cancel_.store(true, std::memory_order_release); }

  // The options the early read was started with.
  const LiveReadOptions& options() const { return options_; }

 private:
  void join();

  ScimDirectory& directory_;
  LiveReadOptions options_;
  std::atomic<bool> cancel_{false};
  std::optional<Result<LiveState>> result_;  // written by the thread, read after join()
  std::thread thread_;
  bool taken_ = false;
};

// True when a read with `fetched` brought every attribute a read with `needed` would.
bool liveReadCovers(const LiveReadOptions& fetched, const LiveReadOptions& needed);

// Blanks in `state` the attributes `needed` leaves out (emptied, marked unknown), as a read with
// `needed` would have left them.
void narrowLiveState(LiveState& state, const LiveReadOptions& needed);

}  // namespace scim_agent
