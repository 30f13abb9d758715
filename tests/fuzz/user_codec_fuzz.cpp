// Fuzz target: the SCIM user and group codecs (agent/scim/user_codec): liveUserFromScim with and
// without excluded attributes, liveUserToCanonicalJson and groupFromScim on one resource.
#include "agent/codec/json_parse.h"
#include "agent/scim/user_codec.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scim_agent;
  Result<Json> json = parseJson(fuzz::asText(data, size));
  if (!json.ok()) return 0;
  (void)groupFromScim(*json);
  for (const std::vector<std::string>& excluded :
       {std::vector<std::string>{},
        std::vector<std::string>{kAttrExternalId, kAttrRoles, kAttrRoutingSkills,
                                 kAttrRoutingLanguages}}) {
    Result<LiveUser> user = liveUserFromScim(*json, excluded);
    if (!user.ok()) continue;
    const std::string text = liveUserToCanonicalJson(*user).dump();
    if (!parseJson(text).ok()) fuzz::fail("user: canonical JSON that parseJson refuses", text);
  }
  return 0;
}
