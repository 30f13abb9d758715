#pragma once

// One page of a SCIM ListResponse (RFC 7644 §3.4.2), read straight into LiveUsers or Groups:
// what the listing checks (SPEC §16) and the resources, with no JSON tree in between.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/base/result.h"
#include "agent/model/user.h"

namespace scim_agent {

// What a page says about its listing; GenesysDirectory's listing checks read it.
struct ScimPageHeader {
  enum class Resources { kAbsentOrNull, kNotList, kList };
  std::optional<double> total_results;  // "totalResults" when it is a number
  std::optional<double> start_index;    // "startIndex" when it is a number
  double items_per_page = 0;            // "itemsPerPage" when it is a number, else 0
  Resources resources = Resources::kAbsentOrNull;
};

// One entry of Resources. `resource.id` and `resource.version` are the entry's "id" and
// "meta.version" when they are strings ("" otherwise), even when `error` is set.
template <typename T>
struct ScimPageItem {
  T resource;
  // Why the entry is not a valid T: liveUserFromScim's message ("malformed SCIM user abc:
  // missing userName"). Groups never have one (listGroups checks their ids itself).
  std::optional<Error> error;
};

template <typename T>
struct ScimPage {
  ScimPageHeader header;
  std::vector<ScimPageItem<T>> items;  // Resources in order; empty unless it is a list
};

// Reads SCIM ListResponse pages. Each user is read exactly as liveUserFromScim (user_codec.h)
// reads the same member from a parsed tree: the same normalisations, the same messages; a
// duplicated key counts as its last occurrence; unknown members are ignored.
//
// The page text is parsed with simdjson's On-Demand API, one parser and one padded buffer
// reused across pages. Every value is checked, read or not, so a page is refused whenever
// Poco's parser (agent/codec/json_parse.h) would refuse it: whenever simdjson cannot read a
// page to the end on the fast path (a syntax error, a number Poco reads otherwise, nesting
// deeper than Poco's 128 levels, text after the JSON), the page is read again by
// the tree path below, which gives Poco's verdict and Poco's message.
//
// Not thread-safe: one decoder per listing.
class ScimPageDecoder {
 public:
  ScimPageDecoder();
  ~ScimPageDecoder();
  ScimPageDecoder(const ScimPageDecoder&) = delete;
  ScimPageDecoder& operator=(const ScimPageDecoder&) = delete;

  // `body` as a page of users; `excluded` is the excludedAttributes sent for it (the users'
  // *_known flags). Fails with kInvalidInput when the body is not a JSON object: the message
  // is "malformed JSON: <the parser's reason>" when it is not JSON, "" when it is JSON but not
  // an object.
  Result<ScimPage<LiveUser>> users(std::string_view body,
                                   const std::vector<std::string>& excluded = {});
  // `body` as a page of groups (groupFromScim's reading). Fails as users() does.
  Result<ScimPage<Group>> groups(std::string_view body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The same readings through parseJson and a Json tree (liveUserFromScim, groupFromScim): the
// decoder's fallback, and its reference in tests.
Result<ScimPage<LiveUser>> usersPageFromTree(std::string_view body,
                                             const std::vector<std::string>& excluded = {});
Result<ScimPage<Group>> groupsPageFromTree(std::string_view body);

}  // namespace scim_agent
