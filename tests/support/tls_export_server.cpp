#include "tests/support/tls_export_server.h"

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include <Poco/Event.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>

#include "tests/support/temp_dir.h"

namespace scim_agent::testing {

struct TlsExportServer::State {
  mutable std::mutex mu;
  std::map<std::string, ExportRoute> routes;
  std::map<std::string, int> requests;
  Poco::Event released{false};  // manual reset: stays set once released
};

namespace {

bool run(const std::string& command) { return std::system(command.c_str()) == 0; }

// A CA and a server certificate it signs for 127.0.0.1 (subjectAltName), and a second CA that
// signed nothing.
bool makeCertificates(const TempDir& dir) {
  const std::string d = "'" + dir.path() + "'/";
  const std::string log = " >>" + d + "openssl.log 2>&1";
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
  std::ofstream(dir.file("ext.cnf")) << "subjectAltName=IP:127.0.0.1\n";
  return run("openssl req -x509 " + key + "-subj /CN=scim-agent-test-ca -days 1 -keyout " + d +
             "ca.key -out " + d + "ca.crt" + log) &&
         run("openssl req -x509 " + key + "-subj /CN=other-ca -days 1 -keyout " + d +
             "other.key -out " + d + "other.crt" + log) &&
         run("openssl req " + key + "-subj /CN=127.0.0.1 -keyout " + d + "server.key -out " + d +
             "server.csr" + log) &&
         run("openssl x509 -req -in " + d + "server.csr -CA " + d + "ca.crt -CAkey " + d +
             "ca.key -CAcreateserial -days 1 -extfile " + d + "ext.cnf -out " + d + "server.crt" +
             log);
}

void answer(Poco::Net::HTTPServerResponse& response, int status, const std::string& body) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType("text/plain");
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

class RouteHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RouteHandler(std::shared_ptr<TlsExportServer::State> state) : state_(std::move(state)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    response.setKeepAlive(false);
    ExportRoute route;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      ++state_->requests[request.getURI()];
      auto it = state_->routes.find(request.getURI());
      if (it == state_->routes.end()) return answer(response, 404, "");
      route = it->second;
    }
    if (!route.authorization.empty() &&
        request.get("Authorization", "") != route.authorization) {
      return answer(response, 401, "authorization required");
    }
    if (!route.location.empty()) response.set("Location", route.location);
    if (route.status != 200) return answer(response, route.status, route.body);
    if (!route.etag.empty()) {
      response.set("ETag", route.etag);
      if (request.get("If-None-Match", "") == route.etag) {
        response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
        response.setContentLength(0);
        response.send();
        return;
      }
    }
    response.setContentType(route.content_type);
    if (route.chunked) {
      response.setChunkedTransferEncoding(true);
      std::ostream& out = response.send();
      for (size_t at = 0; at < route.body.size(); at += 100) {
        out << route.body.substr(at, 100) << std::flush;
      }
    } else {
      response.setContentLength(
          static_cast<std::streamsize>(route.content_length.value_or(route.body.size())));
      response.send() << route.body << std::flush;
    }
    if (route.stall) state_->released.tryWait(30000);
  }

 private:
  std::shared_ptr<TlsExportServer::State> state_;
};

class RouteFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit RouteFactory(std::shared_ptr<TlsExportServer::State> state) : state_(std::move(state)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RouteHandler(state_);
  }

 private:
  std::shared_ptr<TlsExportServer::State> state_;
};

}  // namespace

class TlsExportServer::Impl {
 public:
  TempDir dir;
  std::unique_ptr<Poco::Net::HTTPServer> server;
};

TlsExportServer::TlsExportServer()
    : state_(std::make_shared<State>()), impl_(std::make_unique<Impl>()) {
  static std::once_flag ssl_once;
  std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
  if (!makeCertificates(impl_->dir)) {
    throw std::runtime_error("openssl failed: " + readFile(impl_->dir.file("openssl.log")));
  }
  try {
    Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::SERVER_USE, impl_->dir.file("server.key"),
        impl_->dir.file("server.crt"), "", Poco::Net::Context::VERIFY_NONE);
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(4);
    impl_->server =
        std::make_unique<Poco::Net::HTTPServer>(new RouteFactory(state_), socket, params);
    impl_->server->start();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("TLS server: " + e.displayText());
  }
}

TlsExportServer::~TlsExportServer() {
  releaseStalls();
  if (impl_->server) impl_->server->stop();
}

std::string TlsExportServer::url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + path;
}

std::string TlsExportServer::caFile() const { return impl_->dir.file("ca.crt"); }
std::string TlsExportServer::otherCaFile() const { return impl_->dir.file("other.crt"); }

void TlsExportServer::serve(const std::string& path, ExportRoute route) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->routes[path] = std::move(route);
}

int TlsExportServer::requests(const std::string& path) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->requests.find(path);
  return it == state_->requests.end() ? 0 : it->second;
}

void TlsExportServer::releaseStalls() { state_->released.set(); }

}  // namespace scim_agent::testing
