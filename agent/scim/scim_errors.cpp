#include "agent/scim/scim_errors.h"

#include <algorithm>
#include <cctype>

#include "agent/codec/json_parse.h"

namespace scim_agent {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A short, single-line excerpt of a non-JSON body.
std::string excerpt(const std::string& body) {
  std::string out = body.substr(0, 200);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (body.size() > 200) out += "…";
  return out;
}

bool mentionsVersionMismatch(const std::string& detail) {
  const std::string d = lower(detail);
  return d.find("does not match the current version") != std::string::npos ||
         d.find("does not match current version") != std::string::npos;
}

}  // namespace

int retryAfterSeconds(const HttpResponse& response) {
  const auto value = response.headers.get("Retry-After");
  if (!value) return -1;
  std::string v = *value;
  v.erase(0, v.find_first_not_of(" \t"));
  if (v.empty() || !std::all_of(v.begin(), v.end(), [](unsigned char c) {
        return std::isdigit(c) || c == ' ' || c == '\t';
      })) {
    return -1;  // the HTTP-date form is never sent by Genesys (genesys-api.md §7)
  }
  try {
    const long long s = std::stoll(v);
    return static_cast<int>(std::min<long long>(s, 86400));
  } catch (const std::exception&) {
    return -1;
  }
}

Error errorFromResponse(const std::string& method, const std::string& route,
                        const HttpResponse& response) {
  const int status = response.status;
  std::string scim_type;
  std::string detail;
  if (Result<Json> body = parseJson(response.body); body.ok() && body->isObject()) {
    scim_type = body->getString("scimType");
    detail = body->getString("detail");
    if (detail.empty()) detail = body->getString("message");
    if (detail.empty()) detail = body->getString("error_description");
    if (detail.empty()) detail = body->getString("error");
  } else if (!response.body.empty()) {
    detail = excerpt(response.body);
  }

  ErrorCode code = ErrorCode::kRejected;
  if (status == 401) {
    code = ErrorCode::kUnauthorized;
  } else if (status == 403) {
    code = ErrorCode::kForbidden;
  } else if (status == 404) {
    code = ErrorCode::kNotFound;
  } else if (status == 412) {
    code = ErrorCode::kStale;
  } else if (status == 400 && (scim_type == "invalidVers" || mentionsVersionMismatch(detail))) {
    code = ErrorCode::kStale;
  } else if (status == 409) {
    const bool write = method == "PATCH" || method == "PUT" || method == "DELETE";
    code = write ? ErrorCode::kStale : ErrorCode::kConflict;
  } else if (status == 408) {
    code = ErrorCode::kUnavailable;
  } else if (status == 429) {
    code = ErrorCode::kRateLimited;
  } else if (status >= 500 && status <= 599) {
    code = ErrorCode::kUnavailable;
  }

  std::string message = method + " " + route + " → " + std::to_string(status);
  if (!scim_type.empty()) message += " " + scim_type;
  if (!detail.empty()) message += ": " + detail;
  Error error(code, std::move(message));
  error.http_status = status;
  error.scim_type = scim_type;
  error.retry_after_seconds = retryAfterSeconds(response);
  return error;
}

}  // namespace scim_agent
