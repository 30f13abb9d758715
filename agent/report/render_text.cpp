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
