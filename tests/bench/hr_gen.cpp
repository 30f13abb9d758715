// Generates the HR-source benchmark (tests/bench/hr_source.sh): an N-row HR export as CSV and a
// genesys-sim seed with the same N people live, so a plan reads the whole file and the whole org.
// `--drift` percent of the rows carry a changed job title (updates in the plan).
//
//   hr_gen --rows 100000 --drift 1 --out DIR   → DIR/hr.csv, DIR/seed.json, DIR/desired/org.yaml
//
// The CSV's columns are those of the mapping in hr_source.sh: employee_id, first_name, last_name,
// email, dept_code, job_title, employee_number, work_phone, status. first_name is quoted, and
// every 97th title holds a quoted comma, so the reader's quoting path is part of the measure; the
// seed has the same values, so only the drifted rows differ.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "tests/bench/sim_seed.h"

using bench::mail;
using bench::padded;
using bench::phone;

namespace {

const char* kDeptCodes[] = {"10", "20", "30"};  // bench::kDepartments in the mapping's table

std::string title(int n) { return n % 97 == 0 ? "Agent, Tier 2" : "Agent"; }

}  // namespace

int main(int argc, char** argv) {
  int rows = 100000;
  double drift = 1;
  std::string out = ".";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rows") {
      rows = std::atoi(argv[i + 1]);
    } else if (flag == "--drift") {
      drift = std::atof(argv[i + 1]);
    } else if (flag == "--out") {
      out = argv[i + 1];
    } else {
      std::cerr << "usage: hr_gen --rows N [--drift PCT] --out DIR\n";
      return 64;
    }
  }
  if (rows <= 0 || (argc - 1) % 2 != 0) {
    std::cerr << "usage: hr_gen --rows N [--drift PCT] --out DIR\n";
    return 64;
  }
  const int step = drift > 0 ? static_cast<int>(100 / drift) : 0;  // every step-th row drifts

  std::filesystem::create_directories(out + "/desired");
  std::ofstream csv(out + "/hr.csv", std::ios::binary);
  csv << "employee_id,first_name,last_name,email,dept_code,job_title,employee_number,work_phone,"
         "status\r\n";
  for (int n = 1; n <= rows; ++n) {
    const int d = n % 3;
    const std::string csv_title = step > 0 && n % step == 0 ? "Senior Agent" : title(n);
    const bool quote_title = csv_title.find(',') != std::string::npos;
    csv << padded(n) << ",\"User\"," << n << "," << mail(n) << "," << kDeptCodes[d] << ","
        << (quote_title ? "\"" + csv_title + "\"" : csv_title) << "," << n << "," << phone(n)
        << ",active\r\n";
  }
  bench::writeSimSeed(out + "/seed.json", rows, title);
  csv.close();

  // The YAML side: the policy and the department groups; every user comes from the CSV.
  std::ofstream(out + "/desired/org.yaml")
      << "apiVersion: scim-agent/v1\n"
      << "defaults:\n  division: Home\n"
      << "groupsByDepartment:\n  SUPPORT: [Support Agents]\n  ENG: [Engineering]\n"
      << "  SALES: [Sales]\n"
      << "policy:\n  scope: { externalIdPattern: \"^EMP-\" }\n  onRemoval: suspend\n"
      << "  maxDestructive: { count: 25, percent: 5 }\n"
      << "users: []\n";
  if (csv.fail()) {
    std::cerr << "hr_gen: cannot write " << out << "/hr.csv\n";
    return 1;
  }
  std::cout << "generated " << rows << " HR rows (" << std::filesystem::file_size(out + "/hr.csv")
            << " bytes) and " << rows << " live users; " << (step ? rows / step : 0)
            << " title changes\n";
  return 0;
}
