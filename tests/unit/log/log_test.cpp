#include "agent/log/log.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/log/json_check.h"

namespace scim_agent {
namespace {

// parseJson's shape (ok(), ->, error()) over the strict reader.
struct Parsed {
  std::optional<Json> json;
  bool ok() const { return json.has_value(); }
  const Json* operator->() const { return &*json; }
  struct { std::string message = "not strict JSON"; } err;
  const decltype(err)& error() const { return err; }
};
Parsed parseJson(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return Parsed{testing_log::StrictJson::parse(text), {}};
}

// 2026-11-23T12:00:01.250Z
std::chrono::system_clock::time_point fixedNow() {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(1795435201250LL));
}

Logger::Options jsonOptions(LogLevel level = LogLevel::kDebug) {
  Logger::Options o;
  o.level = level;
  o.json = true;
  o.now = fixedNow;
  return o;
}

Logger::Options textOptions(bool color = false) {
  Logger::Options o;
  o.level = LogLevel::kDebug;
  o.json = false;
  o.color = color;
  o.utc = true;
  o.now = fixedNow;
  return o;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) out.push_back(line);
  return out;
}

TEST(LoggerTest, JsonLineHasFixedKeysThenFieldsInOrder) {
  std::ostringstream out;
  Logger logger(out, jsonOptions());
  logger.log(LogLevel::kInfo, "applied actions", {{"run", 12}, {"done", 3}, {"ok", true}});
  EXPECT_EQ(out.str(),
            "{\"ts\":\"2026-11-23T12:00:01.250Z\",\"level\":\"info\",\"msg\":\"applied actions\","
            "\"run\":12,\"done\":3,\"ok\":true}\n");
}

TEST(LoggerTest, JsonStaysValidWithTrickyStrings) {
  const std::vector<std::string> tricky = {
      "quote \" and backslash \\",
      "new\nline\r\ttab",
      std::string("nul \0 byte", 10),
      "\x01\x1f\x7f control",
      "bad utf-8 \xff\xfe and truncated \xe2\x82",
      "overlong \xc0\xaf and surrogate \xed\xa0\x80",
      "valid utf-8: Zoë, 日本, 🙂",
      "</script>{\"injected\":1}",
  };
  for (const std::string& s : tricky) {
    std::ostringstream out;
    Logger logger(out, jsonOptions());
    logger.log(LogLevel::kWarn, s, {{s.empty() ? "k" : "key " + s, s}, {"n", 1.5}});
    const std::string line = out.str();
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line: " << line;
    Parsed parsed = parseJson(line);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message << "\n" << line;
    EXPECT_EQ(parsed->getString("level"), "warn");
    EXPECT_EQ(parsed->getNumber("n"), 1.5);
  }
  std::ostringstream out;
  Logger logger(out, jsonOptions());
  logger.log(LogLevel::kInfo, "valid utf-8: Zoë, 日本, 🙂");
  EXPECT_EQ(parseJson(out.str())->getString("msg"), "valid utf-8: Zoë, 日本, 🙂");
}

TEST(LoggerTest, NonFiniteNumbersAreStrings) {
  std::ostringstream out;
  Logger logger(out, jsonOptions());
  logger.log(LogLevel::kInfo, "m", {{"x", 0.0 / 0.0}, {"y", 1e300 * 1e10}});
  Parsed parsed = parseJson(out.str());
  ASSERT_TRUE(parsed.ok()) << out.str();
  EXPECT_EQ(parsed->getString("y"), "Infinity");
}

TEST(LoggerTest, FieldsCannotShadowTheFixedKeys) {
  std::ostringstream out;
  Logger logger(out, jsonOptions());
  logger.log(LogLevel::kInfo, "real", {{"msg", "fake"}, {"level", "error"}});
  Parsed parsed = parseJson(out.str());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->getString("msg"), "real");
  EXPECT_EQ(parsed->getString("level"), "info");
  EXPECT_EQ(parsed->getString("field.msg"), "fake");
}

TEST(LoggerTest, SecretLookingFieldsAreRedactedInBothRenderings) {
  for (const char* key : {"secret", "clientSecret", "token", "access_token", "Password",
                          "Authorization", "signature", "X-Scim-Agent-Signature", "apiKey"}) {
    EXPECT_TRUE(isSecretFieldName(key)) << key;
    std::ostringstream json_out;
    Logger json(json_out, jsonOptions());
    json.log(LogLevel::kInfo, "m", {{key, "hunter2-value"}, {"count", 5}});
    EXPECT_EQ(json_out.str().find("hunter2"), std::string::npos) << json_out.str();
    EXPECT_EQ(parseJson(json_out.str())->getString(key), "[redacted]");
    std::ostringstream text_out;
    Logger text(text_out, textOptions());
    text.log(LogLevel::kInfo, "m", {{key, "hunter2-value"}});
    EXPECT_EQ(text_out.str().find("hunter2"), std::string::npos) << text_out.str();
    EXPECT_NE(text_out.str().find(std::string(key) + "=[redacted]"), std::string::npos);
  }
  for (const char* key : {"run", "externalId", "route", "status", "message"}) {
    EXPECT_FALSE(isSecretFieldName(key)) << key;
  }
}

