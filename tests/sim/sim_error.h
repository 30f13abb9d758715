#pragma once

// SimError: the one failure type inside genesys-sim.
//
// Handlers deep inside the simulator (body parsing, PATCH evaluation, store validation) throw a
// SimError; SimService catches it at the request boundary and renders it in the error format of
// the route family that was called:
//   - SCIM routes: {"schemas":[Error URN],"status":"400","scimType":"invalidValue","detail":"…"}
//   - Platform routes (/api/v2/users…): ErrorBody {"message":"…","code":"…","status":400}
//   - control routes (/sim/…): {"error":"…","status":400}
// The simulator is test infrastructure, so an exception per rejected request is cheap enough and
// keeps every handler a straight line. Nothing outside tests/sim sees a SimError: the SimServer and
// SimService public methods convert it (see sim_server.h).

#include <stdexcept>
#include <string>

namespace scim_agent::sim {

class SimError : public std::runtime_error {
 public:
  // REQUIRES: status is a 4xx/5xx HTTP status. scim_type is one of RFC 7644's scimType values or
  // empty. platform_code is the Genesys ErrorBody `code` used when the route is a Platform route;
  // when empty a code is derived from the status.
  SimError(int status, std::string scim_type, std::string detail, std::string platform_code = {})
      : std::runtime_error(detail),
        status_(status),
        scim_type_(std::move(scim_type)),
        platform_code_(std::move(platform_code)) {}

  int status() const { return status_; }
  const std::string& scimType() const { return scim_type_; }
  const std::string& platformCode() const { return platform_code_; }
  std::string detail() const { return what(); }

 private:
  int status_;
  std::string scim_type_;
  std::string platform_code_;
};

// Shorthands for the SCIM 400 family (genesys-api.md §6.1 scimType enum).
inline SimError invalidValue(const std::string& detail) {
  return SimError(400, "invalidValue", detail);
}
inline SimError invalidSyntax(const std::string& detail) {
  return SimError(400, "invalidSyntax", detail);
}
inline SimError invalidPath(const std::string& detail) {
  return SimError(400, "invalidPath", detail);
}
inline SimError invalidFilter(const std::string& detail) {
  return SimError(400, "invalidFilter", detail);
}
inline SimError mutability(const std::string& detail) {
  return SimError(400, "mutability", detail);
}
inline SimError noTarget(const std::string& detail) { return SimError(400, "noTarget", detail); }
inline SimError notFound(const std::string& detail) {
  return SimError(404, "", detail, "not.found");
}

}  // namespace scim_agent::sim
