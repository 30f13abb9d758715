#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/base/ansi.h"
#include "agent/model/plan.h"

namespace scim_agent {

// Pieces shared by the plan renderers (plan_render.h) and the adopt report (adopt_render.h), so both
// outputs label users, show notices and escape Markdown the same way. Internal to agent/report.

// Collects terminal text line by line. A line's colour is written only when the writer was made
// with `color` true and the line has one (nullptr: plain).
class TextWriter {
 public:
  explicit TextWriter(bool color) : color_(color) {}

  // `indent` spaces, then `text` (wrapped in `color` and the reset), then a newline.
  void line(const std::string& text, const char* color = nullptr, int indent = 0);
  void blank() { out_ += '\n'; }
  // The text so far; the writer is empty afterwards.
  std::string take() { return std::move(out_); }

 private:
  bool color_;
  std::string out_;
};

// "EMP-7 (ann@example.com)", or whichever of the two is set.
std::string userLabel(const std::string& external_id, const std::string& user_name);

// "[kind] EMP-7 (ann@example.com): message (users.yaml:12:5)"; the user and the source only
// when set.
std::string noticeLine(const Notice& n);

// One line of the "Scheduled" section: "- delete EMP-5 (e@x) on 2026-12-01T12:00:00Z
// (policy.deleteAfter 30d; suspended since …)", "! terminate EMP-9 on … (the termination
// manifest …)", "held EMP-8 (h@x): HR termination event 3 of … holds over the desired entry, …".
std::string scheduledLine(const ScheduledItem& item);
// The section's verb for a kind: "- delete", "! terminate", "held".
const char* scheduledVerb(ScheduledKind k);

// The verdict block's lines: "Blocked by policy.maxDestructive: <message>", then "Limit: …." and
// "To proceed: …." when known. Empty when not blocked.
std::vector<std::string> verdictLines(const PlanVerdict& v);

// "2 blocked, 1 held" (the parts that are not zero); "" when neither.
std::string blockedHeldText(const Plan& plan);

// `text` as Markdown inline code, safe inside a table cell ("" for empty text).
std::string markdownCode(const std::string& text);

// `text` as plain Markdown, safe inside a table cell ('|', '<', '>' escaped, newlines folded).
std::string markdownCell(const std::string& text);

}  // namespace scim_agent
