#pragma once

#include <string>
#include <vector>

namespace scim_agent {

// A place in an input: a spec file position (1-based line and column), or an HR export row.
struct SourcePos {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown

  // "file:line:column", "file:line" or "file".
  std::string toString() const;
  bool operator==(const SourcePos&) const = default;
};

// One problem with an input, at a place.
struct Diagnostic {
  SourcePos pos;
  std::string message;

  // "file:line:column: message"
  std::string toString() const;
};

// Every problem found, in the order found. Loaders add to it and go on; they never stop at the
// first problem (SPEC §5).
class Diagnostics {
 public:
  void add(SourcePos pos, std::string message) { items_.push_back({std::move(pos), std::move(message)}); }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  void append(const Diagnostics& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
  }
  // Sorted by file, line, column (stable), so output does not depend on check order.
  std::vector<Diagnostic> sorted() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace scim_agent
