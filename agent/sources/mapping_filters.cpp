// The filters of the mapping language (mapping.h, mapping_expr.h).

#include <algorithm>
#include <array>
#include <cstdio>

#include "agent/model/user_checks.h"
#include "agent/sources/mapping_expr.h"

namespace scim_agent::mapping {

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
bool isAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char asciiUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

std::string trimmed(std::string_view s) {
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end && isSpace(s[begin])) ++begin;
  while (end > begin && isSpace(s[end - 1])) --end;
  return std::string(s.substr(begin, end - begin));
}

// Words start after a space or a hyphen ("mary-jane o'neil" → "Mary-Jane O'neil"); only ASCII
// letters change case, other bytes (UTF-8 sequences) are left as they are.
std::string titled(std::string_view s) {
  std::string out(s);
  bool start = true;
  for (char& c : out) {
    if (isSpace(c) || c == '-') {
      start = true;
      continue;
    }
    if (isAsciiLetter(c)) c = start ? asciiUpper(c) : asciiLower(c);
    start = false;
  }
  return out;
}

constexpr std::array<const char*, 12> kMonths = {"january",   "february", "march",    "april",
                                                 "may",       "june",     "july",     "august",
                                                 "september", "october",  "november", "december"};

bool startsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (asciiLower(text[i]) != prefix[i]) return false;
  }
  return true;
}

// Up to `max` digits (at least `min`) at text[i…]; advances i.
bool readDigits(std::string_view text, size_t& i, size_t min, size_t max, int& out) {
  size_t n = 0;
  int value = 0;
  while (n < max && i + n < text.size() && text[i + n] >= '0' && text[i + n] <= '9') {
    value = value * 10 + (text[i + n] - '0');
    ++n;
  }
  if (n < min) return false;
  i += n;
  out = value;
  return true;
}

enum class DateResult { kOk, kNoMatch, kNotADate };

DateResult parseDate(const std::vector<DateItem>& items, std::string_view text, std::string& out) {
  size_t i = 0;
  int year = 0;
  int month = 0;
  int day = 0;
  for (const DateItem& item : items) {
    switch (item.directive) {
      case 0:
        if (i >= text.size() || text[i] != item.literal) return DateResult::kNoMatch;
        ++i;
        break;
      case 'Y':
        if (!readDigits(text, i, 4, 4, year)) return DateResult::kNoMatch;
        break;
      case 'y':
        if (!readDigits(text, i, 2, 2, year)) return DateResult::kNoMatch;
        year += year < 69 ? 2000 : 1900;  // the POSIX pivot of %y
        break;
      case 'm':
        if (!readDigits(text, i, 1, 2, month)) return DateResult::kNoMatch;
        break;
      case 'd':
        if (!readDigits(text, i, 1, 2, day)) return DateResult::kNoMatch;
        break;
      case 'b':
      case 'B': {
        month = 0;
        for (size_t m = 0; m < kMonths.size(); ++m) {
          const std::string_view name = kMonths[m];
          const std::string_view wanted = item.directive == 'b' ? name.substr(0, 3) : name;
          if (startsWithIgnoreCase(text.substr(i), wanted)) {
            month = static_cast<int>(m) + 1;
            i += wanted.size();
            break;
          }
        }
        if (month == 0) return DateResult::kNoMatch;
        break;
      }
      default:
        return DateResult::kNoMatch;
    }
  }
  if (i != text.size()) return DateResult::kNoMatch;
  if (month > 12 || day > 31) return DateResult::kNotADate;
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", year, month, day);
  out = buffer;
  return isValidDate(out) ? DateResult::kOk : DateResult::kNotADate;
}

// Applies a text-to-text function to a value, item by item for a list.
template <typename F>
void eachText(Value& v, F f) {
  if (v.is_list) {
    for (std::string& item : v.items) item = f(item);
  } else {
    v.text = f(v.text);
  }
}

size_t sizeOf(const Value& v) {
  if (!v.is_list) return v.text.size();
  size_t total = 0;
  for (const std::string& item : v.items) total += item.size();
  return total;
}

bool replaceAll(const std::string& in, const std::string& from, const std::string& to,
                std::string& out, std::string& error, const Filter& filter) {
  out.clear();
  size_t start = 0;
  while (true) {
    const size_t at = in.find(from, start);
    const size_t stop = at == std::string::npos ? in.size() : at;
    out.append(in, start, stop - start);
    if (at == std::string::npos) break;
    out += to;
    if (out.size() > kMaxValueBytes) {
      error = filter.source + ": the result is longer than " + std::to_string(kMaxValueBytes) +
              " bytes";
      return false;
    }
    start = at + from.size();
  }
  return true;
}

void splitInto(const std::string& text, const std::string& separator,
               std::vector<std::string>& out) {
  size_t start = 0;
  while (true) {
    const size_t at = text.find(separator, start);
    std::string item = trimmed(std::string_view(text).substr(
        start, at == std::string::npos ? std::string::npos : at - start));
    if (!item.empty()) out.push_back(std::move(item));
    if (at == std::string::npos) break;
    start = at + separator.size();
  }
}

