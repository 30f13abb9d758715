#include "agent/scim/token_source.h"

#include <Poco/Base64Encoder.h>

#include <algorithm>
#include <sstream>

#include "agent/codec/json_parse.h"
#include "agent/scim/scim_errors.h"

namespace scim_agent {

namespace {

std::string basicCredentials(const std::string& id, const std::string& secret) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);  // one line: a header value cannot wrap
  encoder << id << ':' << secret;
  encoder.close();
  return "Basic " + out.str();
}

}  // namespace

OAuthTokenSource::OAuthTokenSource(HttpTransport& transport, OAuthClientOptions options,
                                   NowFn now)
    : transport_(transport), options_(std::move(options)), now_(std::move(now)) {}

Result<std::string> OAuthTokenSource::token() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!token_.empty() && now_() < refresh_at_) return token_;
  // The same id and secret would be refused again: say so without asking.
  if (refused_ && now_() < refused_until_) return *refused_;
  return fetch();
}

void OAuthTokenSource::invalidate(const std::string& rejected_token) {
  std::lock_guard<std::mutex> lock(mu_);
  if (rejected_token.empty() || rejected_token == token_) token_.clear();
}

int OAuthTokenSource::fetchCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

Result<std::string> OAuthTokenSource::fetch() {
  token_.clear();
  HttpRequest request;
  request.method = "POST";
  request.url = options_.login_base + "/oauth/token";
  request.headers.set("Authorization", basicCredentials(options_.client_id, options_.client_secret));
  request.headers.set("Content-Type", "application/x-www-form-urlencoded");
  request.headers.set("Accept", "application/json");
  request.body = "grant_type=client_credentials";

  // Lifetime counts from before the request: the server's clock started no earlier.
  const auto sent_at = now_();
  ++fetches_;
  Result<HttpResponse> response = transport_.send(request);
  if (!response.ok()) {
    Error e = response.error();
    e.message = "OAuth token request for client " + options_.client_id + " failed: " + e.message;
    return e;
  }

  const std::string route = "POST /oauth/token";
  if (response->status == 400 || response->status == 401) {
    // OAuth error body: {"error":"invalid_client","error_description":"…"} (genesys-api.md §1.3)
    std::string error_name = "refused";
    std::string description;
    if (Result<Json> body = parseJson(response->body); body.ok() && body->isObject()) {
      error_name = body->getString("error", error_name);
      description = body->getString("error_description", body->getString("description"));
      if (description.empty()) description = body->getString("message");
    }
    Error e(ErrorCode::kUnauthorized,
            "OAuth client " + options_.client_id + " was refused: " + error_name + " (" +
                (description.empty() ? "HTTP " + std::to_string(response->status) : description) +
                "); check " +
                (settings_.empty() ? "the OAuth client id and secret" : settings_) +
                ": the client must exist in this org (region), with the Client Credentials grant");
    e.http_status = response->status;
    refused_ = e;
    refused_until_ = now_() + std::chrono::seconds(60);
    return e;
  }
  if (response->status != 200) {
    Error e = errorFromResponse("POST", "/oauth/token", *response);
    e.message = "OAuth token request for client " + options_.client_id + ": " + e.message;
    return e;
  }

  Result<Json> body = parseJson(response->body);
  if (!body.ok() || !body->isObject() || body->getString("access_token").empty()) {
    Error e(ErrorCode::kRejected,
            route + " → 200 without an access_token for OAuth client " + options_.client_id);
    e.http_status = 200;
    return e;
  }
  // Genesys issues 300–172800 s tokens (genesys-api.md §1.3); 86399 when the body omits it.
  double lifetime_s = body->getNumber("expires_in", 86399);
  if (lifetime_s < 0) lifetime_s = 0;
  const double margin_s = std::min(60.0, lifetime_s * 0.10);
  token_ = body->getString("access_token");
  refresh_at_ = sent_at + std::chrono::milliseconds(
                              static_cast<int64_t>((lifetime_s - margin_s) * 1000.0));
  return token_;
}

}  // namespace scim_agent
