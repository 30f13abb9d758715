#pragma once

// Bearer tokens for the Genesys Cloud API.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent/base/result.h"
#include "agent/scim/http_transport.h"
#include "agent/scim/timing.h"

namespace scim_agent {

// Hands out a bearer token for API calls. Implementations are thread-safe.
class TokenSource {
 public:
  virtual ~TokenSource() = default;

  // A token believed valid now: the cached one, or a fresh one when none is cached or it is
  // near expiry. Fails with the token endpoint's error (see OAuthTokenSource).
  virtual Result<std::string> token() = 0;

  // The API refused `rejected_token` (401): forget it, so the next token() fetches a new one.
  // Does nothing when the cache already holds a different token (another thread refreshed it
  // meanwhile). An empty `rejected_token` forgets whatever is cached.
  virtual void invalidate(const std::string& rejected_token) = 0;
};

struct OAuthClientOptions {
  // Token host base, e.g. "https://login.mypurecloud.com" (genesys-api.md §1.1); the request goes
  // to login_base + "/oauth/token".
  std::string login_base;
  std::string client_id;
  std::string client_secret;  // never logged, never in an error message
};

// OAuth 2 client credentials (genesys-api.md §1.2): POST {login_base}/oauth/token with
// `Authorization: Basic base64(id:secret)` and the form body `grant_type=client_credentials`.
//
// The token is cached and reused until it is within a margin of its `expires_in`:
// min(60 s, 10% of its lifetime), counted from when the request was sent. There is no refresh
// token for this grant, so "refresh" is a new client-credentials request.
//
// Failures of token():
//   kUnauthorized  400/401 from the token endpoint: "OAuth client <id> was refused:
//                  invalid_client (<description>); check <settings>: …" (the secret is never
//                  in the message). Remembered for a minute: token() returns it again without
//                  asking, so callers side by side (a listing's pages) make one request, not
//                  one each;
//   kForbidden     403;
//   kRateLimited   429 (retry_after_seconds from Retry-After);
//   kUnavailable   5xx, or the transport failed;
//   kRejected      any other status, or a 200 without access_token.
//
// Thread-safe: concurrent callers during a fetch wait for it and share its token.
class OAuthTokenSource final : public TokenSource {
 public:
  // `transport` must outlive this object. `now` defaults to steady_clock.
  OAuthTokenSource(HttpTransport& transport, OAuthClientOptions options, NowFn now = systemNow());

  Result<std::string> token() override;
  void invalidate(const std::string& rejected_token) override;

  // Requests sent to the token endpoint so far (for reports and tests).
  int fetchCount() const;

  // Where the user sets the id and secret, for the fix a refusal names ("target.clientId and
  // its secret (target.clientSecretFile)"); "the OAuth client id and secret" until set. Call
  // before the first token().
  void setSettingsNames(std::string settings) { settings_ = std::move(settings); }

 private:
  Result<std::string> fetch();  // REQUIRES: mu_ held

  HttpTransport& transport_;
  OAuthClientOptions options_;
  NowFn now_;
  mutable std::mutex mu_;
  std::string token_;                                 // empty when none cached
  std::chrono::steady_clock::time_point refresh_at_;  // fetch a new one from here on
  int fetches_ = 0;
  std::string settings_;
  std::optional<Error> refused_;                      // the last 400/401, while it holds
  std::chrono::steady_clock::time_point refused_until_;
};

// A fixed token (tests, or a token minted elsewhere). invalidate() is a no-op; a 401 on it is
// final.
class StaticTokenSource final : public TokenSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  Result<std::string> token() override { return token_; }
  void invalidate(const std::string&) override {}

 private:
  std::string token_;
};

}  // namespace scim_agent
