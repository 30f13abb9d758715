#pragma once

// Test helper: a tiny HTTP client for genesys-sim tests (real HTTP over loopback with
// Poco::Net::HTTPClientSession), plus a fixture that starts an in-process SimServer on
// 127.0.0.1:0 and obtains a token.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>

#include "tests/sim/sim_server.h"

namespace scim_agent::sim::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  Poco::JSON::Object::Ptr json() const {
    Poco::JSON::Parser parser;
    return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
  }
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : session_("127.0.0.1", port) {
    session_.setKeepAlive(true);
    session_.setTimeout(Poco::Timespan(10, 0));
  }

  HttpResult send(const std::string& method, const std::string& target,
                  const std::string& body = {},
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session_.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& stream = session_.receiveResponse(response);
    HttpResult result;
    result.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(stream, result.body);
    for (const auto& [name, value] : response) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      result.headers[lower] = value;
    }
    return result;
  }

 private:
  Poco::Net::HTTPClientSession session_;
};

inline std::string encode(const std::string& text) {
  std::string out;
  Poco::URI::encode(text, "?#/:;+@&=,\"' []", out);
  return out;
}

inline Poco::JSON::Object::Ptr obj(const Poco::Dynamic::Var& value) {
  return value.extract<Poco::JSON::Object::Ptr>();
}
inline Poco::JSON::Array::Ptr arr(const Poco::Dynamic::Var& value) {
  return value.extract<Poco::JSON::Array::Ptr>();
}

// Starts a server per test with the options from options(); `client` holds a token.
class SimFixture : public ::testing::Test {
 protected:
  virtual SimOptions options() { return SimOptions{}; }

  void SetUp() override {
    server_ = std::make_unique<SimServer>(options());
    server_->start();
    http_ = std::make_unique<HttpClient>(server_->port());
    token_ = fetchToken();
  }
  void TearDown() override {
    http_.reset();
    server_->stop();
  }

  std::string fetchToken() {
    HttpResult result = http_->send(
        "POST", "/oauth/token", "grant_type=client_credentials",
        {{"Content-Type", "application/x-www-form-urlencoded"},
         {"Authorization", "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="}});  // demo-client:demo-secret
    EXPECT_EQ(result.status, 200) << result.body;
    return result.json()->getValue<std::string>("access_token");
  }

  HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Authorization", "Bearer " + token_);
    if (!body.empty()) {
      bool has_type = false;
      for (const auto& header : headers) has_type = has_type || header.first == "Content-Type";
      if (!has_type) headers.emplace_back("Content-Type", "application/scim+json");
    }
    return http_->send(method, target, body, headers);
  }

  HttpResult control(const std::string& method, const std::string& target,
                     const std::string& body = {}) {
    return http_->send(method, target, body,
                       body.empty() ? std::vector<std::pair<std::string, std::string>>{}
                                    : std::vector<std::pair<std::string, std::string>>{
                                          {"Content-Type", "application/json"}});
  }

  void seed(const std::string& json) {
    HttpResult result = control("POST", "/sim/seed", json);
    ASSERT_EQ(result.status, 200) << result.body;
  }

  // The SCIM user with this userName (fails the test when absent).
  Poco::JSON::Object::Ptr userByName(const std::string& user_name) {
    HttpResult result =
        api("GET", "/api/v2/scim/v2/Users?filter=" + encode("userName eq \"" + user_name + "\""));
    EXPECT_EQ(result.status, 200) << result.body;
    auto resources = result.json()->getArray("Resources");
    EXPECT_EQ(resources->size(), 1u) << result.body;
    return resources->getObject(0);
  }

  std::unique_ptr<SimServer> server_;
  std::unique_ptr<HttpClient> http_;
  std::string token_;
};

inline const char* kPatchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

// {"schemas":[PatchOp],"Operations":[<ops>]}
inline std::string patchBody(const std::string& operations) {
  return std::string(
             R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[)") +
         operations + "]}";
}

}  // namespace scim_agent::sim::testing
