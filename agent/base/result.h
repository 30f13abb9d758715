#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace scim_agent {

// What kind of failure an Error is. Behaviour is driven by the code, never by the message.
enum class ErrorCode {
  kInvalidInput,   // bad spec, config, argument or plan file
  kNotFound,       // the remote resource does not exist (or is deleted)
  kStale,          // If-Match version no longer current (400 invalidVers, 409 on a write, 412)
  kConflict,       // uniqueness clash (409 on create)
  kRateLimited,    // 429; retry_after says how long to wait
  kUnavailable,    // 5xx, timeout, dropped connection
  kUnauthorized,   // 401 after a fresh token, or bad client credentials
  kForbidden,      // 403
  kRejected,       // any other 4xx from the service
  kIo,             // local file or database failure
  kCorrupt,        // state database or plan file damaged
  kBusy,           // another process holds the state lock
  kInternal,       // a bug
};

const char* errorCodeName(ErrorCode code);

// A failure: a stable code, a message that names the place (file:line, HTTP route and status),
// and for HTTP failures the status and SCIM scimType. Never carries a secret.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  int http_status = 0;
  std::string scim_type;
  int retry_after_seconds = -1;  // from Retry-After on 429/503, -1 when absent

  Error() = default;
  Error(ErrorCode c, std::string m) : code(c), message(std::move(m)) {}
  std::string toString() const;
};

// Result<T>: a T or an Error. A small stand-in for C++23 std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Status: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  static Status success() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace scim_agent
