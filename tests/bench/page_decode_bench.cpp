// Decoding SCIM ListResponse pages into LiveUsers, three ways, on the same pages:
//   tree          parseJson (Poco's parser → Poco tree → Json) + liveUserFromScim: the decoder
//                 the listing used before ScimPageDecoder (usersPageFromTree)
//   poco-handler  Poco::JSON::Parser with a Handler that builds LiveUsers from parser events
//   simdjson      ScimPageDecoder::users (simdjson On-Demand, the listing's decoder)
//
//   page_decode_bench [--pages 500] [--per-page 100] [--runs 3]
//
// The pages have the shape genesys-sim renders for a full read (tests/sim/scim_render.cpp:
// schemas, meta with location and lastModified, groups and manager with $ref, both
// extensions), with some escapes and non-ASCII text. Each decoder runs `runs` times over every
// page; the median wall time is printed with MB/s and users/s. The three decoders' users are
// compared first (canonical JSON): a difference fails the run (exit 1).
#include <Poco/JSON/Handler.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "agent/base/json.h"
#include "agent/base/text.h"
#include "agent/model/scim_schemas.h"
#include "agent/scim/scim_page.h"
#include "agent/scim/user_codec.h"

namespace {

using namespace scim_agent;

std::string q(const std::string& s) { return jsonQuote(s); }

std::string uuid(int n, int salt) {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%08x-%04x-4%03x-a%03x-%012x", n * 2654435761u, salt,
                n % 4096, (n * 7) % 4096, n * 40503u);
  return buffer;
}

// One user as genesys-sim renders it (not stable: locations and timestamps included).
std::string renderUser(int n) {
  const std::string base = "https://api.example.test/api/v2/scim/v2";
  const std::string id = uuid(n, 1);
  const std::string name = (n % 17 == 0 ? "Zoë \"Z\" Ångström-" : "User ") + std::to_string(n);
  std::string u = "{";
  u += R"("schemas":[")" + std::string(kScimUserSchema) + R"(",")" + kEnterpriseUserSchema +
       R"(",")" + kGenesysUserSchema + R"("],)";
  u += R"("id":)" + q(id) + ",";
  u += R"("externalId":)" + q("EMP-" + std::to_string(n)) + ",";
  u += R"("userName":)" + q("user" + std::to_string(n) + "@example.com") + ",";
  u += R"("displayName":)" + q(name) + ",";
  u += R"("title":)" + q(n % 13 == 0 ? "Agent\tII \\ night" : "Agent") + ",";
  u += R"("active":true,)";
  u += R"("emails":[{"value":)" + q("user" + std::to_string(n) + "@example.com") +
       R"(,"type":"other","primary":true},{"value":)" +
       q("work" + std::to_string(n) + "@example.com") + R"(,"type":"work"}],)";
  u += R"("phoneNumbers":[{"value":)" + q("+1555" + std::to_string(1000000 + n)) +
       R"(,"type":"work"},{"value":"+15550000000","type":"mobile"}],)";
  u += R"("roles":[{"value":"employee"},{"value":"Agent"}],)";
  u += R"("groups":[)";
  for (int g = 0; g < 2; ++g) {
    const std::string gid = uuid((n + g) % 40, 2);
    u += std::string(g ? "," : "") + R"({"value":)" + q(gid) + R"(,"display":)" +
         q("Group " + std::to_string((n + g) % 40)) + R"(,"$ref":)" + q(base + "/Groups/" + gid) +
         "}";
  }
  u += "],";
  u += "\"" + std::string(kEnterpriseUserSchema) + R"(":{"department":)" +
       q("Dept " + std::to_string(n % 30)) + R"(,"division":"Home","employeeNumber":)" +
       q(std::to_string(n)) + R"(,"dateHire":"2021-03-01","manager":{"value":)" +
       q(uuid(n / 10, 1)) + R"(,"$ref":)" + q(base + "/Users/" + uuid(n / 10, 1)) + "}},";
  u += "\"" + std::string(kGenesysUserSchema) +
       R"(":{"routingSkills":[{"name":"Billing","proficiency":3},{"name":"Sales","proficiency":4.5}],)"
       R"("routingLanguages":[{"name":"English","proficiency":5}],)"
       R"("externalIds":[{"authority":"x-pc:scimv2:v1","value":)" +
       q("EMP-" + std::to_string(n)) + "}]},";
  u += R"("meta":{"resourceType":"User","lastModified":"2026-01-02T03:04:05.678Z","location":)" +
       q(base + "/Users/" + id) + R"(,"version":"\")" + std::to_string(n % 9 + 1) + R"(\""}})";
  return u;
}

