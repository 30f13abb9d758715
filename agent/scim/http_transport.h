#pragma once

// Moving HTTP requests and responses: the one seam between scim-agent and the network.
//
// HttpTransport is the interface the token source and the SCIM directory talk to; PocoTransport
// is the real one (POCO HTTP/HTTPS, kept-alive sessions). Tests use a scripted transport. No
// POCO type appears in this header: PocoTransport keeps its sessions behind a private Impl.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/base/host.h"
#include "agent/base/result.h"

namespace scim_agent {

// HTTP header fields in the order added. Lookup is case-insensitive (RFC 9110 §5.1).
class HttpHeaders {
 public:
  // Replaces every field named `name` (case-insensitively) with one field.
  void set(const std::string& name, std::string value);
  // Appends a field, keeping any of the same name.
  void add(std::string name, std::string value);
  // The first field named `name`, case-insensitively; nullopt when absent.
  std::optional<std::string> get(const std::string& name) const;
  bool has(const std::string& name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// One request. `url` is absolute: scheme, host, optional port, path and the already-encoded
// query ("https://api.mypurecloud.com/api/v2/scim/v2/Users?startIndex=1&count=25").
struct HttpRequest {
  std::string method;  // "GET", "POST", "PATCH", "PUT", "DELETE"
  std::string url;
  HttpHeaders headers;
  std::string body;  // sent with Content-Length when non-empty (or when the method is POST,
                     // PUT or PATCH)
};

// One complete response: the whole body has been read.
struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
};

// "METHOD url-without-query", for error messages (the query may carry a filter; never secrets,
// which travel in headers and bodies only).
std::string describeRequest(const HttpRequest& request);

// Sends requests. Implementations are thread-safe.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends `request` and returns the response whatever its status: HTTP error statuses are data,
  // not errors. Fails only when no complete response was received:
  //   kUnavailable   connection refused / reset / dropped, timeout, TLS failure (the message says
  //                  which, with the method and URL): worth retrying;
  //   kInvalidInput  the URL is malformed or not allowed, the host does not exist, or the
  //                  response broke a bound (size, deadline; see PocoTransport): retrying would
  //                  fail the same way.
  // A request that failed with kUnavailable may or may not have reached the server.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

// Forwards every call to a target transport. Fault-injecting test doubles derive from it and
// override only what they break (STYLE §3). The target must outlive the wrapper.
class ForwardingTransport : public HttpTransport {
 public:
  explicit ForwardingTransport(HttpTransport& target) : target_(target) {}
  Result<HttpResponse> send(const HttpRequest& request) override { return target_.send(request); }

 protected:
  HttpTransport& target() { return target_; }

 private:
  HttpTransport& target_;
};

struct TransportOptions {
  // TLS: a PEM file (or directory) of CA certificates; empty = the system's default CAs.
  std::string ca_file;
  // Verify the server certificate and host name. May be false only for loopback hosts (a local
  // test server with a self-signed certificate); send() refuses otherwise with kInvalidInput.
  bool verify = true;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds receive_timeout{60'000};  // also the send timeout
  // Most sessions open at once per host:port; a send() beyond it waits for a free session. This
  // is also the most requests in flight per host (SPEC §9).
  int concurrency = 4;
  // A kept-alive session idle longer than this is reconnected before use rather than risk a
  // server-side close.
  std::chrono::milliseconds keep_alive_idle{8'000};
  // Bounds on what a server may send (SPEC §16, agent.yaml target.maxResponseBytes and
  // target.requestDeadline). A response body larger than `max_response_bytes` is refused: a
  // Content-Length above it is refused before the body is read, and a body without one is read
  // no further than max_response_bytes + 1 bytes. `request_deadline` bounds one request from
  // sending it to the last body byte, on top of the per-read `receive_timeout`: a server that
  // trickles its body cannot hold a request past it.
  int64_t max_response_bytes = int64_t{16} << 20;  // 16 MiB
  std::chrono::milliseconds request_deadline{120'000};
};

// HTTP over POCO: HTTPS with certificate and host-name verification (TransportOptions), plain
// HTTP to loopback hosts only (the simulator). Sessions are kept alive and reused: a pool of up
// to `concurrency` sessions per scheme://host:port, each used by one request at a time; every
// response body is read to the end so the session stays usable, errors included.
//
// Failures (all as values, never exceptions):
//   kInvalidInput  malformed URL; http:// to a non-loopback host; verify=false to a
//                  non-loopback host; "GET https://h/p: host not found (…)" (the name does not
//                  exist: a wrong region or apiBase, not worth retrying; a temporary DNS failure
//                  is kUnavailable); "GET https://h/p: TLS: the certificate of h was
//                  rejected (…): check …" (not trusted, or not for this name: the same on
//                  every try); a response over a bound: "GET https://h/p: response body
//                  is larger than the 16777216-byte limit (target.maxResponseBytes)…", "GET
//                  https://h/p: no complete response within the 120s request deadline
//                  (target.requestDeadline)…";
//   kUnavailable   "GET https://h/p: timed out after 60000 ms waiting for the response",
//                  "... connection refused", "... connection reset", "... connection closed
//                  before a response", "... TLS: <reason>", "... temporary DNS failure".
// The deadline is checked between reads of the body, and every read waits at most the time
// left. Response headers are read by POCO in one go: a server trickling its header lines can
// still outlast the deadline, by up to the per-read timeout per byte (POCO caps header size).
// A request on a reused session that fails before any response byte (the server closed the idle
// connection) is resent once on a fresh connection when the method is idempotent (GET, HEAD,
// PUT, DELETE, OPTIONS, or a PATCH carrying If-Match); other methods return kUnavailable.
//
// A request still connecting, or still waiting for its answer, after 2 s says so once
// ("waiting for h:443 to answer GET /api/v2/scim/v2/Users (2 s so far; gives up after 60 s)",
// agent/log/waiting.h) when the process has waiting notes on.
//
// Thread-safe. Destroying it closes every pooled session; no send() may be in progress.
class PocoTransport final : public HttpTransport {
 public:
  explicit PocoTransport(TransportOptions options = {});
  ~PocoTransport() override;
  PocoTransport(const PocoTransport&) = delete;
  PocoTransport& operator=(const PocoTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request) override;

  // Sessions opened so far (each a TCP/TLS connection): lets tests and benchmarks check reuse.
  int connectionsOpened() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scim_agent
