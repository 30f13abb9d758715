// Fuzz target: the desired-state loader (agent/desired) on one spec YAML file.
#include "agent/desired/desired_loader.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scim_agent;
  const std::string path = fuzz::writeScratch("org.yaml", fuzz::asText(data, size));
  Diagnostics diags;
  LoadOptions options;
  DesiredState state = loadDesired(path, options, diags);
  // A load without diagnostics has a digest (SPEC: plans name the desired state they came from).
  if (diags.empty() && state.digest.empty()) fuzz::fail("desired: no diagnostics, no digest", "");
  return 0;
}
