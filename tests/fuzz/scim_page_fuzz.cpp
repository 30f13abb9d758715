// Fuzz target: the SCIM list-response decoder (GenesysDirectory listing → LiveUser / Group).
// The input is up to 8 page bodies separated by the byte 0x1e; the transport answers the n-th
// GET with the n-th page (HTTP 200), then with an empty list, so every listing ends.
// Each page is also decoded by ScimPageDecoder and by the tree path it replaced
// (usersPageFromTree: Poco's parser, Json, liveUserFromScim): they must agree exactly, on the
// users, the header, every user's error and the refusal message.
#include <algorithm>
#include <atomic>
#include <vector>

#include "agent/scim/genesys_directory.h"
#include "agent/scim/scim_page.h"
#include "agent/scim/user_codec.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace scim_agent;

class PagesTransport final : public HttpTransport {
 public:
  explicit PagesTransport(std::vector<std::string> pages) : pages_(std::move(pages)) {}
  Result<HttpResponse> send(const HttpRequest&) override {
    HttpResponse r;
    r.status = 200;
    r.headers.add("Content-Type", "application/scim+json");
    r.body = next_ < pages_.size() ? pages_[next_++] : R"({"totalResults":0,"Resources":[]})";
    return r;
  }
  void rewind() { next_ = 0; }

 private:
  std::vector<std::string> pages_;
  size_t next_ = 0;
};

std::vector<std::string> splitPages(std::string_view input) {
  std::vector<std::string> pages;
  while (pages.size() < 7) {
    const size_t cut = input.find('\x1e');
    if (cut == std::string_view::npos) break;
    pages.emplace_back(input.substr(0, cut));
    input.remove_prefix(cut + 1);
  }
  pages.emplace_back(input);
  return pages;
}

// A decoded page as text, to compare the two decoders.
template <typename T, typename Describe>
std::string describe(const Result<ScimPage<T>>& page, Describe&& resource) {
  if (!page.ok()) return "refused: " + page.error().message;
  const ScimPageHeader& h = page->header;
  std::string out = (h.total_results ? std::to_string(*h.total_results) : "-") + " " +
                    (h.start_index ? std::to_string(*h.start_index) : "-") + " " +
                    std::to_string(h.items_per_page) + " " +
                    std::to_string(static_cast<int>(h.resources)) + "\n";
  for (const auto& item : page->items) {
    out += item.resource.id + " " + item.resource.version + " " +
           (item.error ? "error: " + item.error->message : resource(item.resource)) + "\n";
  }
  return out;
}

void checkDecoders(const std::vector<std::string>& pages) {
  static ScimPageDecoder decoder;  // reused across inputs, as across a listing's pages
  const std::vector<std::string> excluded = {kAttrRoles, kAttrRoutingSkills};
  auto user = [](const LiveUser& u) { return liveUserToCanonicalJson(u).dump(); };
  auto group = [](const Group& g) { return g.display_name; };
  for (const std::string& page : pages) {
    const std::string fast = describe(decoder.users(page, excluded), user);
    const std::string tree = describe(usersPageFromTree(page, excluded), user);
    if (fast != tree) fuzz::fail("ScimPageDecoder::users differs from the tree", fast + tree);
    const std::string fast_groups = describe(decoder.groups(page), group);
    const std::string tree_groups = describe(groupsPageFromTree(page), group);
    if (fast_groups != tree_groups) {
      fuzz::fail("ScimPageDecoder::groups differs from the tree", fast_groups + tree_groups);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> pages = splitPages(fuzz::asText(data, size));
  checkDecoders(pages);
  PagesTransport transport(pages);
  StaticTokenSource tokens("fuzz-token");
  DirectoryOptions options;
  options.api_base = "http://127.0.0.1:9";
  options.max_tries = 1;
  options.sleep = [](std::chrono::milliseconds) {};
  options.random = [] { return 0.5; };
  GenesysDirectory directory(transport, tokens, options);

  ListOptions list;
  list.page_size = 2;
  (void)directory.listUsers(list);
  transport.rewind();
  list.excluded_attributes = {kAttrRoles, kAttrRoutingSkills};
  (void)directory.listUsers(list);
  transport.rewind();
  (void)directory.listGroups();
  transport.rewind();
  (void)directory.findUserByExternalId("e1");
  return 0;
}
