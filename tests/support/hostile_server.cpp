#include "tests/support/hostile_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <vector>

namespace scim_agent::testing {

struct HostileServer::State {
  HostileOptions options;
  std::atomic<int> list_pages{0};
  std::atomic<int> writes{0};
  std::atomic<int64_t> body_bytes_sent{0};
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool grown = false;  // kExactDuplicates / kTwoVersions: the org has grown (after page 1)

  // Waits `d` unless the server stops first; false when it stops.
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mu);
    return !cv.wait_for(lock, d, [&] { return stopping; });
  }
  bool stopped() {
    std::lock_guard<std::mutex> lock(mu);
    return stopping;
  }
};

namespace {

constexpr const char* kScimPrefix = "/api/v2/scim/v2";

std::string userJson(int n, int version) {
  const std::string i = std::to_string(n);
  return "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"id\":\"" +
         hostileUserId(n) + "\",\"userName\":\"user" + i + "@example.com\",\"externalId\":\"EMP-" +
         i + "\",\"active\":true,\"displayName\":\"User " + i +
         "\",\"title\":\"Agent\",\"meta\":{\"resourceType\":\"User\",\"version\":\"\\\"" +
         std::to_string(version) + "\\\"\"}}";
}

// A SCIM list response; `resources` already JSON ("null" for a null Resources).
std::string listJson(int64_t total, int64_t start, int64_t items, const std::string& resources) {
  return "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],"
         "\"totalResults\":" +
         std::to_string(total) + ",\"startIndex\":" + std::to_string(start) +
         ",\"itemsPerPage\":" + std::to_string(items) + ",\"Resources\":" + resources + "}";
}

// Users first..last (1-based numbers), each at version 1 except `edited` at 2.
std::string usersJson(const std::vector<int>& numbers, int edited = -1) {
  std::string out = "[";
  for (size_t k = 0; k < numbers.size(); ++k) {
    if (k > 0) out += ',';
    out += userJson(numbers[k], numbers[k] == edited ? 2 : 1);
  }
  return out + "]";
}

std::vector<int> range(int first, int last) {
  std::vector<int> v;
  for (int n = first; n <= last; ++n) v.push_back(n);
  return v;
}

void sendJson(Poco::Net::HTTPServerResponse& response, const std::string& body, int status = 200) {
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/scim+json");
  response.sendBuffer(body.data(), body.size());
}

class HostileHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit HostileHandler(std::shared_ptr<HostileServer::State> state)
      : state_(std::move(state)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    Poco::NullOutputStream sink;
    Poco::StreamCopier::copyStream(request.stream(), sink);
    const Poco::URI uri(request.getURI());
    const std::string path = uri.getPath();
    const std::string& method = request.getMethod();
    if (path == "/oauth/token") {
      sendJson(response,
               "{\"access_token\":\"hostile-token\",\"token_type\":\"bearer\","
               "\"expires_in\":86400}");
      return;
    }
    if (method != "GET" && method != "HEAD" && path.find("/search") == std::string::npos) {
      ++state_->writes;
    }
    if (method == "GET" && path == std::string(kScimPrefix) + "/Users") {
      int64_t start = 1;
      bool filtered = false;
      for (const auto& [key, value] : uri.getQueryParameters()) {
        if (key == "startIndex") start = std::max<int64_t>(1, std::stoll(value));
        if (key == "filter") filtered = true;
      }
      if (filtered) {
        sendJson(response, listJson(0, start, 0, "[]"));
      } else {
        ++state_->list_pages;
        listing(start, response);
      }
      return;
    }
    if (method == "GET" && path == std::string(kScimPrefix) + "/Groups") {
      sendJson(response, listJson(0, 1, 0, "[]"));
      return;
    }
    sendJson(response, "{\"status\":404,\"message\":\"not here\"}", 404);
  }

 private:
  void listing(int64_t start, Poco::Net::HTTPServerResponse& response) {
    const HostileOptions& o = state_->options;
    switch (o.hostility) {
      case Hostility::kOversizedBody:
      case Hostility::kOversizedChunked:
        return oversized(response, o.hostility == Hostility::kOversizedBody);
      case Hostility::kSlowBody:
        return slow(response);
      case Hostility::kEndlessPage:
        return sendJson(response, listJson(o.endless_total, start, 25, usersJson(range(1, 25))));
      case Hostility::kShortPage:
        if (start == 1) return sendJson(response, listJson(60, 1, 25, usersJson(range(1, 25))));
        return sendJson(response, listJson(60, start, 25, usersJson(range(26, 35))));
      case Hostility::kNullResources:
        return sendJson(response, listJson(60, start, 25, "null"));
      case Hostility::kExactDuplicates:
      case Hostility::kTwoVersions: {
        // Users 1..50; once page 1 is served, user 0 is created at the front (and in
        // kTwoVersions user 25 is edited), shifting every later user one place right.
        std::vector<int> org;
        int edited = -1;
        {
          std::lock_guard<std::mutex> lock(state_->mu);
          org = state_->grown ? range(0, 50) : range(1, 50);
          if (state_->grown && o.hostility == Hostility::kTwoVersions) edited = 25;
          if (start == 1) state_->grown = true;
        }
        const auto total = static_cast<int64_t>(org.size());
        const int64_t begin = std::min(total, start - 1);
        const int64_t end = std::min(total, begin + 25);
        const std::vector<int> page(org.begin() + begin, org.begin() + end);
        return sendJson(response, listJson(total, start, end - begin, usersJson(page, edited)));
      }
    }
  }

