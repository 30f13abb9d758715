#pragma once

// A hostile Genesys Cloud for tests: an HTTP server on 127.0.0.1 (ephemeral port), started
// in-process, that answers the OAuth token request and the SCIM listings the way a broken or
// malicious service would (issue 10 item 3). It never holds a large body in memory: big bodies
// are generated as they are sent. Every handler ends by itself (the client went away, or a
// time limit passed), and destroying the server stops it and drops open connections.
//
// Routes: POST /oauth/token (a token); GET /api/v2/scim/v2/Users (the hostile listing when
// unfiltered, an empty list otherwise: the inactive listing and lookups); GET
// /api/v2/scim/v2/Groups (an empty list); anything else 404. Every POST, PUT, PATCH and DELETE
// other than the token request counts as a write.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace scim_agent::testing {

enum class Hostility {
  // The listing's body is `body_bytes` long, announced in Content-Length.
  kOversizedBody,
  // The same without Content-Length (chunked): the client must stop reading by itself.
  kOversizedChunked,
  // totalResults `endless_total`, and the same 25 users on every page (startIndex echoed).
  kEndlessPage,
  // A 200 with Content-Length `body_bytes`, then one byte every `slow_interval`.
  kSlowBody,
  // An org of 50 users that grows by one at the front after page 1 is served: page 2 repeats
  // the last user of page 1 at the same version. A whole read gets the 50 there when it began.
  kExactDuplicates,
  // As kExactDuplicates, but the repeated user was also edited: page 2 shows it at version 2.
  kTwoVersions,
  // totalResults 60; page 2 holds 10 users though itemsPerPage says 25.
  kShortPage,
  // totalResults 60; page 1 has "Resources": null.
  kNullResources,
};

struct HostileOptions {
  Hostility hostility = Hostility::kEndlessPage;
  int64_t body_bytes = int64_t{64} << 20;  // kOversized*: 64 MiB; kSlowBody: set it small
  int64_t endless_total = 1'000'000'000;
  std::chrono::milliseconds slow_interval{1000};
  // No handler runs longer than this, whatever the client does.
  std::chrono::seconds handler_limit{60};
};

// The users the hostile listings serve: id "u-0007", userName "user7@example.com", externalId
// "EMP-7", version "\"1\"" (kTwoVersions: the edited user at "\"2\"").
std::string hostileUserId(int n);

class HostileServer {
 public:
  explicit HostileServer(HostileOptions options);
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  int port() const;
  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // GET /Users pages of the unfiltered listing answered (or started) so far.
  int listPages() const;
  // Writes received (see above): a failed read must leave this 0.
  int writes() const;
  // Body bytes the hostile handlers got onto the wire (for the memory bound of oversized tests).
  int64_t bodyBytesSent() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scim_agent::testing
