#include "agent/base/result.h"

namespace scim_agent {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput: return "invalid-input";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kStale: return "stale";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kRateLimited: return "rate-limited";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kRejected: return "rejected";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::toString() const { return message; }

}  // namespace scim_agent
