// Fuzz target: the event intake checks (agent/serve/event_intake) on one POST /v1/events body,
// correctly signed, so the JSON checks behind the signature are reached.
#include "agent/codec/hmac_sha256.h"
#include "agent/serve/event_intake.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scim_agent;
  const std::string body(fuzz::asText(data, size));
  const std::string secret = "fuzz-secret";
  const std::string timestamp = "1700000000";
  const std::string signature = timestampedSignature(secret, timestamp, body);
  IntakeVerdict v = checkEvent(secret, timestamp, signature, body, 1700000000);
  if (v.status == 0) {
    if (v.event.key.empty() || v.event.external_id.empty() || v.event.occurred_at.empty()) {
      fuzz::fail("event: accepted with an empty key, externalId or occurredAt", body);
    }
  } else if (v.status != 400) {
    fuzz::fail("event: a signed, timely event refused with other than 400", v.error);
  }
  // A wrong signature is always refused, whatever the body.
  if (checkEvent(secret, timestamp, signature + "0", body, 1700000000).status != 401) {
    fuzz::fail("event: wrong signature not refused", body);
  }
  return 0;
}
