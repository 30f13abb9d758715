// The planner alone (SPEC §14: makePlan under 0.5 s at 50,000 users): builds, in memory, the
// org tests/bench/bench_gen.cpp describes — N live users in three departments and their groups,
// the desired state with `--drift` percent of titles changed, N/1000 new users and N/1000
// removed — and times makePlan on it, median of `--runs` (3).
//
//   planner_bench --users 100000 [--drift 1] [--runs 3]
//   → "makePlan 100000 users: median 0.412 s CPU (runs 0.405 0.412 0.430), 1202 actions"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "agent/plan/planner.h"
#include "tests/bench/sim_seed.h"

using namespace scim_agent;

namespace {
double threadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}
}  // namespace

int main(int argc, char** argv) {
  int users = 10000;
  double drift = 1;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--users") users = std::atoi(argv[i + 1]);
    else if (flag == "--drift") drift = std::atof(argv[i + 1]);
    else if (flag == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::cerr << "usage: planner_bench --users N [--drift PCT] [--runs N]\n";
      return 64;
    }
  }
  const int step = drift > 0 ? static_cast<int>(100 / drift) : 0;
  const int churn = users / 1000;

  LiveState live;
  for (int d = 0; d < 3; ++d) {
    live.groups.push_back({"g-" + std::to_string(d), bench::kGroups[d], "\"1\""});
  }
  for (int n = 1; n <= users; ++n) {
    LiveUser u;
    u.id = "u-" + bench::padded(n);
    u.version = "\"1\"";
    u.external_id = bench::externalId(n);
    u.user_name = bench::mail(n);
    u.display_name = "User " + std::to_string(n);
    u.title = "Agent";
    u.department = bench::kDepartments[n % 3];
    u.division = "Home";
    u.employee_number = std::to_string(n);
    u.phone_numbers = {{bench::phone(n), "work"}};
    u.group_ids = {"g-" + std::to_string(n % 3)};
    live.users.push_back(std::move(u));
  }
  DesiredState desired;
  desired.policy.scope_external_id_pattern = "^EMP-";
  desired.policy.max_destructive_count = churn + 1;
  desired.policy.max_destructive_percent = 50;
  for (int d = 0; d < 3; ++d) {
    desired.groups_by_department[bench::kDepartments[d]] = {bench::kGroups[d]};
  }
  auto add = [&](int n, const std::string& title) {
    DesiredUser u;
    u.external_id = bench::externalId(n);
    u.user_name = bench::mail(n);
    u.display_name = "User " + std::to_string(n);
    u.title = title;
    u.department = bench::kDepartments[n % 3];
    u.division = "Home";
    u.employee_number = std::to_string(n);
    u.phone_numbers = std::vector<PhoneNumber>{{bench::phone(n), "work"}};
    u.groups = std::vector<std::string>{bench::kGroups[n % 3]};
    desired.users.push_back(std::move(u));
  };
  for (int n = 1; n <= users - churn; ++n) add(n, step > 0 && n % step == 0 ? "Senior Agent" : "Agent");
  for (int n = users + 1; n <= users + churn; ++n) add(n, "New Agent");

  PlanOptions options;
  options.now = "2026-12-05T00:00:00Z";
  std::vector<double> seconds;
  size_t actions = 0;
  for (int r = 0; r < runs; ++r) {
    // Thread CPU time, not wall time: on a shared machine the wall clock counts other processes.
    const double start = threadCpuSeconds();
    const Plan plan = makePlan(desired, live, options);
    seconds.push_back(threadCpuSeconds() - start);
    actions = plan.actions.size();
  }
  std::vector<double> sorted = seconds;
  std::sort(sorted.begin(), sorted.end());
  std::printf("makePlan %d users: median %.3f s CPU (runs", users, sorted[sorted.size() / 2]);
  for (double s : seconds) std::printf(" %.3f", s);
  std::printf("), %zu actions\n", actions);
  return 0;
}