std::vector<std::string> renderPages(int pages, int per_page) {
  std::vector<std::string> out;
  const int total = pages * per_page;
  for (int p = 0; p < pages; ++p) {
    std::string page = R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],)";
    page += R"("totalResults":)" + std::to_string(total) + R"(,"itemsPerPage":)" +
            std::to_string(per_page) + R"(,"startIndex":)" + std::to_string(p * per_page + 1) +
            R"(,"Resources":[)";
    for (int i = 0; i < per_page; ++i) {
      if (i) page += ",";
      page += renderUser(p * per_page + i);
    }
    page += "]}";
    out.push_back(std::move(page));
  }
  return out;
}

// ---- (b) Poco::JSON::Handler building LiveUsers from parser events --------------------------

// What a container is, from where it sits (the parent's role and key).
enum class Role {
  kPage, kResources, kUser, kMeta, kEmails, kEmail, kPhones, kPhone, kValues, kValueItem,
  kEnterprise, kManager, kGenesys, kProficiencies, kProficiency, kExternalIds, kExternalId, kSkip
};

class PageHandler final : public Poco::JSON::Handler {
 public:
  explicit PageHandler(const std::vector<std::string>& excluded)
      : known_(knownAttributes(excluded)) {}

  ScimPage<LiveUser> page;

  void reset() override {
    page = {};
    stack_.clear();
  }
  void startObject() override { open(true); }
  void endObject() override { close(); }
  void startArray() override { open(false); }
  void endArray() override { close(); }
  void key(const std::string& k) override {
    if (!stack_.empty()) stack_.back().key = k;
  }
  void null() override { scalar(nullptr, nullptr, nullptr); }
  void value(int v) override { number(v); }
  void value(unsigned v) override { number(v); }
  void value(Poco::Int64 v) override { number(static_cast<double>(v)); }
  void value(Poco::UInt64 v) override { number(static_cast<double>(v)); }
  void value(const std::string& v) override { scalar(&v, nullptr, nullptr); }
  void value(double d) override { number(d); }
  void value(bool b) override { scalar(nullptr, nullptr, &b); }

 private:
  struct Frame {
    Role role;
    std::string key;
  };

  LiveUser& user() { return page.items.back().resource; }

  void number(double d) { scalar(nullptr, &d, nullptr); }

  Role childRole() const {
    if (stack_.empty()) return Role::kPage;
    const Frame& f = stack_.back();
    switch (f.role) {
      case Role::kPage: return f.key == "Resources" ? Role::kResources : Role::kSkip;
      case Role::kResources: return Role::kUser;
      case Role::kUser:
        if (f.key == "meta") return Role::kMeta;
        if (f.key == "emails") return Role::kEmails;
        if (f.key == "phoneNumbers") return Role::kPhones;
        if (f.key == "roles" || f.key == "groups") return Role::kValues;
        if (f.key == kEnterpriseUserSchema) return Role::kEnterprise;
        if (f.key == kGenesysUserSchema) return Role::kGenesys;
        return Role::kSkip;
      case Role::kEmails: return Role::kEmail;
      case Role::kPhones: return Role::kPhone;
      case Role::kValues: return Role::kValueItem;
      case Role::kEnterprise: return f.key == "manager" ? Role::kManager : Role::kSkip;
      case Role::kGenesys:
        if (f.key == "routingSkills" || f.key == "routingLanguages") return Role::kProficiencies;
        if (f.key == "externalIds") return Role::kExternalIds;
        return Role::kSkip;
      case Role::kProficiencies: return Role::kProficiency;
      case Role::kExternalIds: return Role::kExternalId;
      default: return Role::kSkip;
    }
  }

