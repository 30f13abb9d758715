// Fuzz target: the SCIM list-response decoder (GenesysDirectory listing → LiveUser / Group).
// The input is up to 8 page bodies separated by the byte 0x1e; the transport answers the n-th
// GET with the n-th page (HTTP 200), then with an empty list, so every listing ends.
#include <algorithm>
#include <atomic>
#include <vector>

#include "agent/scim/genesys_directory.h"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  PagesTransport transport(splitPages(fuzz::asText(data, size)));
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
