// The genesys-sim binary: flags, --seed, --port-file, the "listening" line and SIGTERM.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim_client.h"

namespace scim_agent::sim::testing {
namespace {

namespace fs = std::filesystem;

class BinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("genesys-sim-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }

  // Starts the binary with stdout redirected to a file; returns once the port file exists.
  void launch(std::vector<std::string> args) {
    const std::string out = (dir_ / "stdout.txt").string();
    std::vector<std::string> argv_storage = {GENESYS_SIM_BINARY};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      std::vector<char*> argv;
      for (std::string& arg : argv_storage) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }

  std::string readFile(const fs::path& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  bool waitFor(const fs::path& path) {
    for (int i = 0; i < 500; ++i) {
      if (fs::exists(path)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  fs::path dir_;
  pid_t pid_ = -1;
};

TEST_F(BinaryTest, ServesSeededOrgAndStopsOnSigterm) {
  const fs::path seed = dir_ / "seed.json";
  std::ofstream(seed) << R"({"users":[{"userName":"a@corp.example","displayName":"A"}]})";
  const fs::path port_file = dir_ / "port";
  launch({"--port", "0", "--client", "cli:secret", "--seed", seed.string(), "--token-ttl", "60",
          "--version-conflict", "409", "--no-page-limit", "--port-file", port_file.string()});
  ASSERT_TRUE(waitFor(port_file));
  const int port = std::stoi(readFile(port_file));
  ASSERT_GT(port, 0);

  HttpClient client(static_cast<uint16_t>(port));
  HttpResult token = client.send("POST", "/oauth/token",
                                 "grant_type=client_credentials&client_id=cli&client_secret=secret",
                                 {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(token.json()->getValue<int>("expires_in"), 60);
  const std::string bearer = "Bearer " + token.json()->getValue<std::string>("access_token");
  HttpResult users =
      client.send("GET", "/api/v2/scim/v2/Users?count=100", "", {{"Authorization", bearer}});
  ASSERT_EQ(users.status, 200) << users.body;  // --no-page-limit
  EXPECT_EQ(users.json()->getValue<int>("totalResults"), 1);
  HttpResult stale =
      client.send("DELETE", "/api/v2/scim/v2/Users/00000000-0000-4000-8000-000000000001", "",
                  {{"Authorization", bearer}, {"If-Match", "\"9\""}});
  EXPECT_EQ(stale.status, 409);  // --version-conflict 409
  HttpResult demo =
      client.send("POST", "/oauth/token",
                  "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(demo.status, 401);  // --client replaces the default client

  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid_, &status, 0), pid_);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(readFile(dir_ / "stdout.txt"),
            "genesys-sim listening on http://127.0.0.1:" + std::to_string(port) + "\n");
}

TEST_F(BinaryTest, FaultFlagsSetTheRuntimeConfig) {
  const fs::path port_file = dir_ / "port";
  launch({"--error-rate", "0.25", "--drop-rate", "0.5", "--drop-after-write", "--conflict-rate",
          "1", "--fault-seed", "77", "--latency-ms", "0", "--latency-jitter-ms", "9",
          "--rate-limit", "300", "--rate-limit-burst", "3", "--fault-token-endpoint",
          "--port-file", port_file.string()});
  ASSERT_TRUE(waitFor(port_file));
  HttpClient client(static_cast<uint16_t>(std::stoi(readFile(port_file))));
  HttpResult config = client.send("GET", "/sim/config");
  ASSERT_EQ(config.status, 200);
  auto json = config.json();
  EXPECT_DOUBLE_EQ(json->getValue<double>("errorRate"), 0.25);
  EXPECT_DOUBLE_EQ(json->getValue<double>("dropRate"), 0.5);
  EXPECT_TRUE(json->getValue<bool>("dropAfterWrite"));
  EXPECT_DOUBLE_EQ(json->getValue<double>("conflictRate"), 1.0);
  EXPECT_EQ(json->getValue<int>("faultSeed"), 77);
  EXPECT_EQ(json->getValue<int>("latencyJitterMs"), 9);
  EXPECT_EQ(json->getValue<int>("rateLimitPerMinute"), 300);
  EXPECT_EQ(json->getValue<int>("rateLimitBurst"), 3);
  EXPECT_TRUE(json->getValue<bool>("faultTokenEndpoint"));
}

TEST_F(BinaryTest, RefusesNonLoopbackHostsAndBadFlags) {
  launch({"--host", "0.0.0.0"});
  int status = 0;
  ASSERT_EQ(::waitpid(pid_, &status, 0), pid_);
  pid_ = -1;
  EXPECT_EQ(WEXITSTATUS(status), 1);

  launch({"--version-conflict", "412"});
  ASSERT_EQ(::waitpid(pid_, &status, 0), pid_);
  pid_ = -1;
  EXPECT_EQ(WEXITSTATUS(status), 2);

  const std::vector<std::vector<std::string>> bad_flags = {{"--error-rate", "1.5"},
                                                           {"--drop-rate", "x"},
                                                           {"--conflict-rate", "-0.1"},
                                                           {"--fault-seed", "-3"},
                                                           {"--rate-limit-burst", "0"}};
  for (const std::vector<std::string>& bad : bad_flags) {
    launch(bad);
    ASSERT_EQ(::waitpid(pid_, &status, 0), pid_);
    pid_ = -1;
    EXPECT_EQ(WEXITSTATUS(status), 2) << bad[0] << " " << bad[1];
  }
}

}  // namespace
}  // namespace scim_agent::sim::testing
