#include "agent/log/waiting.h"

#include <gtest/gtest.h>

#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "agent/log/log.h"

namespace scim_agent {
namespace {

// Captures std::cerr and std::cout (where the process-wide log and the notes go) for one test,
// with the log configured as `config`; restores both and the default configuration after.
class CapturedNotes {
 public:
  explicit CapturedNotes(WaitNotes mode) {
    old_err_ = std::cerr.rdbuf(err_.rdbuf());
    old_out_ = std::cout.rdbuf(out_.rdbuf());
    LogConfig config;
    config.target = mode == WaitNotes::kLog ? LogTarget::kStdout : LogTarget::kStderr;
    config.level = LogLevel::kInfo;
    config.wait_notes = mode;
    configureLog(config);
  }
  ~CapturedNotes() {
    configureLog(LogConfig{});
    std::cerr.rdbuf(old_err_);
    std::cout.rdbuf(old_out_);
  }
  std::string err() const { return err_.str(); }
  std::string out() const { return out_.str(); }

 private:
  std::ostringstream err_;
  std::ostringstream out_;
  std::streambuf* old_err_;
  std::streambuf* old_out_;
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(WaitingTest, NoteGoesToStderrAsAPlainLine) {
  CapturedNotes notes(WaitNotes::kStderr);
  noteWaiting("rate limited: retry 1 of 3 in 30 s", "host-a");
  EXPECT_EQ(notes.err(), "rate limited: retry 1 of 3 in 30 s\n");
  EXPECT_EQ(notes.out(), "");
}

TEST(WaitingTest, NoteIsALogLineForServices) {
  CapturedNotes notes(WaitNotes::kLog);
  noteWaiting("GET http://h/x: connection refused; retry 1 of 3 in 3 s", "host-b");
  const std::string out = notes.out();
  EXPECT_NE(out.find("\"msg\":\"waiting\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"for\":\"GET http://h/x: connection refused; retry 1 of 3 in 3 s\""),
            std::string::npos)
      << out;
  EXPECT_EQ(notes.err(), "");
}

TEST(WaitingTest, QuietSaysNothing) {
  CapturedNotes notes(WaitNotes::kOff);
  noteWaiting("retry 1 of 3 in 3 s", "host-c");
  {
    WaitWatch watch("waiting for host-c to answer", "host-c", std::chrono::seconds(60));
    std::this_thread::sleep_for(kWaitNoteAfter + std::chrono::milliseconds(700));
  }
  EXPECT_EQ(notes.err(), "");
  EXPECT_EQ(notes.out(), "");
}

TEST(WaitingTest, OneNotePerHostAtATime) {
  CapturedNotes notes(WaitNotes::kStderr);
  // Four requests failing side by side on one host make one line; another host has its own.
  for (int i = 0; i < 4; ++i) noteWaiting("retry 1 of 3 in 3 s on d", "host-d");
  noteWaiting("retry 1 of 3 in 3 s on e", "host-e");
  EXPECT_EQ(count(notes.err(), "on d\n"), 1u) << notes.err();
  EXPECT_EQ(count(notes.err(), "on e\n"), 1u) << notes.err();
}

TEST(WaitingTest, LongWaitIsNotedOnceShortOneNever) {
  CapturedNotes notes(WaitNotes::kStderr);
  {
    WaitWatch quick("waiting for quick:1 to answer", "quick:1", std::chrono::seconds(60));
  }
  {
    WaitWatch slow("connecting to slow:1", "slow:1", std::chrono::seconds(10));
    slow.describe("waiting for slow:1 to answer GET /x", std::chrono::seconds(60));
    // Long enough for the note, and for a second one if it were repeated.
    std::this_thread::sleep_for(2 * kWaitNoteAfter + std::chrono::milliseconds(700));
  }
  const std::string err = notes.err();
  EXPECT_EQ(err.find("quick"), std::string::npos) << err;
  EXPECT_EQ(count(err, "waiting for slow:1 to answer GET /x ("), 1u) << err;
  EXPECT_NE(err.find("s so far; gives up after 60 s)\n"), std::string::npos) << err;
}

TEST(WaitingTest, ProgressStartsTheWaitAgain) {
  CapturedNotes notes(WaitNotes::kStderr);
  {
    WaitWatch body("waiting for body:1 to answer GET /big", "body:1", std::chrono::seconds(60));
    // Bytes keep arriving: never a wait of 2 s.
    for (int i = 0; i < 12; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      body.progress();
    }
  }
  EXPECT_EQ(notes.err(), "");
}

}  // namespace
}  // namespace scim_agent
