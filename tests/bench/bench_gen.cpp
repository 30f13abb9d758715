// Generates a benchmark org: a genesys-sim seed with N live users and a desired-state YAML with the
// same users plus drift: `--drift` percent of users with a changed title, N/1000 new users and
// N/1000 users removed (suspended by the plan).
//
//   bench_gen --users 10000 --drift 1 --out DIR   → DIR/seed.json, DIR/desired/org.yaml
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "tests/bench/sim_seed.h"

using bench::kDepartments;
using bench::mail;

int main(int argc, char** argv) {
  int users = 10000;
  double drift = 1;
  int churn = -1;  // creates and removals each; default users/1000
  std::string out = ".";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--users") users = std::atoi(argv[i + 1]);
    else if (flag == "--drift") drift = std::atof(argv[i + 1]);
    else if (flag == "--out") out = argv[i + 1];
    else if (flag == "--churn") churn = std::atoi(argv[i + 1]);
    else {
      std::cerr << "usage: bench_gen --users N --drift PCT [--churn N] --out DIR\n";
      return 64;
    }
  }
  const int step = drift > 0 ? static_cast<int>(100 / drift) : 0;  // every step-th user drifts
  if (churn < 0) churn = users / 1000;

  std::filesystem::create_directories(out + "/desired");
  bench::writeSimSeed(out + "/seed.json", users, [](int) { return std::string("Agent"); });

  std::ofstream y(out + "/desired/org.yaml");
  y << "apiVersion: scim-agent/v1\n"
    << "defaults:\n  division: Home\n"
    << "groupsByDepartment:\n  SUPPORT: [Support Agents]\n  ENG: [Engineering]\n  SALES: [Sales]\n"
    << "policy:\n  scope: { externalIdPattern: \"^EMP-\" }\n  onRemoval: suspend\n"
    << "  maxDestructive: { count: " << churn + 1 << ", percent: 50 }\n"
    << "users:\n";
  auto user = [&](int n, const std::string& title) {
    const int d = n % 3;
    y << "  - externalId: " << bench::externalId(n) << "\n"
      << "    userName: " << mail(n) << "\n"
      << "    displayName: User " << n << "\n"
      << "    title: " << title << "\n"
      << "    department: " << kDepartments[d] << "\n"
      << "    employeeNumber: \"" << n << "\"\n"
      << "    phoneNumbers: [{ type: work, value: \"" << bench::phone(n) << "\" }]\n";
  };
  for (int n = 1; n <= users - churn; ++n) user(n, step > 0 && n % step == 0 ? "Senior Agent" : "Agent");
  for (int n = users + 1; n <= users + churn; ++n) user(n, "New Agent");
  std::cout << "generated " << users << " live users; desired: " << (step ? users / step : 0)
            << " title changes, " << churn << " creates, " << churn << " removals\n";
  return 0;
}
