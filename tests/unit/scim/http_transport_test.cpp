#include "agent/scim/http_transport.h"

#include <gtest/gtest.h>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <thread>

namespace scim_agent {
namespace {

// Echoes method, path and body; answers 404 with a body on /missing.
class EchoHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    if (request.getURI() == "/missing") {
      response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
      response.send() << "nothing here";
      return;
    }
    response.set("X-Echo-Header", request.get("X-Test", ""));
    response.setContentType("text/plain");
    response.send() << request.getMethod() << " " << request.getURI() << " " << body;
  }
};

class EchoFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new EchoHandler;
  }
};

class EchoServer {
 public:
  EchoServer()
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
        server_(new EchoFactory, socket_, new Poco::Net::HTTPServerParams) {
    server_.start();
  }
  ~EchoServer() { server_.stopAll(true); }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(socket_.address().port()); }

 private:
  Poco::Net::ServerSocket socket_;
  Poco::Net::HTTPServer server_;
};

// Answers each request on a connection with 200 "ok" (claiming keep-alive) and then closes the
// connection: the next request on that kept-alive session meets a stale connection. With
// `silent`, accepts and reads but never answers.
class RawServer {
 public:
  explicit RawServer(bool silent = false)
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)), silent_(silent) {
    thread_ = std::thread([this] { run(); });
  }
  ~RawServer() {
    stop_ = true;
    thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(socket_.address().port()); }
  int accepted() const { return accepted_.load(); }

 private:
  void run() {
    while (!stop_) {
      if (!socket_.poll(Poco::Timespan(0, 20'000), Poco::Net::Socket::SELECT_READ)) continue;
      Poco::Net::StreamSocket conn = socket_.acceptConnection();
      ++accepted_;
      std::string request;
      char buf[4096];
      conn.setReceiveTimeout(Poco::Timespan(2, 0));
      while (request.find("\r\n\r\n") == std::string::npos) {
        int n = 0;
        try {
          n = conn.receiveBytes(buf, sizeof buf);
        } catch (const Poco::Exception&) {
          break;
        }
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      if (silent_) {
        held_.push_back(conn);  // keep it open, unanswered
        continue;
      }
      const std::string reply =
          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";
      conn.sendBytes(reply.data(), static_cast<int>(reply.size()));
      conn.close();
    }
  }

  Poco::Net::ServerSocket socket_;
  bool silent_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::vector<Poco::Net::StreamSocket> held_;
  std::thread thread_;
};

HttpRequest get(const std::string& url) {
  HttpRequest r;
  r.method = "GET";
  r.url = url;
  return r;
}

TEST(HttpTransportTest, HeadersAreCaseInsensitive) {
  HttpHeaders h;
  h.set("Content-Type", "a");
  h.set("content-type", "b");
  h.add("X-Multi", "1");
  h.add("x-multi", "2");
  EXPECT_EQ(h.get("CONTENT-TYPE"), "b");
  EXPECT_EQ(h.get("X-MULTI"), "1");
  EXPECT_EQ(h.fields().size(), 3u);
  EXPECT_FALSE(h.has("Accept"));
}

TEST(HttpTransportTest, KnowsLoopbackHosts) {
  EXPECT_TRUE(isLoopbackHost("localhost"));
  EXPECT_TRUE(isLoopbackHost("LOCALHOST"));
  EXPECT_TRUE(isLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(isLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(isLoopbackHost("::1"));
  EXPECT_TRUE(isLoopbackHost("[::1]"));
  EXPECT_FALSE(isLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(isLoopbackHost("api.mypurecloud.com"));
  EXPECT_FALSE(isLoopbackHost("localhost.evil.example"));
}

TEST(HttpTransportTest, RefusesPlainHttpAndUnverifiedTlsOffLoopback) {
  PocoTransport strict;
  Result<HttpResponse> http = strict.send(get("http://api.mypurecloud.com/api/v2/scim/v2/Users"));
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(http.error().message.find("loopback"), std::string::npos);

  TransportOptions lax;
  lax.verify = false;
  PocoTransport unverified(lax);
  Result<HttpResponse> https = unverified.send(get("https://api.mypurecloud.com/x"));
  ASSERT_FALSE(https.ok());
  EXPECT_EQ(https.error().code, ErrorCode::kInvalidInput);

  EXPECT_EQ(strict.send(get("ftp://127.0.0.1/x")).error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(strict.send(get("not a url")).error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(strict.connectionsOpened(), 0);
}

TEST(HttpTransportTest, SendsAndReadsWholeResponsesReusingOneConnection) {
  EchoServer server;
  PocoTransport transport;
  for (int i = 0; i < 5; ++i) {
    HttpRequest r;
    r.method = "POST";
    r.url = server.base() + "/api/v2/scim/v2/Users?startIndex=" + std::to_string(i);
    r.headers.set("X-Test", "value");
    r.body = "body" + std::to_string(i);
    Result<HttpResponse> res = transport.send(r);
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "POST /api/v2/scim/v2/Users?startIndex=" + std::to_string(i) + " body" +
                             std::to_string(i));
    EXPECT_EQ(res->headers.get("x-echo-header"), "value");
  }
  Result<HttpResponse> missing = transport.send(get(server.base() + "/missing"));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);  // a status is data, not an error
  EXPECT_EQ(missing->body, "nothing here");
  EXPECT_TRUE(transport.send(get(server.base() + "/after-404")).ok());
  EXPECT_EQ(transport.connectionsOpened(), 1);
}

TEST(HttpTransportTest, ConcurrentSendsNeverOpenMoreThanConcurrencySessions) {
  EchoServer server;
  TransportOptions options;
  options.concurrency = 2;
  PocoTransport transport(options);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (!transport.send(get(server.base() + "/x")).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(transport.connectionsOpened(), 2);
}

TEST(HttpTransportTest, StaleKeptAliveConnectionIsRetriedForIdempotentMethods) {
  RawServer server;
  PocoTransport transport;
  ASSERT_TRUE(transport.send(get(server.base() + "/one")).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the server's close land
  Result<HttpResponse> second = transport.send(get(server.base() + "/two"));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->body, "ok");
  EXPECT_EQ(transport.connectionsOpened(), 2);
}

TEST(HttpTransportTest, StaleConnectionIsNotRetriedForPost) {
  RawServer server;
  PocoTransport transport;
  ASSERT_TRUE(transport.send(get(server.base() + "/one")).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  HttpRequest post;
  post.method = "POST";
  post.url = server.base() + "/api/v2/scim/v2/Users";
  post.body = "{}";
  Result<HttpResponse> res = transport.send(post);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(res.error().message.find("POST " + server.base() + "/api/v2/scim/v2/Users: "),
            std::string::npos)
      << res.error().message;
  // The pool dropped the dead session: the next request works on a new connection.
  EXPECT_TRUE(transport.send(get(server.base() + "/three")).ok());
}

TEST(HttpTransportTest, ConnectionRefusedIsUnavailable) {
  std::string url;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    url = "http://127.0.0.1:" + std::to_string(probe.address().port()) + "/x";
  }
  PocoTransport transport;
  Result<HttpResponse> res = transport.send(get(url));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(res.error().message, "GET " + url + ": connection refused");
}

TEST(HttpTransportTest, SilentServerTimesOut) {
  RawServer server(/*silent=*/true);
  TransportOptions options;
  options.receive_timeout = std::chrono::milliseconds(200);
  PocoTransport transport(options);
  Result<HttpResponse> res = transport.send(get(server.base() + "/slow?q=1"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(res.error().message,
            "GET " + server.base() + "/slow: timed out after 200 ms waiting for the response");
  EXPECT_EQ(server.accepted(), 1);  // a timeout is not a stale connection: no resend
}

TEST(HttpTransportTest, TlsToAPlainServerFailsAsUnavailable) {
  EchoServer server;
  // The plain server may answer the ClientHello at once (a TLS error) or wait for a request line
  // (the handshake then stalls until the receive timeout): a short timeout keeps the second case
  // from taking a minute. Either way the request fails as unavailable, naming the request.
  TransportOptions options;
  options.receive_timeout = std::chrono::milliseconds(2000);
  PocoTransport transport(options);
  std::string url = server.base() + "/x";
  url.replace(0, 4, "https");
  Result<HttpResponse> res = transport.send(get(url));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(res.error().message.rfind("GET " + url + ": ", 0), 0u) << res.error().message;
}

}  // namespace
}  // namespace scim_agent