  void open(bool object) {
    Role role = childRole();
    // A container where a scalar or an object was expected reads as absent.
    const bool wants_array = role == Role::kResources || role == Role::kEmails ||
                             role == Role::kPhones || role == Role::kValues ||
                             role == Role::kProficiencies || role == Role::kExternalIds;
    if (role != Role::kSkip && wants_array == object) role = Role::kSkip;
    if (!stack_.empty()) {
      const Frame& parent = stack_.back();
      if (parent.role == Role::kPage && parent.key == "Resources") {
        page.items.clear();
        page.header.resources = object ? ScimPageHeader::Resources::kNotList
                                       : ScimPageHeader::Resources::kList;
      }
    }
    switch (role) {
      case Role::kUser: page.items.emplace_back(); external_.clear(); listed_.clear(); break;
      case Role::kEmails: user().work_email.clear(); found_ = false; break;
      case Role::kPhones: user().phone_numbers.clear(); break;
      case Role::kValues:
        (stack_.back().key == "roles" ? user().roles : user().group_ids).clear();
        values_ = stack_.back().key == "roles" ? &user().roles : &user().group_ids;
        break;
      case Role::kProficiencies:
        profs_ = stack_.back().key == "routingSkills" ? &user().routing_skills
                                                      : &user().routing_languages;
        profs_->clear();
        break;
      case Role::kExternalIds: listed_.clear(); found_ = false; break;
      case Role::kEmail: case Role::kPhone: case Role::kExternalId: case Role::kProficiency:
      case Role::kValueItem:
        a_.clear(); b_.clear(); n_ = 0; break;
      case Role::kMeta: user().version.clear(); break;
      default: break;
    }
    stack_.push_back({role, {}});
  }

  void close() {
    const Role role = stack_.back().role;
    stack_.pop_back();
    switch (role) {
      case Role::kUser: finish(); break;
      case Role::kEmail:
        if (!found_ && equalsIgnoreCase(a_, "work")) { user().work_email = b_; found_ = true; }
        break;
      case Role::kPhone:
        if (!a_.empty()) user().phone_numbers.push_back({a_, b_});
        break;
      case Role::kExternalId:
        if (!found_ && a_.rfind(kScimExternalIdAuthority, 0) == 0) { listed_ = b_; found_ = true; }
        break;
      case Role::kProficiency:
        if (!a_.empty()) profs_->push_back({a_, n_});
        break;
      case Role::kValueItem:
        if (!a_.empty()) values_->push_back(a_);
        break;
      default: break;
    }
  }

  void finish() {
    ScimPageItem<LiveUser>& item = page.items.back();
    item.resource.external_id = external_.empty() ? listed_ : external_;
    Status s = finishLiveUser(item.resource, known_);
    if (!s.ok()) item.error = s.error();
  }

  void scalar(const std::string* s, const double* d, const bool* b) {
    if (stack_.empty()) return;
    const Frame& f = stack_.back();
    const std::string text = s ? *s : std::string();
    switch (f.role) {
      case Role::kPage:
        if (f.key == "totalResults") page.header.total_results = d ? std::optional(*d) : std::nullopt;
        else if (f.key == "startIndex") page.header.start_index = d ? std::optional(*d) : std::nullopt;
        else if (f.key == "itemsPerPage") page.header.items_per_page = d ? *d : 0;
        else if (f.key == "Resources") {
          page.items.clear();
          page.header.resources = s || d || b ? ScimPageHeader::Resources::kNotList
                                             : ScimPageHeader::Resources::kAbsentOrNull;
        }
        break;
      case Role::kUser: {
        LiveUser& u = user();
        if (f.key == "id") u.id = text;
        else if (f.key == "userName") u.user_name = text;
        else if (f.key == "displayName") u.display_name = text;
        else if (f.key == "title") u.title = text;
        else if (f.key == "externalId") external_ = text;
        else if (f.key == "active") u.active = b ? *b : true;
        break;
      }
      case Role::kMeta: if (f.key == "version") user().version = text; break;
      case Role::kEmail: case Role::kExternalId:
        if (f.key == "type" || f.key == "authority") a_ = text;
        else if (f.key == "value") b_ = text;
        break;
      case Role::kPhone:
        if (f.key == "value") a_ = text;
        else if (f.key == "type") b_ = text;
        break;
      case Role::kValues: if (!text.empty()) values_->push_back(text); break;
      case Role::kValueItem: if (f.key == "value") a_ = text; break;
      case Role::kEnterprise: {
        LiveUser& u = user();
        if (f.key == "department") u.department = text;
        else if (f.key == "division") u.division = text;
        else if (f.key == "employeeNumber") u.employee_number = text;
        else if (f.key == "dateHire") u.date_hire = text;
        else if (f.key == "manager") u.manager_id = text;
        break;
      }
      case Role::kManager: if (f.key == "value") user().manager_id = text; break;
      case Role::kProficiency:
        if (f.key == "name") a_ = text;
        else if (f.key == "proficiency") n_ = d ? *d : s ? proficiencyFromText(*s) : 0;
        break;
      default: break;
    }
  }

