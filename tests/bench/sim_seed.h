#pragma once

// The live org both benchmark generators give genesys-sim (bench_gen.cpp, hr_gen.cpp): user n is
// EMP-00000n, user00000n@corp.example, "User n", in department n % 3 (SUPPORT, ENG, SALES) and
// that department's group, with a work phone; the seed holds users 1..N and the three groups.

#include <cstdio>
#include <fstream>
#include <string>

#include "agent/base/json.h"

namespace bench {

inline const char* const kDepartments[] = {"SUPPORT", "ENG", "SALES"};
inline const char* const kGroups[] = {"Support Agents", "Engineering", "Sales"};

// n as six digits: 000042.
inline std::string padded(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06d", n);
  return buf;
}
inline std::string externalId(int n) { return "EMP-" + padded(n); }
inline std::string mail(int n) { return "user" + padded(n) + "@corp.example"; }
inline std::string phone(int n) { return "+1555" + std::to_string(1000000 + n); }

// Writes genesys-sim's seed with users 1..users to `path`, user n's title title(n).
template <class Title>
void writeSimSeed(const std::string& path, int users, Title title) {
  using scim_agent::Json;
  Json live = Json::array();
  Json::Array members[3];
  for (int n = 1; n <= users; ++n) {
    const int d = n % 3;
    Json u = Json::object();
    u["externalId"] = externalId(n);
    u["userName"] = mail(n);
    u["displayName"] = "User " + std::to_string(n);
    u["title"] = title(n);
    u["active"] = true;
    Json enterprise = Json::object();
    enterprise["department"] = kDepartments[d];
    enterprise["division"] = "Home";
    enterprise["employeeNumber"] = std::to_string(n);
    u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = enterprise;
    Json work = Json::object();
    work["type"] = "work";
    work["value"] = phone(n);
    u["phoneNumbers"] = Json(Json::Array{work});
    live.push(std::move(u));
    members[d].push_back(mail(n));
  }
  Json seed = Json::object();
  seed["users"] = live;
  Json groups = Json::array();
  for (int d = 0; d < 3; ++d) {
    Json g = Json::object();
    g["displayName"] = kGroups[d];
    g["members"] = Json(members[d]);
    groups.push(std::move(g));
  }
  seed["groups"] = groups;
  std::ofstream(path) << seed.dump();
}

}  // namespace bench