TEST(LoggerTest, BearerTokensInMessagesAndValuesAreCut) {
  EXPECT_EQ(redactBearer("Authorization: Bearer abc.DEF-123_x y"),
            "Authorization: Bearer [redacted] y");
  EXPECT_EQ(redactBearer("bearer tok"), "bearer [redacted]");
  EXPECT_EQ(redactBearer("token_type bearer"), "token_type bearer");
  std::ostringstream out;
  Logger logger(out, jsonOptions());
  logger.log(LogLevel::kError, "sent Bearer SeCrEtToKeN123", {{"detail", "{\"h\":\"Bearer Zz9\"}"}});
  EXPECT_EQ(out.str().find("SeCrEtToKeN123"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("Zz9"), std::string::npos) << out.str();
  EXPECT_TRUE(parseJson(out.str()).ok());
}

TEST(LoggerTest, LevelsFilter) {
  std::ostringstream out;
  Logger logger(out, jsonOptions(LogLevel::kWarn));
  logger.log(LogLevel::kDebug, "d");
  logger.log(LogLevel::kInfo, "i");
  logger.log(LogLevel::kWarn, "w");
  logger.log(LogLevel::kError, "e");
  const auto got = lines(out.str());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(parseJson(got[0])->getString("level"), "warn");
  EXPECT_EQ(parseJson(got[1])->getString("level"), "error");
  EXPECT_TRUE(logger.enabled(LogLevel::kError));
  EXPECT_FALSE(logger.enabled(LogLevel::kInfo));
}

TEST(LoggerTest, QuietAndVerboseFlagsPickTheLevel) {
  EXPECT_EQ(logLevelFor(true, false), LogLevel::kError);
  EXPECT_EQ(logLevelFor(false, true), LogLevel::kDebug);
  EXPECT_EQ(logLevelFor(false, false), LogLevel::kInfo);
  EXPECT_EQ(logLevelFor(false, false, LogLevel::kWarn), LogLevel::kWarn);
  EXPECT_EQ(logLevelFor(true, true), LogLevel::kError) << "--quiet wins";
}

TEST(LoggerTest, TextFormatIsReadable) {
  std::ostringstream out;
  Logger logger(out, textOptions());
  logger.log(LogLevel::kInfo, "applied 3 actions", {{"run", 12}});
  logger.log(LogLevel::kDebug, "api request", {{"route", "/Users"}, {"note", "two words"}});
  logger.log(LogLevel::kWarn, "multi\nline", {{"empty", ""}});
  const auto got = lines(out.str());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "12:00:01 info  applied 3 actions run=12");
  EXPECT_EQ(got[1], "12:00:01 debug api request route=/Users note=\"two words\"");
  EXPECT_EQ(got[2], "12:00:01 warn  multi\\nline empty=\"\"");
}

TEST(LoggerTest, ColourOnlyWhenAsked) {
  std::ostringstream plain;
  Logger(plain, textOptions(false)).log(LogLevel::kError, "boom");
  EXPECT_EQ(plain.str().find('\033'), std::string::npos);
  EXPECT_EQ(plain.str(), "12:00:01 error boom\n");
  std::ostringstream coloured;
  Logger(coloured, textOptions(true)).log(LogLevel::kError, "boom");
  EXPECT_EQ(coloured.str(), "12:00:01 \033[31merror\033[0m boom\n");
}

// The process-wide log in a test is never on a terminal: JSON, and NO_COLOR or not, no escape
// codes ever reach a non-terminal.
TEST(LoggerTest, ProcessLogOffATerminalIsJsonWithoutColour) {
  ::setenv("NO_COLOR", "1", 1);
  testing::internal::CaptureStderr();
  configureLog({LogTarget::kStderr, LogLevel::kInfo, true});
  logInfo("hello", {{"n", 1}});
  logDebug("hidden");
  {
    ProgressBar bar("reading", 10);  // stderr is not a terminal: draws nothing
    bar.update(5);
  }
  const std::string err = testing::internal::GetCapturedStderr();
  ::unsetenv("NO_COLOR");
  const auto got = lines(err);
  ASSERT_EQ(got.size(), 1u) << err;
  EXPECT_EQ(got[0].find('\033'), std::string::npos);
  EXPECT_EQ(got[0].find('\r'), std::string::npos);
  Parsed parsed = parseJson(got[0]);
  ASSERT_TRUE(parsed.ok()) << got[0];
  EXPECT_EQ(parsed->getString("msg"), "hello");
}

TEST(LoggerTest, ServiceLogGoesToStdout) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  useServiceLog(false, false);
  logInfo("cycle done");
  logDebug("not at info");
  const std::string out = testing::internal::GetCapturedStdout();
  const std::string err = testing::internal::GetCapturedStderr();
  configureLog({});
  EXPECT_TRUE(err.empty()) << err;
  ASSERT_EQ(lines(out).size(), 1u) << out;
  EXPECT_EQ(parseJson(out)->getString("msg"), "cycle done");
}

TEST(LoggerTest, LinesFromManyThreadsStayWhole) {
  std::ostringstream out;
  Logger logger(out, jsonOptions());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < 200; ++i) {
        logger.log(LogLevel::kInfo, "action", {{"thread", t}, {"i", i}, {"pad", std::string(64, 'x')}});
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto got = lines(out.str());
  ASSERT_EQ(got.size(), 1600u);
  for (const auto& line : got) ASSERT_TRUE(parseJson(line).ok()) << line;
}

TEST(ProgressBarTest, RendersARedrawnLine) {
  EXPECT_EQ(ProgressBar::render("", 120, 300, 10), "[====>     ] 120/300");
  EXPECT_EQ(ProgressBar::render("applying", 0, 4, 4), "applying [    ] 0/4");
  EXPECT_EQ(ProgressBar::render("", 4, 4, 4), "[====] 4/4");
  EXPECT_EQ(ProgressBar::render("", 0, 0, 4), "[    ] 0/0");
}

}  // namespace
}  // namespace scim_agent
