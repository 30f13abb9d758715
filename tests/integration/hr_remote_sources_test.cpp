// Issue #11: HR exports read over the network by the real scim-agent, end to end against
// genesys-sim, everything on loopback:
//  - a termination manifest in S3 (S3Front: s3rver behind tests/s3/verify-front.js, which checks
//    every request's Signature Version 4 with AWS's own signer), signed with the AWS_* credentials
//    of the agent's environment;
//  - a users CSV over verified https (TlsExportServer: a CA the test makes with openssl) with an
//    Authorization value from a secret file.
// A source that cannot be read (a refused signature or key, a refused token, a body cut short)
// must take no leaver and suspend nobody; the tests assert the simulator's end state and request
// counters and the plan document, then read the source whole again to show the same run does
// suspend (so the quiet outcome came from the failed read). The fetches themselves are tested in
// source_fetch_test.cpp, local sources end to end in hr_sources_test.cpp.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "tests/support/harness.h"
#include "tests/support/org.h"
#include "tests/support/plan_doc.h"
#include "tests/support/s3_front.h"
#include "tests/support/state_db.h"
#include "tests/support/tls_export_server.h"

namespace scim_agent::testing {

namespace {

const std::string kTokens = "DELETE /api/v2/tokens/{userId}";
const std::string kManifest = "s3://hr/leavers.json";

using Env = std::map<std::string, std::string>;

// The persons of these numbers (EMP-0001, user0001@corp.example), in groups Everyone and Support.
std::vector<Person> staff(const std::vector<int>& numbers) {
  std::vector<Person> people;
  for (int n : numbers) {
    people.push_back({.external_id = employeeId(n), .user_name = employeeMail(n),
                      .groups = {"Everyone", "Support"}});
  }
  return people;
}

// True when user `n` is as seeded: active, in both groups, no token revoked.
bool untouched(SimProcess& sim, int n) {
  const Json u = sim.userByExternalId(employeeId(n));
  return u.getBool("active") && inGroup(u, "Everyone") && inGroup(u, "Support") &&
         u.getNumber("tokensRevoked", -1) == 0;
}

// True when user `n` is suspended the way a leaver is: inactive, in no group, tokens revoked.
bool suspended(SimProcess& sim, int n) {
  const Json u = sim.userByExternalId(employeeId(n));
  return !u.getBool("active") && !inGroup(u, "Everyone") && !inGroup(u, "Support") &&
         u.getNumber("tokensRevoked", -1) == 1;
}

// The externalIds of the users (simulator id → number) whose id a write request of /sim/requests
// names in its path.
std::set<std::string> writtenUsers(SimProcess& sim, const std::map<std::string, int>& ids) {
  std::set<std::string> out;
  const Json requests = sim.requests();
  for (const auto& r : requests.asArray()) {
    if (r.getString("method") == "GET" || r.getString("path") == "/oauth/token") continue;
    for (const auto& [id, n] : ids) {
      if (r.getString("path").find(id) != std::string::npos) out.insert(employeeId(n));
    }
  }
  return out;
}

// ---- S3 termination manifests ----------------------------------------------------------------

class S3ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    people_ = staff({1, 2, 3, 4, 5});
    sim_.seed(seedOrg(people_));
    config_ = writeSourcesConfig(dir_, sim_, desiredYaml(people_),
                                 "  - type: json\n    location: " + kManifest +
                                     "\n    role: terminations\n    region: " + front_.region() +
                                     "\n    endpoint: " + front_.endpoint() +
                                     "\n    pathStyle: true\n");
    // EMP-0777 is nobody yet: held and shown, not an error.
    front_.put("hr", "leavers.json",
               R"([{"externalId":"EMP-0002","terminationDate":"2020-01-01"},)"
               R"({"externalId":"EMP-0004","terminationDate":"2021-06-30"},)"
               R"({"externalId":"EMP-0777","terminationDate":"2020-01-01"}])");
    sim_.resetCounters();
  }

