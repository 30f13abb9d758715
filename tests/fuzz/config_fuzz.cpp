// Fuzz target: the config loader (agent/config) on one agent.yaml, with no environment overrides.
#include "agent/config/config.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scim_agent;
  const std::string path = fuzz::writeScratch("agent.yaml", fuzz::asText(data, size));
  // A secret file beside it, so configs that name "client-secret" load through.
  static const std::string secret = fuzz::writeScratch("client-secret", "fuzz-secret\n");
  (void)secret;
  Diagnostics diags;
  std::optional<Config> config = loadConfig(path, {}, diags);
  if (config && !diags.empty()) {
    // Warnings may come with a config; nothing to check beyond not crashing.
  }
  return 0;
}
