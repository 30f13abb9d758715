#pragma once

// Helpers shared by the CSV and JSON readers (csv_reader.cpp, json_reader.cpp). Not for use
// outside agent/sources.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace scim_agent::reader_internal {

// One record (all its fields together) or one JSON line may hold at most this much. HR records
// are a few hundred bytes; a megabyte is a file gone wrong (a quote that never closes swallows
// the rest of the file into one field), and the bound keeps memory flat whatever the input.
inline constexpr size_t kMaxRecordBytes = size_t{1} << 20;
inline constexpr std::string_view kMaxRecordText = "1 MiB";

// Drops a UTF-8 byte order mark at the very start of the input, whatever the chunks it is split
// across. end() returns what was still held back at the end of input (a BOM prefix that the
// input stopped inside is data, not a BOM).
class BomStripper {
 public:
  // Returns the data bytes of `bytes`. `released` is set to bytes held back from earlier chunks
  // that turned out not to be a BOM: pass them on before the returned ones.
  std::string_view push(std::string_view bytes, std::string& released) {
    released.clear();
    if (done_) return bytes;
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    const size_t take = std::min(bytes.size(), kBom.size() - held_.size());
    held_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (held_.size() < kBom.size() && kBom.substr(0, held_.size()) == held_) return {};
    done_ = true;
    if (held_ != kBom) released.swap(held_);
    held_.clear();
    return bytes;
  }
  std::string end() {
    done_ = true;
    return std::move(held_);
  }
  bool done() const { return done_; }

 private:
  bool done_ = false;
  std::string held_;
};

inline bool isBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

inline std::string_view trimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace scim_agent::reader_internal
