#include "agent/live/live_prefetch.h"

#include <exception>
#include <string>
#include <utility>

#include "agent/log/log.h"

namespace scim_agent {

namespace {

// readLive on the prefetch thread: nothing may escape a thread's function (std::terminate).
Result<LiveState> readLiveCaught(ScimDirectory& directory, const LiveReadOptions& options) {
  try {
    return readLive(directory, options);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("reading the live users: ") + e.what());
  } catch (...) {
    return Error(ErrorCode::kInternal, "reading the live users: unknown exception");
  }
}

}  // namespace

bool liveReadCovers(const LiveReadOptions& fetched, const LiveReadOptions& needed) {
  return (fetched.roles || !needed.roles) && (fetched.routing_skills || !needed.routing_skills) &&
         (fetched.routing_languages || !needed.routing_languages);
}

void narrowLiveState(LiveState& state, const LiveReadOptions& needed) {
  for (LiveUser& user : state.users) {
    if (!needed.roles) {
      user.roles.clear();
      user.roles_known = false;
    }
    if (!needed.routing_skills) {
      user.routing_skills.clear();
      user.routing_skills_known = false;
    }
    if (!needed.routing_languages) {
      user.routing_languages.clear();
      user.routing_languages_known = false;
    }
  }
}

LivePrefetch::LivePrefetch(ScimDirectory& directory, const LiveReadOptions& options)
    : directory_(directory), options_(options) {
  options_.cancel = &cancel_;
  try {
    thread_ = std::thread([this] { result_ = readLiveCaught(directory_, options_); });
  } catch (const std::exception& e) {  // std::system_error: no thread to be had
    // No second thread: take() reads on the caller's thread, as without a prefetch.
    logWarn("the live read could not start early; it runs after the desired state loads",
            {{"error", e.what()}});
  }
}

LivePrefetch::~LivePrefetch() {
  cancel();
  join();
}

void LivePrefetch::join() {
  if (thread_.joinable()) thread_.join();
}

Result<LiveState> LivePrefetch::take(const LiveReadOptions& needed) {
  LiveReadOptions again = needed;
  again.cancel = nullptr;
  if (taken_) return readLive(directory_, again);
  taken_ = true;
  // What the early read lacks is read again whole, not as a listing of the missing attributes
  // only: every listing that carries externalId (always needed) is read 25 users a page
  // (live_reader.h), so reading roles alone costs as many pages as reading everything, and two
  // listings made at different times would have to be merged user by user (a user changed in
  // between shows two versions). The early read is stopped at once: its pages are wasted.
  if (!liveReadCovers(options_, needed)) cancel();
  join();
  if (!liveReadCovers(options_, needed) || !result_) return readLive(directory_, again);
  Result<LiveState> live = std::move(*result_);
  result_.reset();
  if (live.ok()) narrowLiveState(*live, needed);
  return live;
}

}  // namespace scim_agent
