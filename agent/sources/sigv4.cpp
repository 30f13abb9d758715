#include "agent/sources/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <string_view>

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>

#include "agent/codec/hmac_sha256.h"
#include "agent/codec/json_parse.h"

namespace scim_agent {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string hmacBytes(const std::string& key, const std::string& data) {
  Poco::HMACEngine<Sha256Engine> hmac(key);
  hmac.update(data);
  const Poco::DigestEngine::Digest& digest = hmac.digest();
  return std::string(digest.begin(), digest.end());
}

std::string toHex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0x0f]);
  }
  return hex;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A header value as SigV4 canonicalises it: leading and trailing blanks
// removed, runs of blanks inside collapsed to one space (AWS General Reference,
// "Create a canonical request").
std::string trimAll(std::string_view value) {
  std::string out;
  bool blank = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      blank = !out.empty();
      continue;
    }
    if (blank) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

bool isReserved(const std::string& name) {
  return name == "host" || name == "x-amz-date" || name == "x-amz-content-sha256" ||
         name == "x-amz-security-token";
}

}  // namespace

std::string amzDateNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string awsUriEncode(const std::string& text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (std::isalnum(b) != 0 || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 0x0f]);
    }
  }
  return out;
}

SigV4Signature signV4(const SigV4Request& request) {
  // Lower-case name → value, sorted by name (std::map). A name given twice
  // keeps both values, comma-separated in the order given, as the canonical
  // form asks.
  std::map<std::string, std::string> headers;
  headers["host"] = request.host;
  headers["x-amz-date"] = request.amz_date;
  headers["x-amz-content-sha256"] = request.payload_sha256;
  if (!request.session_token.empty()) headers["x-amz-security-token"] = request.session_token;
  for (const auto& [name, value] : request.headers) {
    const std::string key = lower(trimAll(name));
    if (isReserved(key)) continue;  // the fields above are the one source of these
    const std::string v = trimAll(value);
    auto [it, inserted] = headers.emplace(key, v);
    if (!inserted) it->second += "," + v;
  }

  // Query: names and values encoded, then sorted by name, then value.
  std::vector<std::pair<std::string, std::string>> query;
  query.reserve(request.query.size());
  for (const auto& [name, value] : request.query) {
    query.emplace_back(awsUriEncode(name, false), awsUriEncode(value, false));
  }
  std::sort(query.begin(), query.end());

  std::string canonical_query;
  for (const auto& [name, value] : query) {
    if (!canonical_query.empty()) canonical_query += '&';
    canonical_query += name + "=" + value;
  }
  std::string canonical_headers;
  std::string signed_headers;
  SigV4Signature out;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
    out.headers.emplace_back(name, value);
  }

  out.canonical_request = request.method + "\n" + (request.path.empty() ? "/" : request.path) +
                          "\n" + canonical_query + "\n" + canonical_headers + "\n" +
                          signed_headers + "\n" + request.payload_sha256;

  const std::string date = request.amz_date.substr(0, 8);
  const std::string scope = date + "/" + request.region + "/" + request.service + "/aws4_request";
  out.string_to_sign = std::string(kAlgorithm) + "\n" + request.amz_date + "\n" + scope + "\n" +
                       sha256Hex(out.canonical_request);

  const std::string k_date = hmacBytes("AWS4" + request.secret_access_key, date);
  const std::string k_region = hmacBytes(k_date, request.region);
  const std::string k_service = hmacBytes(k_region, request.service);
  const std::string k_signing = hmacBytes(k_service, "aws4_request");
  out.signature = toHex(hmacBytes(k_signing, out.string_to_sign));

  out.authorization = std::string(kAlgorithm) + " Credential=" + request.access_key_id + "/" +
                      scope + ",SignedHeaders=" + signed_headers + ",Signature=" + out.signature;
  return out;
}

}  // namespace scim_agent
