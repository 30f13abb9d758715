#include "tests/sim/sim_server.h"

#include <chrono>
#include <stdexcept>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>

#include "tests/sim/sim_service.h"

namespace scim_agent::sim {
namespace {

// Moves bytes between POCO and SimService; all behaviour lives in the service.
class SimRequestHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit SimRequestHandler(SimService& service) : service_(service) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    SimRequest sim_request;
    sim_request.method = request.getMethod();
    sim_request.target = request.getURI();
    for (const auto& [name, value] : request) sim_request.headers.emplace_back(name, value);
    Poco::StreamCopier::copyToString(request.stream(), sim_request.body);

    SimResponse sim_response = service_.handle(sim_request);
    if (sim_response.delay.count() > 0) std::this_thread::sleep_for(sim_response.delay);
    if (sim_response.drop_connection) {
      // Injected fault: close without answering, as a dying load balancer would.
      response.setKeepAlive(false);
      static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket().shutdown();
      return;
    }
    response.setStatusAndReason(
        static_cast<Poco::Net::HTTPResponse::HTTPStatus>(sim_response.status));
    for (const auto& [name, value] : sim_response.headers) response.add(name, value);
    if (sim_response.content_type.empty() || sim_response.status == 204 ||
        sim_response.status == 304) {
      response.setContentLength(0);
      response.send();
      return;
    }
    response.setContentType(sim_response.content_type);
    response.sendBuffer(sim_response.body.data(), sim_response.body.size());
  }

 private:
  SimService& service_;
};

class SimHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit SimHandlerFactory(SimService& service) : service_(service) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new SimRequestHandler(service_);
  }

 private:
  SimService& service_;
};

Poco::Net::IPAddress loopbackAddress(const std::string& host) {
  if (host == "localhost") return Poco::Net::IPAddress("127.0.0.1");
  Poco::Net::IPAddress address;
  if (!Poco::Net::IPAddress::tryParse(host, address) || !address.isLoopback()) {
    throw std::invalid_argument("genesys-sim binds loopback addresses only, not '" + host + "'");
  }
  return address;
}

}  // namespace

struct SimServer::Impl {
  explicit Impl(SimOptions opts) : options(std::move(opts)), service(options) {}

  SimOptions options;
  SimService service;
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  uint16_t port = 0;
  std::string base_url;
};

SimServer::SimServer(SimOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

SimServer::~SimServer() { stop(); }

void SimServer::start() {
  if (impl_->server) throw std::runtime_error("genesys-sim is already running");
  const Poco::Net::IPAddress address = loopbackAddress(impl_->options.host);
  const int threads = std::max(2, impl_->options.threads);
  try {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(address, impl_->options.port), 128);
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(threads);
    params->setMaxQueued(1024);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(1'000'000);
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    params->setTimeout(Poco::Timespan(30, 0));
    params->setServerName("genesys-sim");
    impl_->pool = std::make_unique<Poco::ThreadPool>(2, threads + 2, 60);
    impl_->port = socket.address().port();
    impl_->base_url = address.family() == Poco::Net::IPAddress::IPv6
                          ? "http://[" + address.toString() + "]:" + std::to_string(impl_->port)
                          : "http://" + address.toString() + ":" + std::to_string(impl_->port);
    impl_->service.setBaseUrl(impl_->base_url);
    impl_->server = std::make_unique<Poco::Net::HTTPServer>(new SimHandlerFactory(impl_->service),
                                                            *impl_->pool, socket, params);
    impl_->server->start();
  } catch (const Poco::Exception& e) {
    impl_->server.reset();
    impl_->pool.reset();
    throw std::runtime_error("genesys-sim cannot listen on " + impl_->options.host + ":" +
                             std::to_string(impl_->options.port) + ": " + e.displayText());
  }
}

void SimServer::stop() {
  if (!impl_->server) return;
  // POCO's accept loop polls with a 250 ms timeout before it notices the stop flag; a throwaway
  // connection wakes it at once, which keeps a test suite that starts many servers quick.
  std::thread waker([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    try {
      Poco::Net::StreamSocket socket;
      socket.connect(Poco::Net::SocketAddress(loopbackAddress(impl_->options.host), impl_->port),
                     Poco::Timespan(0, 200000));
    } catch (const Poco::Exception&) {
      // Already closed: nothing to wake.
    }
  });
  impl_->server->stopAll(true);
  waker.join();
  impl_->server.reset();
  impl_->pool->joinAll();
  impl_->pool.reset();
}

uint16_t SimServer::port() const { return impl_->port; }

std::string SimServer::baseUrl() const { return impl_->base_url; }

std::string SimServer::seed(const std::string& json) { return impl_->service.seed(json); }

std::string SimServer::stateJson(bool stable) { return impl_->service.stateJson(stable); }

std::string SimServer::countersJson() { return impl_->service.countersJson(); }

void SimServer::resetCounters() { impl_->service.resetCounters(); }

void SimServer::reset() { impl_->service.reset(); }

SimService& SimServer::service() { return impl_->service; }

}  // namespace scim_agent::sim
