#include "agent/sources/fetch.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/URI.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/base/utf8.h"
#include "agent/codec/hmac_sha256.h"
#include "agent/codec/json_parse.h"
#include "agent/sources/sigv4.h"

namespace scim_agent {

namespace {

using Clock = std::chrono::steady_clock;
using Sink = std::function<void(std::string_view)>;

constexpr size_t kChunk = 64 * 1024;
// How much of an error response is read to explain it; the rest is not needed.
constexpr size_t kErrorBodyLimit = 64 * 1024;
constexpr size_t kExcerptChars = 200;

// The bytes passed to the sink, counted and hashed as they go.
class Counter {
 public:
  explicit Counter(const Sink& sink) : sink_(sink) {}
  void pass(const char* data, size_t n) {
    if (n == 0) return;
    sha_.update(data, static_cast<unsigned>(n));
    bytes_ += n;
    sink_(std::string_view(data, n));
  }
  uint64_t bytes() const { return bytes_; }
  std::string hex() { return Poco::DigestEngine::digestToHex(sha_.digest()); }

 private:
  const Sink& sink_;
  Sha256Engine sha_;
  uint64_t bytes_ = 0;
};

std::string cutShort(uint64_t read, uint64_t expected) {
  return "read " + std::to_string(read) + " of " + std::to_string(expected) +
         " bytes: the transfer was cut short";
}

std::string tooLarge(uint64_t max_bytes) {
  return "more than maxBytes (" + std::to_string(max_bytes) + " bytes)";
}

// Text from a server made safe for a message: valid UTF-8 only, control
// characters and runs of blanks turned into one space, at most kExcerptChars
// characters.
std::string sanitizeExcerpt(std::string_view text) {
  std::string out;
  size_t chars = 0;
  bool blank = false;
  for (size_t i = 0; i < text.size() && chars < kExcerptChars;) {
    const Utf8Char c = decodeUtf8(text, i);
    const std::string_view bytes = text.substr(i, c.length);
    i += c.length;
    if (!c.valid) continue;
    if (isControlCharacter(c.code_point) || c.code_point == U' ') {
      blank = !out.empty();
      continue;
    }
    if (blank) {
      out.push_back(' ');
      ++chars;
      blank = false;
    }
    out.append(bytes);
    ++chars;
  }
  if (chars >= kExcerptChars) out += "…";
  return out;
}

std::string xmlUnescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool done = false;
      for (const auto& [entity, c] : kEntities) {
        if (text.substr(i, entity.size()) == entity) {
          out.push_back(c);
          i += entity.size() - 1;
          done = true;
          break;
        }
      }
      if (done) continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

// The text of the first <name>…</name> in an S3 error document, "" when there
// is none. S3's errors are flat (<Error><Code/><Message/>…</Error>), so no XML
// parser is needed for two fields.
std::string xmlField(std::string_view xml, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  const size_t start = xml.find(open);
  if (start == std::string_view::npos) return "";
  const size_t from = start + open.size();
  const size_t end = xml.find(close, from);
  if (end == std::string_view::npos) return "";
  return xmlUnescape(xml.substr(from, end - from));
}

// ---- local files
// ----------------------------------------------------------------------------

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Error fileError(const std::string& path, const char* what, int err) {
  const std::string text = path + ": " + what + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return Error(ErrorCode::kNotFound, path + ": no such file");
  if (err == EACCES || err == EPERM) {
    return Error(ErrorCode::kForbidden, path + ": not readable (permission denied)");
  }
  return Error(ErrorCode::kIo, text);
}

Result<FetchResult> fetchFile(const FetchRequest& request, const Sink& sink) {
  const std::string& path = request.location;
  const Clock::time_point deadline = Clock::now() + request.deadline;
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below
  // anyway.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return fileError(path, "cannot open", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fileError(path, "cannot stat", errno);
  if (!S_ISREG(st.st_mode)) {
    return Error(ErrorCode::kInvalidInput,
                 path + (S_ISDIR(st.st_mode) ? ": is a directory" : ": not a regular file"));
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > request.max_bytes) {
    return Error(ErrorCode::kInvalidInput, path + ": " + std::to_string(size) + " bytes is " +
                                               tooLarge(request.max_bytes) + "; not read");
  }
  FetchResult result;
  result.expected_bytes = size;
  Counter counter(sink);
  std::vector<char> buffer(kChunk);
  for (;;) {
    if (Clock::now() > deadline) {
      return Error(ErrorCode::kUnavailable,
                   path + ": the deadline of " + std::to_string(request.deadline.count()) +
                       " s passed after " + std::to_string(counter.bytes()) + " bytes");
    }
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fileError(path, "read failed", errno);
    }
    if (n == 0) break;
    if (counter.bytes() + static_cast<uint64_t>(n) > size) {
      // Written to while read: what was read is no single version of the file.
      return Error(ErrorCode::kInvalidInput,
                   path + ": the file grew while it was read (" + std::to_string(size) +
                       " bytes at open); read it again once it is complete");
    }
    counter.pass(buffer.data(), static_cast<size_t>(n));
  }
  if (counter.bytes() < size) {
    return Error(ErrorCode::kInvalidInput, path + ": " + cutShort(counter.bytes(), size));
  }
  result.bytes = counter.bytes();
  result.sha256 = counter.hex();
  return result;
}

// ---- HTTP(S)
// ---------------------------------------------------------------------------------

bool isLoopbackHost(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

// An http(s) target resolved from a URL.
struct Target {
  std::string scheme;
  std::string host;  // without brackets
  uint16_t port = 0;
  std::string path_and_query;
  std::string host_header;  // host[:port], IPv6 in brackets
};

Poco::Timespan toTimespan(std::chrono::milliseconds ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

Result<Target> resolveTarget(const std::string& url, const std::string& place) {
  Target t;
  try {
    const Poco::URI uri(url);
    t.scheme = uri.getScheme();
    t.host = uri.getHost();
    t.port = uri.getPort();
    t.path_and_query = uri.getPathEtc();
  } catch (const Poco::Exception& e) {
    return Error(ErrorCode::kInvalidInput, place + ": not a valid URL: " + e.message());
  }
  if (t.scheme != "https" && t.scheme != "http") {
    return Error(ErrorCode::kInvalidInput, place + ": the URL must start with https://");
  }
  if (t.host.empty()) return Error(ErrorCode::kInvalidInput, place + ": the URL has no host");
  if (t.scheme == "http" && !isLoopbackHost(t.host)) {
    return Error(ErrorCode::kInvalidInput,
                 place +
                     ": plain http:// is allowed only for a loopback host "
                     "(127.0.0.1, ::1, "
                     "localhost); use https://");
  }
  if (t.path_and_query.empty() || t.path_and_query[0] == '#') t.path_and_query = "/";
  const size_t fragment = t.path_and_query.find('#');
  if (fragment != std::string::npos) t.path_and_query.resize(fragment);
  const bool default_port =
      (t.scheme == "https" && t.port == 443) || (t.scheme == "http" && t.port == 80);
  t.host_header = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
  if (!default_port) t.host_header += ":" + std::to_string(t.port);
  return t;
}

// How an error answer is turned into a message: S3 sends an XML document with
// Code and Message.
enum class ErrorBody { kText, kS3Xml };

struct HttpGet {
  const FetchRequest* request = nullptr;
  std::string place;  // the location as messages name it (no query, so no credential)
  Target target;
  std::vector<std::pair<std::string, std::string>> headers;
  ErrorBody error_body = ErrorBody::kText;
};

class Exchange {
 public:
  // `tls`: POCO 1.11's SecureSocketImpl can wait twice per read (recv under SO_RCVTIMEO, then
  // a poll of the same length after SSL_ERROR_WANT_READ; measured: a 1 s deadline ended after
  // 2 s), so each wait is cut to half the time left.
  Exchange(std::chrono::seconds deadline, bool tls)
      : deadline_(deadline), end_(Clock::now() + deadline), tls_(tls) {}
  std::chrono::milliseconds left() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(end_ - Clock::now());
  }
  // Sets every socket wait to at most the time left; throws TimeoutException
  // once it is gone.
  void bound(Poco::Net::HTTPClientSession& session) const {
    const auto time_left = left();
    if (time_left.count() <= 0) throw Poco::TimeoutException("deadline passed");
    const auto wait = tls_ ? std::max(time_left / 2, std::chrono::milliseconds(1)) : time_left;
    session.setTimeout(toTimespan(wait), toTimespan(wait), toTimespan(wait));
    if (session.connected()) {
      session.socket().setReceiveTimeout(toTimespan(wait));
      session.socket().setSendTimeout(toTimespan(wait));
    }
  }
  std::chrono::seconds deadline() const { return deadline_; }

 private:
  std::chrono::seconds deadline_;
  Clock::time_point end_;
  bool tls_;
};

Result<Poco::Net::Context::Ptr> clientContext(const FetchRequest& request,
                                              const std::string& place) {
  static std::once_flag ssl_once;
  std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
  try {
    // VERIFY_STRICT: the chain must verify and the name must match, localhost
    // included. The system store only when no caFile is given; nothing older
    // than TLS 1.2.
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, request.ca_file,
                               Poco::Net::Context::VERIFY_STRICT, 9, request.ca_file.empty());
    context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                              Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
    return context;
  } catch (const Poco::Exception& e) {
    return Error(ErrorCode::kInvalidInput, place + ": TLS setup failed (caFile \"" +
                                               request.ca_file + "\"): " + e.displayText());
  }
}

// "https://host/path" of a URL: no user info, no query (either may carry a
// credential).
std::string describeUrl(const std::string& url) {
  try {
    const Poco::URI uri(url);
    std::string out = uri.getScheme().empty()
                          ? uri.getPath()
                          : uri.getScheme() + "://" + uri.getAuthority() + uri.getPath();
    if (!uri.getRawQuery().empty()) out += "?…";
    return out;
  } catch (const Poco::Exception&) {
    return "the source URL";
  }
}

Error statusError(const HttpGet& get, int status, const std::string& reason,
                  const std::string& body) {
  std::string detail;
  std::string s3_code;
  if (get.error_body == ErrorBody::kS3Xml) {
    s3_code = sanitizeExcerpt(xmlField(body, "Code"));
    const std::string message = sanitizeExcerpt(xmlField(body, "Message"));
    if (!s3_code.empty()) detail = s3_code + (message.empty() ? "" : ": " + message);
  }
  if (detail.empty()) {
    detail = sanitizeExcerpt(reason);
    const std::string excerpt = sanitizeExcerpt(body);
    if (!excerpt.empty()) detail += (detail.empty() ? "" : ": ") + excerpt;
  }
  ErrorCode code = ErrorCode::kRejected;
  if (status == 404 || s3_code == "NoSuchKey" || s3_code == "NoSuchBucket") {
    code = ErrorCode::kNotFound;
  } else if (status == 401) {
    code = ErrorCode::kUnauthorized;
  } else if (status == 403) {
    code = ErrorCode::kForbidden;
  } else if (status == 429) {
    code = ErrorCode::kRateLimited;
  } else if (status >= 500) {
    code = ErrorCode::kUnavailable;
  }
  Error error(code, get.place + ": " + std::to_string(status) +
                        (detail.empty() ? std::string() : " " + detail));
  error.http_status = status;
  return error;
}

// Reads what is left of a body, at most `limit` bytes, within the deadline.
std::string readSome(std::istream& in, Poco::Net::HTTPClientSession& session,
                     const Exchange& exchange, size_t limit) {
  std::string out;
  char buffer[4096];
  while (out.size() < limit) {
    exchange.bound(session);
    if (in.peek() == std::char_traits<char>::eof()) break;
    const std::streamsize n = in.readsome(
        buffer, static_cast<std::streamsize>(std::min(sizeof buffer, limit - out.size())));
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

enum class Phase { kConnecting, kReadingBody };

Result<FetchResult> httpGet(const HttpGet& get, const Sink& sink) {
  const FetchRequest& request = *get.request;
  const Target& target = get.target;
  const Exchange exchange(request.deadline, target.scheme == "https");
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (target.scheme == "https") {
    Result<Poco::Net::Context::Ptr> context = clientContext(request, get.place);
    if (!context.ok()) return context.error();
    session = std::make_unique<Poco::Net::HTTPSClientSession>(target.host, target.port, *context);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(target.host, target.port);
  }
  session->setKeepAlive(false);

  Phase phase = Phase::kConnecting;
  FetchResult result;
  Counter counter(sink);
  try {
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, target.path_and_query,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(false);
    req.set("Host", target.host_header);
    for (const auto& [name, value] : get.headers) req.set(name, value);
    if (!request.if_none_match.empty()) req.set("If-None-Match", request.if_none_match);
    exchange.bound(*session);
    session->sendRequest(req).flush();
    exchange.bound(*session);
    Poco::Net::HTTPResponse res;
    std::istream& in = session->receiveResponse(res);
    // A socket error inside the stream buffer is rethrown, so a timeout stays a
    // timeout.
    in.exceptions(std::ios::badbit);
    const int status = static_cast<int>(res.getStatus());
    result.etag = res.get("ETag", "");

    if (status == 304 && !request.if_none_match.empty()) {
      result.not_modified = true;
      if (result.etag.empty()) result.etag = request.if_none_match;
      result.sha256.clear();
      return result;
    }
    if (status == 304) {
      Error error(ErrorCode::kRejected,
                  get.place + ": 304 Not Modified to a request without If-None-Match");
      error.http_status = status;
      return error;
    }
    if (status >= 300 && status < 400) {
      const std::string location = res.get("Location", "");
      Error error(ErrorCode::kInvalidInput,
                  get.place + ": " + std::to_string(status) + " redirect" +
                      (location.empty() ? "" : " to " + sanitizeExcerpt(describeUrl(location))) +
                      " not followed: give the final URL as the location");
      error.http_status = status;
      return error;
    }
    if (status >= 400) {
      return statusError(get, status, res.getReason(),
                         readSome(in, *session, exchange, kErrorBodyLimit));
    }
    if (status != 200) {
      Error error(ErrorCode::kRejected,
                  get.place + ": unexpected status " + std::to_string(status) + " (expected 200)");
      error.http_status = status;
      return error;
    }

    const auto length = res.getContentLength64();
    if (length != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH) {
      result.expected_bytes = static_cast<uint64_t>(length);
      if (*result.expected_bytes > request.max_bytes) {
        return Error(ErrorCode::kInvalidInput, get.place + ": Content-Length " +
                                                   std::to_string(length) + " is " +
                                                   tooLarge(request.max_bytes) + "; not read");
      }
    }
    phase = Phase::kReadingBody;
    std::vector<char> buffer(kChunk);
    for (;;) {
      exchange.bound(*session);
      if (in.peek() == std::char_traits<char>::eof()) break;
      // At most one byte past the bound: that byte proves the body is too
      // large, and it never reaches the sink.
      const uint64_t room = request.max_bytes + 1 - counter.bytes();
      const std::streamsize n = in.readsome(
          buffer.data(), static_cast<std::streamsize>(std::min<uint64_t>(room, buffer.size())));
      if (counter.bytes() + static_cast<uint64_t>(n) > request.max_bytes) {
        counter.pass(buffer.data(), static_cast<size_t>(request.max_bytes - counter.bytes()));
        return Error(
            ErrorCode::kInvalidInput,
            get.place + ": the body is " + tooLarge(request.max_bytes) + "; stopped reading there");
      }
      counter.pass(buffer.data(), static_cast<size_t>(n));
    }
    if (result.expected_bytes && counter.bytes() != *result.expected_bytes) {
      return Error(ErrorCode::kInvalidInput,
                   get.place + ": " + cutShort(counter.bytes(), *result.expected_bytes));
    }
  } catch (const Poco::TimeoutException&) {
    return Error(
        ErrorCode::kUnavailable,
        get.place + ": the deadline of " + std::to_string(exchange.deadline().count()) +
            " s passed" +
            (phase == Phase::kReadingBody ? " after " + std::to_string(counter.bytes()) + " bytes"
                                          : std::string()));
  } catch (const Poco::Net::SSLException& e) {
    return Error(ErrorCode::kUnavailable, get.place + ": TLS failed: " + e.displayText());
  } catch (const Poco::Exception& e) {
    if (phase == Phase::kReadingBody) {
      const std::string read =
          result.expected_bytes
              ? cutShort(counter.bytes(), *result.expected_bytes)
              : "read " + std::to_string(counter.bytes()) + " bytes: the transfer was cut short";
      return Error(ErrorCode::kUnavailable, get.place + ": " + read + " (" + e.displayText() + ")");
    }
    return Error(ErrorCode::kUnavailable, get.place + ": " + e.displayText());
  } catch (const std::ios_base::failure&) {
    return Error(ErrorCode::kUnavailable,
                 get.place + ": read failed after " + std::to_string(counter.bytes()) + " bytes");
  }
  result.bytes = counter.bytes();
  result.sha256 = counter.hex();
  return result;
}

Result<FetchResult> fetchHttps(const FetchRequest& request, const Sink& sink) {
  HttpGet get;
  get.request = &request;
  get.place = describeUrl(request.location);
  Result<Target> target = resolveTarget(request.location, get.place);
  if (!target.ok()) return target.error();
  get.target = std::move(*target);
  if (!request.authorization.empty())
    get.headers.emplace_back("Authorization", request.authorization);
  return httpGet(get, sink);
}

// ---- S3
// ----------------------------------------------------------------------------------------


Result<FetchResult> fetchS3(const FetchRequest& request, const Sink& sink) {
  const std::string& place = request.location;
  const std::string rest = request.location.substr(5);  // after "s3://"
  const size_t slash = rest.find('/');
  const std::string bucket = rest.substr(0, slash);
  const std::string key = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (bucket.empty() || key.empty()) {
    return Error(ErrorCode::kInvalidInput, place +
                                               ": an s3 location is s3://BUCKET/KEY (the bucket or "
                                               "the key is missing)");
  }
  if (request.credentials.access_key_id.empty() || request.credentials.secret_access_key.empty()) {
    return Error(ErrorCode::kInvalidInput, place +
                                               ": no AWS credentials: set AWS_ACCESS_KEY_ID and "
                                               "AWS_SECRET_ACCESS_KEY "
                                               "(and AWS_SESSION_TOKEN for temporary credentials)");
  }
  if (request.region.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 place + ": no AWS region: set AWS_REGION or the source's region:");
  }
  const std::string encoded_key = awsUriEncode(key, true);
  std::string url;
  if (request.endpoint.empty()) {
    url = request.path_style
              ? "https://s3." + request.region + ".amazonaws.com/" + bucket + "/" + encoded_key
              : "https://" + bucket + ".s3." + request.region + ".amazonaws.com/" + encoded_key;
  } else {
    std::string scheme;
    std::string authority;
    std::string base_path;
    try {
      const Poco::URI endpoint(request.endpoint);
      scheme = endpoint.getScheme();
      authority = endpoint.getAuthority();
      base_path = endpoint.getPath();
      if (!endpoint.getRawQuery().empty() || !endpoint.getUserInfo().empty()) {
        return Error(ErrorCode::kInvalidInput, place +
                                                   ": endpoint: give scheme://host[:port] only (no "
                                                   "user or query)");
      }
    } catch (const Poco::Exception& e) {
      return Error(ErrorCode::kInvalidInput,
                   place + ": endpoint is not a valid URL: " + e.message());
    }
    while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
    url = request.path_style
              ? scheme + "://" + authority + base_path + "/" + bucket + "/" + encoded_key
              : scheme + "://" + bucket + "." + authority + base_path + "/" + encoded_key;
  }

  HttpGet get;
  get.request = &request;
  get.place = place;
  get.error_body = ErrorBody::kS3Xml;
  Result<Target> target = resolveTarget(url, place);
  if (!target.ok()) return target.error();
  get.target = std::move(*target);

  SigV4Request sign;
  sign.method = "GET";
  sign.host = get.target.host_header;
  sign.path = get.target.path_and_query;
  sign.payload_sha256 = sha256Hex("");
  sign.amz_date = amzDateNow();
  sign.region = request.region;
  sign.service = "s3";
  sign.access_key_id = request.credentials.access_key_id;
  sign.secret_access_key = request.credentials.secret_access_key;
  sign.session_token = request.credentials.session_token;
  const SigV4Signature signature = signV4(sign);
  for (const auto& [name, value] : signature.headers) {
    if (name != "host") get.headers.emplace_back(name, value);
  }
  get.headers.emplace_back("Authorization", signature.authorization);
  return httpGet(get, sink);
}

}  // namespace

Result<FetchResult> fetchSource(const FetchRequest& request, const Sink& sink) {
  try {
    const std::string& location = request.location;
    if (location.rfind("s3://", 0) == 0) return fetchS3(request, sink);
    if (location.rfind("https://", 0) == 0 || location.rfind("http://", 0) == 0) {
      return fetchHttps(request, sink);
    }
    if (!location.empty() && location[0] == '/') return fetchFile(request, sink);
    return Error(ErrorCode::kInvalidInput,
                 (location.empty() ? std::string("(empty location)") : location) +
                     ": a location is an absolute path, an https:// URL or "
                     "s3://BUCKET/KEY");
  } catch (const std::exception& e) {
    const bool file = !request.location.empty() && request.location[0] == '/';
    return Error(ErrorCode::kInternal,
                 (file ? request.location : describeUrl(request.location)) + ": " + e.what());
  } catch (...) {
    return Error(ErrorCode::kInternal, "fetching a source failed (unknown exception)");
  }
}

}  // namespace scim_agent
