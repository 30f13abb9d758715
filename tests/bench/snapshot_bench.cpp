// saveSnapshot alone (SPEC §14): a fresh state DB, then the live snapshot of N users as the plan
// saves it (one canonical document each, about 600 bytes), then the same snapshot with 1% of the
// users changed; wall time of each, median of `--runs` (3) fresh databases.
//
//   snapshot_bench --users 100000 [--runs 3] [--dir /tmp]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "agent/base/json.h"
#include "state/state_store.h"
#include "tests/bench/sim_seed.h"

using namespace scim_agent;

namespace {

std::string document(int n, const std::string& title) {
  Json d = Json::object();
  d["id"] = "4f0c1b2e-" + bench::padded(n) + "-4a5b-9c8d-0123456789ab";
  d["version"] = "\"3\"";
  d["externalId"] = bench::externalId(n);
  d["userName"] = bench::mail(n);
  d["active"] = true;
  d["displayName"] = "User " + std::to_string(n);
  d["title"] = title;
  d["workEmail"] = bench::mail(n);
  d["phoneNumbers"] = Json(Json::Array{Json(Json::Object{{"type", "work"}, {"value", bench::phone(n)}})});
  d["department"] = bench::kDepartments[n % 3];
  d["division"] = "Home";
  d["employeeNumber"] = std::to_string(n);
  d["dateHire"] = "2024-01-15";
  d["managerId"] = "";
  d["groupIds"] = Json(Json::Array{Json("b1d2c3e4-0000-4000-8000-00000000000" + std::to_string(n % 3))});
  d["roles"] = Json(Json::Array{Json("Agent"), Json("Employee")});
  d["routingSkills"] = Json::array();
  d["routingLanguages"] = Json::array();
  d["rolesKnown"] = true;
  d["routingSkillsKnown"] = true;
  d["routingLanguagesKnown"] = true;
  return d.dump();
}

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int users = 10000;
  int runs = 3;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--users") users = std::atoi(argv[i + 1]);
    else if (flag == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--dir") dir = argv[i + 1];
    else {
      std::cerr << "usage: snapshot_bench --users N [--runs N] [--dir DIR]\n";
      return 64;
    }
  }
  SnapshotItems first;
  SnapshotItems second;
  for (int n = 1; n <= users; ++n) {
    const std::string key = "4f0c1b2e-" + bench::padded(n);
    first.emplace_back(key, document(n, "Agent"));
    second.emplace_back(key, document(n, n % 100 == 0 ? "Senior Agent" : "Agent"));
  }
  std::vector<double> fresh;
  std::vector<double> changed;
  for (int r = 0; r < runs; ++r) {
    const std::string path = dir + "/snapshot-bench-" + std::to_string(::getpid()) + ".db";
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    auto store = StateStore::open(path);
    if (!store.ok()) {
      std::cerr << store.error().message << "\n";
      return 1;
    }
    auto run = (*store)->beginRun("plan", "2026-12-05T00:00:00Z", "d");
    auto start = std::chrono::steady_clock::now();
    if (!(*store)->saveSnapshot(*run, "live", first, "2026-12-05T00:00:00Z").ok()) return 1;
    fresh.push_back(since(start));
    start = std::chrono::steady_clock::now();
    if (!(*store)->saveSnapshot(*run, "live", second, "2026-12-05T00:01:00Z").ok()) return 1;
    changed.push_back(since(start));
    store->reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("saveSnapshot %d users: fresh DB median %.3f s, 1%% changed median %.3f s\n", users,
              median(fresh), median(changed));
  return 0;
}
