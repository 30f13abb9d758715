#include "agent/model/user_checks.h"

#include <algorithm>
#include <cctype>

namespace scim_agent {

namespace {

bool isDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

const std::vector<std::string>& phoneNumberTypes() {
  static const std::vector<std::string> types = {
      "work",  "work2",          "work3",     "work4",        "home",       "mobile",
      "other", "microsoftteams", "zoomphone", "eightbyeight", "ringcentral"};
  return types;
}

bool looksLikeEmail(const std::string& value) {
  const size_t at = value.find('@');
  if (at == std::string::npos || at == 0 || value.find('@', at + 1) != std::string::npos) {
    return false;
  }
  const std::string local = value.substr(0, at);
  const std::string domain = value.substr(at + 1);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string::npos) {
    return false;
  }
  for (unsigned char c : local) {
    if (!std::isalnum(c) &&
        std::string("!#$%&'*+/=?^_`{|}~.-").find(static_cast<char>(c)) == std::string::npos) {
      return false;
    }
  }
  if (domain.empty() || domain.size() > 253) return false;
  size_t start = 0;
  int labels = 0;
  std::string last;
  while (start <= domain.size()) {
    const size_t dot = domain.find('.', start);
    const std::string label =
        domain.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (unsigned char c : label) {
      if (!std::isalnum(c) && c != '-') return false;
    }
    ++labels;
    last = label;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return labels >= 2 && last.size() >= 2 &&
         std::all_of(last.begin(), last.end(), [](unsigned char c) { return std::isalpha(c); });
}

bool isValidPhoneNumber(const std::string& value) {
  std::string rest = value;
  std::string extension;
  if (rest.rfind("tel:", 0) == 0) {
    rest = rest.substr(4);
    const size_t semi = rest.find(';');
    if (semi != std::string::npos) {
      const std::string parameter = rest.substr(semi + 1);
      rest = rest.substr(0, semi);
      if (parameter.rfind("ext=", 0) != 0) return false;
      extension = parameter.substr(4);
      if (!isDigits(extension) || extension.size() > 10) return false;
    }
  }
  if (rest.size() < 3 || rest[0] != '+') return false;
  const std::string digits = rest.substr(1);
  return isDigits(digits) && digits.size() <= 15 && digits[0] != '0';
}

bool isValidDate(const std::string& value) {
  if (value.size() != 10 || value[4] != '-' || value[7] != '-') return false;
  const std::string y = value.substr(0, 4), m = value.substr(5, 2), d = value.substr(8, 2);
  if (!isDigits(y) || !isDigits(m) || !isDigits(d)) return false;
  const int year = std::stoi(y), month = std::stoi(m), day = std::stoi(d);
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int max_day = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= max_day;
}

}  // namespace scim_agent
