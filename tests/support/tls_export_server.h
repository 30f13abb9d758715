#pragma once

// An HR export over https for tests: a POCO HTTPS server on 127.0.0.1 (ephemeral port), started
// in-process, whose certificate is signed by a CA the server makes with the openssl CLI when it
// starts. A client trusting caFile() reaches it with verified TLS; one trusting otherCaFile() (a
// second CA that signed nothing) or the system store must refuse it. Each path answers as the
// test configured it with serve(); an unknown path answers 404. Destroying the server releases
// any stalled answer and stops it.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace scim_agent::testing {

// How one path answers.
struct ExportRoute {
  int status = 200;
  std::string body{};
  std::string content_type = "text/plain";
  // Sent as ETag on a 200; a request whose If-None-Match equals it answers 304 with no body.
  std::string etag{};
  // When set, a request without exactly this Authorization value answers 401.
  std::string authorization{};
  // The Content-Length announced (default: the body's size). Larger than the body: the body is
  // sent, then the connection closes (a transfer cut short).
  std::optional<uint64_t> content_length{};
  // Chunked transfer encoding without Content-Length, the body sent in 100-byte chunks.
  bool chunked = false;
  std::string location{};  // a Location header (a redirect)
  // After the body, the answer waits (connection open) until releaseStalls() or destruction.
  bool stall = false;
};

class TlsExportServer {
 public:
  // Makes the certificates and starts listening. Throws std::runtime_error naming what failed
  // (openssl's output, or the TLS server's error).
  TlsExportServer();
  ~TlsExportServer();
  TlsExportServer(const TlsExportServer&) = delete;
  TlsExportServer& operator=(const TlsExportServer&) = delete;

  int port() const { return port_; }
  // "https://127.0.0.1:PORT" + path.
  std::string url(const std::string& path) const;
  // PEM files: the CA that signed the server's certificate, and one that did not.
  std::string caFile() const;
  std::string otherCaFile() const;

  // Sets (or replaces) how `path` ("/hr.csv") answers. Thread-safe.
  void serve(const std::string& path, ExportRoute route);
  // Requests received for `path` so far, whatever the answer.
  int requests(const std::string& path) const;
  // Lets every stalled answer end.
  void releaseStalls();

  struct State;

 private:
  std::shared_ptr<State> state_;  // shared with the handlers, which may outlive a stop()
  class Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace scim_agent::testing
