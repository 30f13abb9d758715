// checkEvent's text rules (issue 10, item 2): an event body that is not valid UTF-8, or holds a
// control character in a decoded string, is a 400 naming the problem.

#include "agent/serve/event_intake.h"

#include <string>

#include <gtest/gtest.h>

#include "agent/codec/hmac_sha256.h"

namespace scim_agent {
namespace {

constexpr const char* kSecret = "event-secret";
constexpr int64_t kNow = 1'900'000'000;

IntakeVerdict check(const std::string& body) {
  const std::string ts = std::to_string(kNow);
  return checkEvent(kSecret, ts, timestampedSignature(kSecret, ts, body), body, kNow);
}

// A termination event with `external_id` and, when given, a free-text "note".
std::string event(const std::string& external_id, const std::string& note = "") {
  std::string b = R"({"type":"termination","externalId":")" + external_id +
                  R"(","occurredAt":"2031-01-01T00:00:00Z")";
  if (!note.empty()) b += R"(,"note":")" + note + "\"";
  return b + "}";
}

TEST(EventIntakeTest, ValidUtf8AndWhitespaceInFreeTextAreAccepted) {
  const IntakeVerdict v = check(event("EMP-Jos\xc3\xa9", "line one\\nline two\\tand \xe2\x82\xac"));
  EXPECT_EQ(v.status, 0) << v.error;
  EXPECT_EQ(v.event.external_id, "EMP-Jos\xc3\xa9");
}

TEST(EventIntakeTest, BodyThatIsNotUtf8IsRefusedWithTheOffset) {
  struct Case {
    const char* name;
    std::string external_id;
  };
  const Case cases[] = {
      {"a stray continuation byte", "EMP-\x80"},
      {"an overlong slash", "EMP-\xc0\xaf"},
      {"a UTF-8 encoded surrogate", "EMP-\xed\xa0\x80"},
      {"a cut sequence", "EMP-\xe2\x82"},
      {"Latin-1", "EMP-Jos\xe9"},
  };
  for (const Case& c : cases) {
    const std::string body = event(c.external_id);
    const IntakeVerdict v = check(body);
    EXPECT_EQ(v.status, 400) << c.name;
    EXPECT_NE(v.error.find("not valid UTF-8"), std::string::npos) << c.name << ": " << v.error;
    const size_t first_high = body.find_first_of(std::string("\x80\xc0\xe2\xe9\xed"));
    EXPECT_NE(v.error.find("at offset " + std::to_string(first_high) + ")"), std::string::npos)
        << c.name << ": " << v.error;
  }
}

TEST(EventIntakeTest, ControlCharactersInDecodedStringsAreRefused) {
  struct Case {
    const char* name;
    std::string body;
    const char* says;
  };
  const Case cases[] = {
      {"NUL in externalId", event("EMP-\\u00001"), "\"externalId\" holds the control character U+0000"},
      {"BEL in a note", event("EMP-1", "ring \\u0007"), "\"note\" holds the control character U+0007"},
      {"DEL in a note", event("EMP-1", "x\x7f"), "U+007F"},
      {"C1 NEL in a note", event("EMP-1", "x\xc2\x85"), "U+0085"},
      {"newline in externalId", event("EMP-1\\n"), "\"externalId\" holds the control character U+000A"},
      {"tab in eventId",
       R"({"type":"hire","externalId":"EMP-1","occurredAt":"x","eventId":"a\tb"})",
       "\"eventId\""},
      {"escape in a nested value",
       R"({"type":"hire","externalId":"EMP-1","occurredAt":"x","extra":{"list":["ok","\u001b[31m"]}})",
       "\"extra\".list[1] holds the control character U+001B"},
      {"control character in a key",
       R"({"type":"hire","externalId":"EMP-1","occurredAt":"x","k\u0001":"v"})",
       "a key in the body holds the control character U+0001"},
  };
  for (const Case& c : cases) {
    const IntakeVerdict v = check(c.body);
    EXPECT_EQ(v.status, 400) << c.name << ": " << v.error;
    EXPECT_NE(v.error.find(c.says), std::string::npos) << c.name << ": " << v.error;
  }
}

TEST(EventIntakeTest, EscapedLoneSurrogateIsNotValidUtf8) {
  const IntakeVerdict v = check(event("EMP-\\ud800"));
  EXPECT_EQ(v.status, 400) << v.error;
}

TEST(EventIntakeTest, TheSignatureIsCheckedBeforeTheText) {
  const std::string body = event("EMP-\x80");
  const std::string ts = std::to_string(kNow);
  EXPECT_EQ(checkEvent(kSecret, ts, "wrong", body, kNow).status, 401);
}

TEST(EventIntakeTest, InvalidUtf8AtFindsTheFirstBadByte) {
  EXPECT_EQ(invalidUtf8At("\xf4\x90\x80\x80"), 0u) << "above U+10FFFF";
  EXPECT_EQ(invalidUtf8At(""), std::string_view::npos);
  EXPECT_EQ(invalidUtf8At("ok \xe2\x82\xac"), std::string_view::npos);
  EXPECT_EQ(invalidUtf8At("ok \xff"), 3u);
}

}  // namespace
}  // namespace scim_agent
