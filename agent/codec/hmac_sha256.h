#pragma once

// HMAC-SHA256 with POCO's HMACEngine, shared by the webhook notifier (signing) and serve's event
// endpoint (verifying), so both sides use the one construction: "sha256=" + lower-case hex of
// HMAC(secret, timestamp + "." + body).

#include <string>

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

namespace scim_agent {

// Poco::HMACEngine needs BLOCK_SIZE and DIGEST_SIZE on its engine; POCO 1.11's SHA2Engine lacks
// them (1.12 added SHA2Engine256 for this). This adds the two SHA-256 constants, nothing else:
// the hashing and the HMAC are POCO's.
class Sha256Engine : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

// "sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>".
inline std::string timestampedSignature(const std::string& secret, const std::string& timestamp,
                                        const std::string& body) {
  Poco::HMACEngine<Sha256Engine> hmac(secret);
  hmac.update(timestamp);
  hmac.update('.');
  hmac.update(body);
  return "sha256=" + Poco::DigestEngine::digestToHex(hmac.digest());
}

}  // namespace scim_agent