  LiveUserKnown known_;
  std::vector<Frame> stack_;
  std::string a_, b_, external_, listed_;
  double n_ = 0;
  bool found_ = false;
  std::vector<std::string>* values_ = nullptr;
  std::vector<Proficiency>* profs_ = nullptr;
};

ScimPage<LiveUser> decodeWithHandler(Poco::JSON::Parser& parser, PageHandler& handler,
                                     const std::string& body) {
  handler.reset();
  parser.parse(body);
  return std::move(handler.page);
}

std::string canonical(const ScimPage<LiveUser>& page) {
  std::string out;
  for (const auto& item : page.items) out += liveUserToCanonicalJson(item.resource).dump() + "\n";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int pages = 500;
  int per_page = 100;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--pages") pages = std::atoi(argv[i + 1]);
    else if (flag == "--per-page") per_page = std::atoi(argv[i + 1]);
    else if (flag == "--runs") runs = std::atoi(argv[i + 1]);
    else {
      std::cerr << "usage: page_decode_bench [--pages N] [--per-page N] [--runs N]\n";
      return 64;
    }
  }
  const std::vector<std::string> bodies = renderPages(pages, per_page);
  size_t bytes = 0;
  for (const auto& b : bodies) bytes += b.size();

  ScimPageDecoder decoder;
  auto handler = Poco::SharedPtr<PageHandler>(new PageHandler({}));
  Poco::JSON::Parser parser(handler);

  // The three must agree before they are timed.
  for (size_t i = 0; i < bodies.size(); i += std::max<size_t>(1, bodies.size() / 10)) {
    const std::string tree = canonical(*usersPageFromTree(bodies[i]));
    const std::string simd = canonical(*decoder.users(bodies[i]));
    const std::string poco = canonical(decodeWithHandler(parser, *handler, bodies[i]));
    if (tree != simd || tree != poco) {
      std::cerr << "page " << i << ": the decoders disagree\n";
      return 1;
    }
  }

  const std::vector<std::pair<std::string, std::function<size_t(const std::string&)>>> decoders = {
      {"tree", [](const std::string& b) { return usersPageFromTree(b)->items.size(); }},
      {"poco-handler",
       [&](const std::string& b) { return decodeWithHandler(parser, *handler, b).items.size(); }},
      {"simdjson", [&](const std::string& b) { return decoder.users(b)->items.size(); }},
  };
  std::printf("%d pages of %d users, %.1f MB; median of %d runs\n", pages, per_page,
              static_cast<double>(bytes) / 1e6, runs);
  for (const auto& [name, decode] : decoders) {
    std::vector<double> times;
    for (int r = 0; r < runs; ++r) {
      size_t users = 0;
      const auto start = std::chrono::steady_clock::now();
      for (const auto& b : bodies) users += decode(b);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      if (users != static_cast<size_t>(pages) * per_page) return 1;
      times.push_back(took.count());
    }
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    std::printf("%-13s %8.1f ms  %7.1f MB/s  %9.0f users/s\n", name.c_str(), median * 1e3,
                static_cast<double>(bytes) / 1e6 / median,
                static_cast<double>(pages) * per_page / median);
  }
  return 0;
}
