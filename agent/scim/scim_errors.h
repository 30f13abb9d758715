#pragma once

// HTTP statuses → ErrorCode, mapped once, here (STYLE §4). Used by GenesysDirectory and the
// token source; exposed so the mapping table has its own test.

#include <string>

#include "agent/base/result.h"
#include "agent/scim/http_transport.h"

namespace scim_agent {

// The Error for a non-2xx `response` to `method` on `route` (a path below the SCIM base, e.g.
// "/Users/9f0c…", or "/oauth/token"). The message reads
// "PATCH /Users/9f0c… → 400 invalidVers: Version does not match current version." and
// http_status, scim_type and retry_after_seconds are set.
//
//   401                                   kUnauthorized
//   403                                   kForbidden
//   404                                   kNotFound
//   412                                   kStale
//   400 scimType invalidVers, or a detail
//       "does not match (the) current version"  kStale
//   409 on PATCH, PUT, DELETE             kStale    (version mismatch, genesys-api.md §4)
//   409 on POST (or any other method)     kConflict (uniqueness)
//   408                                   kUnavailable (the server timed out reading)
//   429                                   kRateLimited, retry_after_seconds from Retry-After
//   5xx                                   kUnavailable (retry_after_seconds when sent)
//   any other status                      kRejected
//
// The detail comes from a SCIM Error (`detail`), a Platform ErrorBody (`message`), an OAuth
// error (`error_description`), or else the first 200 bytes of a non-JSON body.
Error errorFromResponse(const std::string& method, const std::string& route,
                        const HttpResponse& response);

// Retry-After in whole seconds (delta-seconds form); -1 when absent or not a number.
int retryAfterSeconds(const HttpResponse& response);

}  // namespace scim_agent
