#include "agent/report/render_text.h"

namespace scim_agent {

void TextWriter::line(const std::string& text, const char* color, int indent) {
  out_.append(static_cast<size_t>(indent), ' ');
  if (color_ && color) {
    out_ += color;
    out_ += text;
    out_ += ansi(Ansi::kReset);
  } else {
    out_ += text;
  }
  out_ += '\n';
}

std::string userLabel(const std::string& external_id, const std::string& user_name) {
  if (external_id.empty()) return user_name;
  if (user_name.empty()) return external_id;
  return external_id + " (" + user_name + ")";
}

std::string noticeLine(const Notice& n) {
  std::string out = std::string("[") + noticeKindName(n.kind) + "] ";
  const std::string who = userLabel(n.external_id, n.user_name);
  if (!who.empty()) out += who + ": ";
  out += n.message;
  if (!n.source.file.empty()) out += " (" + n.source.toString() + ")";
  return out;
}

const char* scheduledVerb(ScheduledKind k) {
  switch (k) {
    case ScheduledKind::kDelete:
      return "- delete";
    case ScheduledKind::kTermination:
      return "! terminate";
    case ScheduledKind::kHeldTermination:
      return "held";
  }
  return "?";
}

std::string scheduledLine(const ScheduledItem& item) {
  std::string out = std::string(scheduledVerb(item.kind)) + " " +
                    userLabel(item.external_id, item.user_name);
  if (item.kind == ScheduledKind::kHeldTermination || item.due.empty()) {
    return out + ": " + item.message;
  }
  return out + " on " + item.due + " (" + item.message + ")";
}

std::vector<std::string> verdictLines(const PlanVerdict& v) {
  if (!v.blocked) return {};
  const std::string by = v.rule == "sourceNotWhole" ? "Blocked (an HR source was not read whole)"
                                                    : "Blocked by policy." + v.rule;
  std::vector<std::string> lines{by + ": " + v.message};
  if (!v.limit.empty()) lines.push_back("Limit: " + v.limit + ".");
  if (!v.proceed.empty()) lines.push_back("To proceed: " + v.proceed + ".");
  return lines;
}

std::string blockedHeldText(const Plan& plan) {
  const int blocked = plan.blockedCount();
  const int held = plan.heldCount();
  std::string out;
  if (blocked > 0) out = std::to_string(blocked) + " blocked";
  if (held > 0) out += (out.empty() ? "" : ", ") + std::to_string(held) + " held";
  return out;
}

std::string markdownCode(const std::string& text) {
  if (text.empty()) return "";
  std::string escaped;
  bool has_backtick = false;
  for (char c : text) {
    if (c == '|') {
      escaped += "\\|";
    } else if (c == '\n' || c == '\r') {
      escaped += ' ';
    } else {
      has_backtick = has_backtick || c == '`';
      escaped += c;
    }
  }
  // A backtick inside needs a longer fence (CommonMark code spans).
  return has_backtick ? "`` " + escaped + " ``" : "`" + escaped + "`";
}

std::string markdownCell(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '|':
        out += "\\|";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace scim_agent