  static Env keys(const std::string& id, const std::string& secret) {
    return {{"AWS_ACCESS_KEY_ID", id}, {"AWS_SECRET_ACCESS_KEY", secret}};
  }

  SimProcess sim_;
  S3Front front_;
  TempDir dir_;
  std::vector<Person> people_;
  std::string config_;
};

// a. The manifest suspends exactly its leavers: inactive, out of their groups, tokens revoked;
// nobody else is written to. The holds outlive the run: the next one writes nothing.
TEST_F(S3ManifestTest, ManifestSuspendsExactlyItsLeavers) {
  const Env env = keys(kS3KeyId, kS3Secret);
  RunResult r = runAgent({"plan", "--format", "json", "--config", config_}, env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Json plan = parsed(r.out);
  EXPECT_EQ(actions(plan, "suspend"), 2) << r.out;
  EXPECT_EQ(actions(plan, "suspend", "EMP-0002"), 1) << r.out;
  EXPECT_EQ(actions(plan, "suspend", "EMP-0004"), 1) << r.out;
  EXPECT_FALSE(notice(plan, "no user has this externalId", "EMP-0777").isNull())
      << noticesText(plan);
  EXPECT_EQ(sim_.writes(), 0) << "plan writes nothing";

  std::map<std::string, int> ids;
  for (int n = 1; n <= 5; ++n) ids[sim_.userByExternalId(employeeId(n)).getString("id")] = n;
  const Json before = sim_.state().get("users");
  r = runAgent({"apply", "--auto-approve", "--config", config_}, env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(suspended(sim_, 2));
  EXPECT_TRUE(suspended(sim_, 4));
  for (int n : {1, 3, 5}) EXPECT_TRUE(untouched(sim_, n)) << n;
  EXPECT_EQ(sim_.count(kTokens), 2);
  EXPECT_EQ(writtenUsers(sim_, ids), (std::set<std::string>{"EMP-0002", "EMP-0004"}));
  // Every record is held, EMP-0777 too (nobody has it yet).
  EXPECT_EQ(queryInt(dir_.file("state.db"), "SELECT COUNT(*) FROM terminations"), 3);
  // The others' SCIM documents are exactly as before.
  const Json after = sim_.state().get("users");
  ASSERT_EQ(after.asArray().size(), before.asArray().size());
  for (size_t i = 0; i < after.asArray().size(); ++i) {
    const std::string ext = after.asArray()[i].getString("externalId");
    if (ext == "EMP-0002" || ext == "EMP-0004") continue;
    EXPECT_EQ(after.asArray()[i], before.asArray()[i]) << ext;
  }

  sim_.resetCounters();
  r = runAgent({"apply", "--auto-approve", "--config", config_}, env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sim_.writes(), 0) << sim_.counters().dump();
}

// b, c. Refused credentials: the plan names the manifest and S3's error code, takes no leaver,
// and apply suspends nobody (and shows no secret). With the right keys the same manifest is
// taken, so nothing was held from the refused read.
struct RefusedKeys {
  const char* name;
  std::string key_id;
  std::string secret;
  std::string code;  // S3's error Code the agent must report
};

void PrintTo(const RefusedKeys& keys, std::ostream* os) { *os << keys.name; }

class S3RefusedTest : public S3ManifestTest, public ::testing::WithParamInterface<RefusedKeys> {};

TEST_P(S3RefusedTest, RefusedCredentialsTakeNoLeaverAndSaySo) {
  const RefusedKeys& p = GetParam();
  const Env env = keys(p.key_id, p.secret);
  RunResult r = runAgent({"plan", "--format", "json", "--config", config_}, env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Json plan = parsed(r.out);
  EXPECT_EQ(actions(plan, "suspend"), 0) << r.out;
  const Json why = notice(plan, kManifest + ": 403 " + p.code);
  ASSERT_FALSE(why.isNull()) << noticesText(plan);
  EXPECT_NE(why.getString("message").find("could not be read"), std::string::npos)
      << why.dump();

  r = runAgent({"apply", "--auto-approve", "--config", config_}, env);
  EXPECT_EQ(r.exit_code, 1) << "an unreadable source fails the run: " << r.out << r.err;
  EXPECT_NE((r.out + r.err).find(p.code), std::string::npos) << r.out << r.err;
  EXPECT_EQ((r.out + r.err).find("wrong-secret"), std::string::npos) << r.out << r.err;
  for (int n = 1; n <= 5; ++n) EXPECT_TRUE(untouched(sim_, n)) << n;
  EXPECT_EQ(sim_.writes(), 0) << sim_.counters().dump();
  EXPECT_EQ(queryInt(dir_.file("state.db"), "SELECT COUNT(*) FROM terminations"), 0)
      << "no leaver held from a refused read";

  r = runAgent({"apply", "--auto-approve", "--config", config_}, keys(kS3KeyId, kS3Secret));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(suspended(sim_, 2));
  EXPECT_TRUE(suspended(sim_, 4));
  EXPECT_EQ(sim_.count(kTokens), 2);
}

INSTANTIATE_TEST_SUITE_P(
    Keys, S3RefusedTest,
    ::testing::Values(
        // The front recomputes the signature with the real secret: 403 SignatureDoesNotMatch.
        RefusedKeys{"WrongSecretKey", kS3KeyId, "wrong-secret", "SignatureDoesNotMatch"},
        // An id the front does not know goes to s3rver: 403 InvalidAccessKeyId.
        RefusedKeys{"UnknownAccessKeyId", "AKIAUNKNOWNKEY", "wrong-secret", "InvalidAccessKeyId"}),
    [](const ::testing::TestParamInfo<RefusedKeys>& keys) { return std::string(keys.param.name); });

// ---- https users export ---------------------------------------------------------------------

const char* kHeader = "employee_id,given,family,mail\n";

std::string row(int n) {
  return employeeId(n) + ",Person," + std::to_string(n) + "," + employeeMail(n) + "\n";
}

std::string exportOf(const std::vector<int>& numbers) {
  std::string csv = kHeader;
  for (int n : numbers) csv += row(n);
  return csv;
}

class HttpsUsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    people_ = staff({900});  // the YAML's one person, beside the export's
    std::vector<Person> seeded = people_;
    for (const Person& p : staff({1, 2, 20, 21})) seeded.push_back(p);
    sim_.seed(seedOrg(seeded));
    dir_.write("hr-token", "Bearer t0ken\n");
    // authorizationFile relative to agent.yaml's folder; caFile absolute.
    config_ = writeSourcesConfig(dir_, sim_, desiredYaml(people_),
                                 "  - type: csv\n    location: " + server_.url("/hr.csv") +
                                     "\n    role: users\n    authorizationFile: hr-token\n"
                                     "    caFile: " + server_.caFile() + "\n"
                                     "    mapping:\n"
                                     "      externalId: \"{employee_id}\"\n"
                                     "      userName: \"{mail | lower}\"\n"
                                     "      displayName: \"{given} {family}\"\n"
                                     "      groups: [Everyone, Support]\n");
    sim_.resetCounters();
  }

  void serve(const std::string& body, std::optional<uint64_t> content_length = std::nullopt) {
    server_.serve("/hr.csv", {.body = body, .authorization = "Bearer t0ken",
                              .content_length = content_length});
  }

  // plan --format json: no suspend or delete, and a notice that the export could not be read
  // naming its URL and `why`.
  void expectNothingDestructivePlanned(const std::string& why) {
    RunResult r = runAgent({"plan", "--format", "json", "--config", config_});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const Json plan = parsed(r.out);
    EXPECT_EQ(actions(plan, "suspend"), 0) << r.out;
    EXPECT_EQ(actions(plan, "delete"), 0) << r.out;
    const Json n = notice(plan, "could not be read whole: " + server_.url("/hr.csv"));
    ASSERT_FALSE(n.isNull()) << noticesText(plan);
    EXPECT_NE(n.getString("message").find(why), std::string::npos) << n.dump();
  }

  SimProcess sim_;
  TlsExportServer server_;
  TempDir dir_;
  std::vector<Person> people_;
  std::string config_;
};

// d. The export's users are created and updated through the mapping; the token from the secret
// file is sent and the server verified with caFile; live users without a row are suspended.
TEST_F(HttpsUsersTest, ExportOverVerifiedHttpsCreatesAndSuspends) {
  serve(exportOf({1, 2, 3}));
  RunResult r = runAgent({"apply", "--auto-approve", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(server_.requests("/hr.csv"), 1);
  const Json created = sim_.userByExternalId(employeeId(3));
  ASSERT_FALSE(created.isNull()) << "created from the export";
  EXPECT_TRUE(created.getBool("active"));
  EXPECT_EQ(created.getString("userName"), employeeMail(3));
  EXPECT_EQ(created.getString("displayName"), "Person 3");
  EXPECT_EQ(sim_.userByExternalId(employeeId(1)).getString("displayName"), "Person 1");
  EXPECT_TRUE(sim_.userByExternalId(employeeId(2)).getBool("active"));
  EXPECT_TRUE(suspended(sim_, 20)) << "no row: removed from HR";
  EXPECT_TRUE(suspended(sim_, 21));
  EXPECT_TRUE(untouched(sim_, 900));
  EXPECT_EQ(sim_.count(kTokens), 2);

  sim_.resetCounters();
  r = runAgent({"plan", "--detailed-exitcode", "--config", config_});
  EXPECT_EQ(r.exit_code, 0) << "the export and the org agree: " << r.out << r.err;
  EXPECT_EQ(sim_.writes(), 0);
}

// d. A refused token (401): the plan says why, apply writes nothing, nobody is suspended.
TEST_F(HttpsUsersTest, RefusedTokenChangesNothing) {
  serve(exportOf({1, 2}));
  dir_.write("hr-token", "Bearer not-the-t0ken\n");
  expectNothingDestructivePlanned("401");
  RunResult r = runAgent({"apply", "--auto-approve", "--config", config_});
  EXPECT_EQ(r.exit_code, 1) << "an unreadable source fails the run: " << r.out << r.err;
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("not-the-t0ken"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(sim_.writes(), 0) << sim_.counters().dump();
  for (int n : {1, 2, 20, 21, 900}) EXPECT_TRUE(untouched(sim_, n)) << n;
  EXPECT_EQ(server_.requests("/hr.csv"), 2);

  // The right token: the same export suspends the two without a row.
  dir_.write("hr-token", "Bearer t0ken\n");
  r = runAgent({"apply", "--auto-approve", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(suspended(sim_, 20));
  EXPECT_TRUE(suspended(sim_, 21));
}

// d. A body cut short (Content-Length above the bytes sent, whole rows only): the live users
// missing from what arrived are not suspended.
TEST_F(HttpsUsersTest, BodyCutShortSuspendsNobody) {
  const std::string body = exportOf({1, 2});
  serve(body, body.size() + 400);
  expectNothingDestructivePlanned("cut short");
  RunResult r = runAgent({"apply", "--auto-approve", "--config", config_});
  EXPECT_EQ(r.exit_code, 1) << "an unreadable source fails the run: " << r.out << r.err;
  for (int n : {1, 2, 20, 21, 900}) {
    EXPECT_TRUE(sim_.userByExternalId(employeeId(n)).getBool("active")) << n;
  }
  EXPECT_EQ(sim_.count(kTokens), 0);
  EXPECT_TRUE(untouched(sim_, 20));
  EXPECT_TRUE(untouched(sim_, 21));

  serve(body);  // whole
  r = runAgent({"apply", "--auto-approve", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(suspended(sim_, 20));
  EXPECT_TRUE(suspended(sim_, 21));
}

}  // namespace
}  // namespace scim_agent::testing
