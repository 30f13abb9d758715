#include "agent/codec/json_parse.h"

#include <cstdio>
#include <memory>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>

namespace scim_agent {

namespace {
Json fromVar(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return Json();
  if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto obj = v.extract<Poco::JSON::Object::Ptr>();
    Json out = Json::object();
    for (const auto& [key, value] : *obj) out[key] = fromVar(value);
    return out;
  }
  if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
    const auto arr = v.extract<Poco::JSON::Array::Ptr>();
    Json out = Json::array();
    for (const auto& value : *arr) out.push(fromVar(value));
    return out;
  }
  if (v.type() == typeid(bool)) return Json(v.extract<bool>());
  if (v.isString()) return Json(v.extract<std::string>());
  if (v.isNumeric()) return Json(v.convert<double>());
  return Json(v.convert<std::string>());
}
}  // namespace

Result<Json> parseJson(std::string_view text) {
  try {
    Poco::JSON::Parser parser;
    return fromVar(parser.parse(std::string(text)));
  } catch (const Poco::Exception& e) {
    return Error(ErrorCode::kInvalidInput, "malformed JSON: " + e.displayText());
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInvalidInput, std::string("malformed JSON: ") + e.what());
  }
}

namespace {

std::string hex(const unsigned char* digest, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace

std::string sha256Hex(std::string_view data) {
  // OpenSSL's SHA-256 (SHA-NI / AVX2 where the CPU has them), not Poco::SHA2Engine: every
  // snapshot hashes each user document, and Poco's portable C was a fifth of saveSnapshot's time
  // at 100,000 users.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex(digest, SHA256_DIGEST_LENGTH);
}

std::optional<std::string> sha256FileHex(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!file || !ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return std::nullopt;
  std::string buffer(1 << 16, '\0');
  for (;;) {
    const size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    if (n > 0 && EVP_DigestUpdate(ctx.get(), buffer.data(), n) != 1) return std::nullopt;
    if (n < buffer.size()) break;
  }
  if (std::ferror(file.get())) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) return std::nullopt;
  return hex(digest, length);
}

}  // namespace scim_agent