  bool inTime(std::chrono::steady_clock::time_point began) const {
    return std::chrono::steady_clock::now() - began < state_->options.handler_limit &&
           !state_->stopped();
  }

  // A body of body_bytes generated piece by piece, never held whole.
  void oversized(Poco::Net::HTTPServerResponse& response, bool with_length) {
    const auto began = std::chrono::steady_clock::now();
    const int64_t size = state_->options.body_bytes;
    const std::string head =
        "{\"totalResults\":1,\"startIndex\":1,\"itemsPerPage\":1,\"Resources\":[{\"id\":\"u-big\","
        "\"userName\":\"big@example.com\",\"displayName\":\"";
    const std::string tail = "\"}]}";
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("application/scim+json");
    if (with_length) {
      response.setContentLength64(size);
    } else {
      response.setChunkedTransferEncoding(true);
    }
    std::ostream& out = response.send();
    const std::string filler(64 * 1024, 'x');
    int64_t sent = 0;
    auto put = [&](const char* data, int64_t n) {
      out.write(data, static_cast<std::streamsize>(n));
      if (out) {
        sent += n;
        state_->body_bytes_sent += n;
      }
      return static_cast<bool>(out);
    };
    if (!put(head.data(), static_cast<int64_t>(head.size()))) return;
    const int64_t fill_end = size - static_cast<int64_t>(tail.size());
    while (sent < fill_end && inTime(began)) {
      if (!put(filler.data(), std::min<int64_t>(fill_end - sent,
                                                static_cast<int64_t>(filler.size())))) {
        return;  // the client went away
      }
    }
    if (sent == fill_end) put(tail.data(), static_cast<int64_t>(tail.size()));
  }

  // A valid (empty) list padded with spaces to body_bytes, sent one byte per slow_interval.
  void slow(Poco::Net::HTTPServerResponse& response) {
    const auto began = std::chrono::steady_clock::now();
    std::string body = listJson(0, 1, 0, "[]");
    const auto size = static_cast<size_t>(state_->options.body_bytes);
    if (body.size() < size) body.append(size - body.size(), ' ');
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("application/scim+json");
    response.setContentLength64(static_cast<int64_t>(body.size()));
    std::ostream& out = response.send();
    out.flush();
    for (char c : body) {
      if (!inTime(began) || !state_->pause(state_->options.slow_interval)) return;
      out.put(c);
      out.flush();
      if (!out) return;
      ++state_->body_bytes_sent;
    }
  }

  std::shared_ptr<HostileServer::State> state_;
};

class HostileFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HostileFactory(std::shared_ptr<HostileServer::State> state)
      : state_(std::move(state)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new HostileHandler(state_);
  }

 private:
  std::shared_ptr<HostileServer::State> state_;
};

}  // namespace

std::string hostileUserId(int n) {
  std::string digits = std::to_string(n);
  if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
  return "u-" + digits;
}

class HostileServer::Impl {
 public:
  explicit Impl(std::shared_ptr<State> state) : pool_(2, 16) {
    // A client that stops reading closes its end; writing to it must not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(16);
    params->setKeepAlive(true);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new HostileFactory(std::move(state)), pool_,
                                                      socket, params);
    server_->start();
  }
  ~Impl() {
    server_->stopAll(true);
    pool_.joinAll();
  }
  int port() const { return server_->port(); }

 private:
  Poco::ThreadPool pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

HostileServer::HostileServer(HostileOptions options) : state_(std::make_shared<State>()) {
  state_->options = options;
  impl_ = std::make_unique<Impl>(state_);
}

HostileServer::~HostileServer() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  impl_.reset();
}

int HostileServer::port() const { return impl_->port(); }
int HostileServer::listPages() const { return state_->list_pages.load(); }
int HostileServer::writes() const { return state_->writes.load(); }
int64_t HostileServer::bodyBytesSent() const { return state_->body_bytes_sent.load(); }

}  // namespace scim_agent::testing