// One lookup; appends its result to `out` (a list result flattened into out's items).
bool lookUp(const Filter& filter, const std::string& key, std::vector<std::string>& out,
            std::string& error, Explain* explain) {
  auto it = filter.table->find(key);
  if (it == filter.table->end()) {
    if (key.empty()) {  // an empty value maps to empty, unless the table names ""
      out.emplace_back();
      return true;
    }
    if (filter.args.empty()) {
      error = filter.source + ": no entry " + quoteLiteral(key);
      return false;
    }
    if (explain) {
      explain->notes.push_back(filter.source + ": " + quoteLiteral(key) + " → fallback " +
                               quoteLiteral(filter.args[0]));
    }
    out.push_back(filter.args[0]);
    return true;
  }
  if (explain) {
    explain->notes.push_back(
        filter.source + ": " + quoteLiteral(key) + " → " +
        (it->second.is_list ? describeValue(it->second) : quoteLiteral(it->second.text)));
  }
  if (it->second.is_list) {
    out.insert(out.end(), it->second.items.begin(), it->second.items.end());
  } else {
    out.push_back(it->second.text);
  }
  return true;
}

}  // namespace

std::optional<std::string> compileDateFormat(std::string_view format, std::vector<DateItem>& out) {
  out.clear();
  int years = 0;
  int months = 0;
  int days = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.push_back(DateItem{0, format[i]});
      continue;
    }
    if (i + 1 >= format.size()) return std::string("a lone \"%\" at the end (write %% for a %)");
    const char d = format[++i];
    switch (d) {
      case '%':
        out.push_back(DateItem{0, '%'});
        break;
      case 'Y':
      case 'y':
        ++years;
        out.push_back(DateItem{d, 0});
        break;
      case 'm':
      case 'b':
      case 'B':
        ++months;
        out.push_back(DateItem{d, 0});
        break;
      case 'd':
        ++days;
        out.push_back(DateItem{d, 0});
        break;
      default:
        return "unsupported " + quoteLiteral(std::string("%") + d) +
               " (supported: %Y %y %m %d %b %B %%)";
    }
  }
  if (years != 1 || months != 1 || days != 1) {
    return std::string(
        "the format needs one year (%Y or %y), one month (%m, %b or %B) and one day (%d)");
  }
  return std::nullopt;
}

bool applyFilter(const Filter& filter, Value& v, std::string& error, Explain* explain) {
  using Kind = Filter::Kind;
  switch (filter.kind) {
    case Kind::kLower:
      eachText(v, [](std::string s) {
        std::transform(s.begin(), s.end(), s.begin(), asciiLower);
        return s;
      });
      return true;
    case Kind::kUpper:
      eachText(v, [](std::string s) {
        std::transform(s.begin(), s.end(), s.begin(), asciiUpper);
        return s;
      });
      return true;
    case Kind::kTrim:
      eachText(v, [](const std::string& s) { return trimmed(s); });
      return true;
    case Kind::kTitle:
      eachText(v, [](const std::string& s) { return titled(s); });
      return true;
    case Kind::kDefault:
      if (v.empty()) v = Value{false, filter.args[0], {}};
      return true;
    case Kind::kReplace: {
      std::string out;
      if (v.is_list) {
        for (std::string& item : v.items) {
          if (!replaceAll(item, filter.args[0], filter.args[1], out, error, filter)) return false;
          item.swap(out);
        }
        if (sizeOf(v) > kMaxValueBytes) {
          error = filter.source + ": the result is longer than " + std::to_string(kMaxValueBytes) +
                  " bytes";
          return false;
        }
      } else {
        if (!replaceAll(v.text, filter.args[0], filter.args[1], out, error, filter)) return false;
        v.text.swap(out);
      }
      return true;
    }
    case Kind::kSplit: {
      std::vector<std::string> items;
      if (v.is_list) {
        for (const std::string& item : v.items) splitInto(item, filter.args[0], items);
      } else {
        splitInto(v.text, filter.args[0], items);
      }
      v = Value{true, "", std::move(items)};
      return true;
    }
    case Kind::kDate: {
      auto one = [&](std::string& s) {
        if (s.empty()) return true;  // no date stays no date
        std::string out;
        switch (parseDate(filter.date, s, out)) {
          case DateResult::kOk:
            s = std::move(out);
            return true;
          case DateResult::kNoMatch:
            error = filter.source + ": " + quoteLiteral(s) + " does not match";
            return false;
          case DateResult::kNotADate:
            error = filter.source + ": " + quoteLiteral(s) + " is not a calendar date";
            return false;
        }
        return false;
      };
      if (v.is_list) {
        for (std::string& item : v.items) {
          if (!one(item)) return false;
        }
        return true;
      }
      return one(v.text);
    }
    case Kind::kMap: {
      std::vector<std::string> out;
      if (v.is_list) {
        for (const std::string& item : v.items) {
          if (!lookUp(filter, item, out, error, explain)) return false;
        }
        v = Value{true, "", std::move(out)};
      } else {
        auto it = filter.table->find(v.text);
        const bool to_list = it != filter.table->end() && it->second.is_list;
        if (!lookUp(filter, v.text, out, error, explain)) return false;
        v = to_list ? Value{true, "", std::move(out)} : Value{false, std::move(out.front()), {}};
      }
      if (sizeOf(v) > kMaxValueBytes) {
        error = filter.source + ": the result is longer than " + std::to_string(kMaxValueBytes) +
                " bytes";
        return false;
      }
      return true;
    }
  }
  return true;
}

}  // namespace scim_agent::mapping
