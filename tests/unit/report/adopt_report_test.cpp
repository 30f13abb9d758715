#include "agent/plan/adopt_report.h"
#include "agent/report/adopt_render.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "agent/plan/guardrail.h"
#include "unit/plan/builders.h"

namespace scim_agent::testing {
namespace {

// The report the CLI would print for `s`: the plan, with maxDestructive's verdict on it.
AdoptReport reportFor(const Scenario& s) {
  const DesiredState desired = s.desiredState();
  const LiveState live = s.liveState();
  const Plan plan = makePlan(desired, live, s.options);
  const GuardrailVerdict verdict =
      checkDestructive(plan, static_cast<size_t>(plan.managed_live_users), desired.policy);
  return makeAdoptReport(desired, live, plan, verdict);
}

// The one entry whose externalId (or, for users without one, userName) is `key`.
const AdoptEntry& entry(const AdoptReport& r, const std::string& key) {
  const AdoptEntry* found = nullptr;
  for (const AdoptEntry& e : r.entries) {
    if (e.external_id == key || (e.external_id.empty() && e.user_name == key)) {
      EXPECT_EQ(found, nullptr) << "two entries for " << key;
      found = &e;
    }
  }
  if (!found) {
    ADD_FAILURE() << "no entry for " << key;
    static const AdoptEntry kNone;
    return kNone;
  }
  return *found;
}

Policy scopedPolicy() {
  Policy p;
  p.scope_external_id_pattern = "^EMP-";
  p.max_destructive_count = 100;
  p.max_destructive_percent = 100;
  return p;
}

TEST(AdoptReportTest, MatchedByExternalIdWithAndWithoutChanges) {
  Scenario s;
  s.policy = scopedPolicy();
  s.desired = {aDesiredUser("EMP-1").title("Agent"), aDesiredUser("EMP-2").title("Lead").at(7)};
  s.live = {aLiveUser("EMP-1").title("Agent"), aLiveUser("EMP-2").title("Agent")};
  const AdoptReport r = reportFor(s);

  ASSERT_EQ(r.count(AdoptClass::kMatched), 2);
  const AdoptEntry& same = entry(r, "EMP-1");
  EXPECT_EQ(same.match, MatchKind::kExternalId);
  EXPECT_EQ(same.live_id, "id-EMP-1");
  EXPECT_FALSE(same.action.has_value());
  EXPECT_EQ(same.detail, "no change");

  const AdoptEntry& changed = entry(r, "EMP-2");
  ASSERT_TRUE(changed.action.has_value());
  EXPECT_EQ(*changed.action, ActionKind::kUpdate);
  EXPECT_EQ(changed.rule, "attributes differ");
  EXPECT_EQ(changed.changed_attributes, std::vector<std::string>{"title"});
  EXPECT_EQ(changed.source, (SourcePos{"users.yaml", 7, 5}));
  EXPECT_TRUE(r.clean());
}

TEST(AdoptReportTest, LiveUserWithoutExternalIdIsAdoptedByUserName) {
  Scenario s;
  s.policy = scopedPolicy();
  s.desired = {aDesiredUser("EMP-1").userName("Jane@Corp.Example")};
  s.live = {aLiveUser("x").noExternalId().id("u1").userName("jane@corp.example")};
  const AdoptReport r = reportFor(s);

  const AdoptEntry& e = entry(r, "EMP-1");
  EXPECT_EQ(e.kind, AdoptClass::kAdopted);
  EXPECT_EQ(e.match, MatchKind::kUserName);
  EXPECT_EQ(e.live_id, "u1");
  EXPECT_EQ(e.live_external_id, "");
  ASSERT_TRUE(e.action.has_value());
  EXPECT_EQ(*e.action, ActionKind::kUpdate);
  EXPECT_EQ(e.rule, "adopted by userName");
  EXPECT_EQ(e.changed_attributes.front(), "externalId");
  EXPECT_EQ(r.entries.size(), 1u) << "the live user is covered by the desired user's entry";
  EXPECT_TRUE(r.clean());
}

TEST(AdoptReportTest, TwoLiveUsersWithOneExternalIdAreAmbiguous) {
  Scenario s;
  s.policy = scopedPolicy();
  s.desired = {aDesiredUser("EMP-1")};
  s.live = {aLiveUser("EMP-1").id("u2").userName("other@corp.example"),
            aLiveUser("EMP-1").id("u1")};
  const AdoptReport r = reportFor(s);

  ASSERT_EQ(r.entries.size(), 1u);
  const AdoptEntry& e = entry(r, "EMP-1");
  EXPECT_EQ(e.kind, AdoptClass::kAmbiguous);
  EXPECT_EQ(e.match, MatchKind::kConflict);
  EXPECT_EQ(e.live_ids, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_NE(e.detail.find("is held by 2 live users (u1, u2)"), std::string::npos) << e.detail;
  EXPECT_FALSE(r.clean());
}

TEST(AdoptReportTest, DesiredUserNameHeldUnderAnotherExternalIdIsAmbiguousNotDestroyed) {
  // An HR renumbering: EMP-OLD's login is now declared as EMP-NEW. The planner holds both.
  Scenario s;
  s.policy = scopedPolicy();
  s.desired = {aDesiredUser("EMP-NEW").userName("jane@corp.example")};
  s.live = {aLiveUser("EMP-OLD").id("u9").userName("jane@corp.example")};
  const AdoptReport r = reportFor(s);

  ASSERT_EQ(r.entries.size(), 1u);
  const AdoptEntry& e = entry(r, "EMP-NEW");
  EXPECT_EQ(e.kind, AdoptClass::kAmbiguous);
  EXPECT_EQ(e.live_ids, std::vector<std::string>{"u9"});
  EXPECT_NE(e.detail.find("externalId \"EMP-OLD\""), std::string::npos) << e.detail;
  EXPECT_EQ(r.count(AdoptClass::kDestroyed), 0);
}

TEST(AdoptReportTest, TwoLiveUsersWithTheUserNameToAdoptAreAmbiguous) {
  Scenario s;
  s.policy = scopedPolicy();
  s.desired = {aDesiredUser("EMP-1").userName("jane@corp.example")};
  s.live = {aLiveUser("a").noExternalId().id("u1").userName("jane@corp.example"),
            aLiveUser("b").noExternalId().id("u2").userName("JANE@corp.example")};
  const AdoptReport r = reportFor(s);

  const AdoptEntry& e = entry(r, "EMP-1");
  EXPECT_EQ(e.kind, AdoptClass::kAmbiguous);
  EXPECT_EQ(e.live_ids, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(r.count(AdoptClass::kAmbiguous), 1);
  EXPECT_EQ(r.count(AdoptClass::kUnmanaged), 0) << "held live users are not unmanaged";
}

TEST(AdoptReportTest, DuplicateExternalIdWithoutDesiredUserIsAmbiguousPerLiveUser) {
  Scenario s;
  s.policy = scopedPolicy();
  s.live = {aLiveUser("EMP-5").id("u5").userName("a@corp.example"),
            aLiveUser("EMP-5").id("u6").userName("b@corp.example")};
  const AdoptReport r = reportFor(s);

  ASSERT_EQ(r.count(AdoptClass::kAmbiguous), 2);
  for (const AdoptEntry& e : r.entries) {
    EXPECT_EQ(e.kind, AdoptClass::kAmbiguous);
    EXPECT_EQ(e.live_ids, (std::vector<std::string>{"u5", "u6"}));
    EXPECT_NE(e.detail.find("not touched"), std::string::npos) << e.detail;
  }
  EXPECT_EQ(r.count(AdoptClass::kDestroyed), 0);
}

TEST(AdoptReportTest, UnmanagedUsersSayWhatThePolicyDoes) {
  for (UnmanagedPolicy policy :
       {UnmanagedPolicy::kIgnore, UnmanagedPolicy::kReport, UnmanagedPolicy::kSuspend}) {
    SCOPED_TRACE(unmanagedPolicyName(policy));
    Scenario s;
    s.policy = scopedPolicy();
    s.policy.unmanaged = policy;
    s.live = {aLiveUser("CONTRACTOR-1").id("c1"),
              aLiveUser("x").noExternalId().id("n1").userName("bot@corp.example"),
              aLiveUser("CONTRACTOR-2").id("c2").active(false)};
    const AdoptReport r = reportFor(s);

    const AdoptEntry& contractor = entry(r, "CONTRACTOR-1");
    const AdoptEntry& no_external_id = entry(r, "bot@corp.example");
    const AdoptEntry& inactive = entry(r, "CONTRACTOR-2");
    EXPECT_EQ(inactive.kind, AdoptClass::kUnmanaged);
    EXPECT_NE(contractor.detail.find("outside policy scope \"^EMP-\""), std::string::npos)
        << contractor.detail;
    EXPECT_NE(no_external_id.detail.find("no externalId"), std::string::npos)
        << no_external_id.detail;
    if (policy == UnmanagedPolicy::kSuspend) {
      for (const AdoptEntry* e : {&contractor, &no_external_id}) {
        EXPECT_EQ(e->kind, AdoptClass::kDestroyed);
        ASSERT_TRUE(e->action.has_value());
        EXPECT_EQ(*e->action, ActionKind::kSuspend);
        EXPECT_EQ(e->rule, "unmanaged policy");
      }
      EXPECT_NE(inactive.detail.find("already inactive"), std::string::npos) << inactive.detail;
    } else {
      EXPECT_EQ(contractor.kind, AdoptClass::kUnmanaged);
      EXPECT_EQ(no_external_id.kind, AdoptClass::kUnmanaged);
      EXPECT_NE(
          contractor.detail.find(std::string("policy.unmanaged ") + unmanagedPolicyName(policy)),
          std::string::npos)
          << contractor.detail;
      EXPECT_TRUE(r.clean());
    }
  }
}

TEST(AdoptReportTest, UnmanagedClassIsWhatThePlannerReportsAsUnmanaged) {
  // The report's scope test must agree with the planner's: under unmanaged: report, every
  // kUnmanaged notice is an unmanaged entry and the other way round.
  Scenario s;
  s.policy = scopedPolicy();
  s.policy.scope_external_id_pattern = "^(EMP|MGR)-[0-9]+$";
  s.policy.unmanaged = UnmanagedPolicy::kReport;
  s.desired = {aDesiredUser("EMP-1")};
  s.live = {aLiveUser("EMP-1"),       aLiveUser("EMP-2"),
            aLiveUser("MGR-3"),       aLiveUser("EMP-X"),
            aLiveUser("xEMP-4"),      aLiveUser("n").noExternalId().userName("n@corp.example"),
            aLiveUser("CONTRACTOR-9")};
  const Plan plan = s.plan();
  std::set<std::string> from_plan;
  for (const Notice* n : noticesOf(plan, NoticeKind::kUnmanaged)) from_plan.insert(n->user_name);
  std::set<std::string> from_report;
  for (const AdoptEntry& e : reportFor(s).entries) {
    if (e.kind == AdoptClass::kUnmanaged) from_report.insert(e.user_name);
  }
  EXPECT_EQ(from_report, from_plan);
  EXPECT_EQ(from_report.size(), 4u);
}

TEST(AdoptReportTest, RemovedUsersAreDestroyedWithTheirRule) {
  Scenario s;
  s.policy = scopedPolicy();
  s.desired = {aDesiredUser("EMP-1"), aDesiredUser("EMP-2").status(UserStatus::kTerminated)};
  s.live = {aLiveUser("EMP-1"), aLiveUser("EMP-2"), aLiveUser("EMP-3")};
  const AdoptReport r = reportFor(s);

  ASSERT_EQ(r.count(AdoptClass::kDestroyed), 2);
  const AdoptEntry& terminated = entry(r, "EMP-2");
  EXPECT_EQ(terminated.kind, AdoptClass::kDestroyed);
  EXPECT_EQ(*terminated.action, ActionKind::kSuspend);
  EXPECT_EQ(terminated.rule, "status terminated");
  EXPECT_EQ(terminated.match, MatchKind::kExternalId);
  const AdoptEntry& removed = entry(r, "EMP-3");
  EXPECT_EQ(removed.kind, AdoptClass::kDestroyed);
  EXPECT_EQ(*removed.action, ActionKind::kSuspend);
  EXPECT_EQ(removed.rule, "removed from desired state");
  EXPECT_EQ(removed.match, MatchKind::kNone);
  EXPECT_FALSE(removed.held);
  EXPECT_FALSE(r.clean());
}

TEST(AdoptReportTest, OnRemovalDeleteIsADelete) {
  Scenario s;
  s.policy = scopedPolicy();
  s.policy.on_removal = RemovalPolicy::kDelete;
  s.live = {aLiveUser("EMP-3").active(false)};
  const AdoptReport r = reportFor(s);
  const AdoptEntry& e = entry(r, "EMP-3");
  EXPECT_EQ(e.kind, AdoptClass::kDestroyed);
  EXPECT_EQ(*e.action, ActionKind::kDelete);
  EXPECT_EQ(e.rule, "removed from desired state");
}

TEST(AdoptReportTest, TerminatedUserMatchedByUserNameIsDestroyedAndSaysItIsAdopted) {
  Scenario s;
  s.policy = scopedPolicy();
  s.desired = {aDesiredUser("EMP-1").status(UserStatus::kTerminated)};
  s.live = {aLiveUser("x").noExternalId().id("u1").userName("emp-1@corp.example")};
  const AdoptReport r = reportFor(s);
  const AdoptEntry& e = entry(r, "EMP-1");
  EXPECT_EQ(e.kind, AdoptClass::kDestroyed);
  EXPECT_EQ(e.match, MatchKind::kUserName);
  EXPECT_EQ(e.rule, "status terminated; adopted by userName");
}

TEST(AdoptReportTest, GuardrailHoldsEveryDestructiveActionWhenItBlocks) {
  Scenario s;
  s.policy = scopedPolicy();
  s.policy.max_destructive_count = 1;
  s.desired = {aDesiredUser("EMP-1")};
  s.live = {aLiveUser("EMP-1"), aLiveUser("EMP-2"), aLiveUser("EMP-3")};
  const AdoptReport r = reportFor(s);

  EXPECT_TRUE(r.guardrail.blocked);
  EXPECT_EQ(r.heldCount(), 2);
  EXPECT_TRUE(entry(r, "EMP-2").held);
  EXPECT_TRUE(entry(r, "EMP-3").held);
  EXPECT_NE(renderAdoptText(r, false).find("blocked by the guardrail"), std::string::npos);
}

TEST(AdoptReportTest, NewDesiredUserIsCreated) {
  Scenario s;
  s.policy = scopedPolicy();
  s.desired = {aDesiredUser("EMP-1").displayName("Jane").at(3)};
  const AdoptReport r = reportFor(s);
  const AdoptEntry& e = entry(r, "EMP-1");
  EXPECT_EQ(e.kind, AdoptClass::kCreated);
  EXPECT_EQ(*e.action, ActionKind::kCreate);
  EXPECT_EQ(e.rule, "new in desired state");
  EXPECT_TRUE(e.live_id.empty());
  EXPECT_TRUE(r.clean()) << "a create is no surprise";
}

TEST(AdoptReportTest, ProtectedUsersSayWhatTheyWouldOtherwiseGet) {
  Scenario s;
  s.policy = scopedPolicy();
  s.policy.protected_users = {{"ADMIN@corp.example", "", {}}, {"", "BREAKGLASS-1", {}}};
  s.desired = {aDesiredUser("EMP-1")};
  s.live = {aLiveUser("EMP-1"), aLiveUser("EMP-9").userName("admin@corp.example"),
            aLiveUser("BREAKGLASS-1")};
  const AdoptReport r = reportFor(s);

  const AdoptEntry& admin = entry(r, "EMP-9");
  EXPECT_EQ(admin.kind, AdoptClass::kProtected);
  EXPECT_NE(admin.detail.find("would suspend (removed from desired state)"), std::string::npos)
      << admin.detail;
  const AdoptEntry& breakglass = entry(r, "BREAKGLASS-1");
  EXPECT_EQ(breakglass.kind, AdoptClass::kProtected);
  EXPECT_EQ(breakglass.detail, "protected: no change needed");
  EXPECT_TRUE(r.clean());
}

TEST(AdoptReportTest, ManagedUsersWithNothingToDoAreLeftAlone) {
  Scenario s;
  s.policy = scopedPolicy();
  s.desired = {aDesiredUser("EMP-1").status(UserStatus::kTerminated)};
  s.live = {aLiveUser("EMP-2").active(false)};
  const AdoptReport r = reportFor(s);

  EXPECT_EQ(entry(r, "EMP-1").kind, AdoptClass::kLeftAlone);
  EXPECT_NE(entry(r, "EMP-1").detail.find("nothing to create"), std::string::npos);
  EXPECT_EQ(entry(r, "EMP-2").kind, AdoptClass::kLeftAlone);
  EXPECT_NE(entry(r, "EMP-2").detail.find("already inactive"), std::string::npos);
  EXPECT_TRUE(r.clean());
}

// One org with every class, used by the ordering and rendering tests.
Scenario everyClass() {
  Scenario s;
  s.policy = scopedPolicy();
  s.policy.protected_users = {{"admin@corp.example", "", {}}};
  s.desired = {aDesiredUser("EMP-1"),
               aDesiredUser("EMP-2").title("Lead"),
               aDesiredUser("EMP-3").userName("adopt@corp.example"),
               aDesiredUser("EMP-4"),
               aDesiredUser("EMP-5"),
               aDesiredUser("EMP-6").status(UserStatus::kSuspended)};
  s.live = {aLiveUser("EMP-1"),
            aLiveUser("EMP-2").title("Agent"),
            aLiveUser("a").noExternalId().id("u-adopt").userName("adopt@corp.example"),
            aLiveUser("EMP-5").id("u5a"),
            aLiveUser("EMP-5").id("u5b").userName("dup@corp.example"),
            aLiveUser("EMP-7"),
            aLiveUser("EMP-8").active(false),
            aLiveUser("ADM").userName("admin@corp.example"),
            aLiveUser("CONTRACTOR-1")};
  return s;
}

TEST(AdoptReportTest, EveryUserIsInExactlyOneClassInSectionOrder) {
  const AdoptReport r = reportFor(everyClass());
  std::vector<std::string> got;
  for (const AdoptEntry& e : r.entries) {
    got.push_back(std::string(adoptClassName(e.kind)) + " " +
                  (e.external_id.empty() ? e.user_name : e.external_id));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"ambiguous EMP-5", "destroyed EMP-7", "protected ADM",
                                           "adopted EMP-3", "created EMP-4", "matched EMP-1",
                                           "matched EMP-2", "unmanaged CONTRACTOR-1",
                                           "leftAlone EMP-6", "leftAlone EMP-8"}));
  EXPECT_EQ(r.desired_users, 6);
  EXPECT_EQ(r.live_users, 9);
}

TEST(AdoptReportTest, ShuffledInputsGiveTheSameReport) {
  const Scenario base = everyClass();
  const std::string expected = renderAdoptJson(reportFor(base));
  std::mt19937 rng(7);
  for (int i = 0; i < 20; ++i) {
    Scenario s = base;
    std::shuffle(s.desired.begin(), s.desired.end(), rng);
    std::shuffle(s.live.begin(), s.live.end(), rng);
    ASSERT_EQ(renderAdoptJson(reportFor(s)), expected) << "shuffle " << i;
  }
}

TEST(AdoptReportTest, TextListsEachSectionAndTheVerdict) {
  const std::string text = renderAdoptText(reportFor(everyClass()), false);
  for (const char* needle :
       {"Ambiguous: not touched by apply until resolved (1):",
        "Would be suspended or deleted by the first apply (1):",
        "! EMP-7 (emp-7@corp.example) [live id-EMP-7]: suspend (removed from desired state)",
        "Matched by userName: would be adopted (externalId set) (1):",
        "~ EMP-3 (adopt@corp.example) [live u-adopt (no externalId)]: update externalId "
        "(adopted by userName)",
        "+ EMP-4 (emp-4@corp.example): create",
        "= EMP-1 (emp-1@corp.example) [live id-EMP-1]: "
        "no change",
        "Unmanaged (1):",
        "Adopt: 2 matched, 1 to adopt, 1 to create, 1 to suspend or delete (0 blocked by the "
        "guardrail), 1 ambiguous, 1 unmanaged, 1 protected, 2 with nothing to do.",
        "Review before the first apply: 1 ambiguous user and 1 user would be suspended or "
        "deleted."}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
  EXPECT_EQ(text.find("\x1b["), std::string::npos) << "no colour unless asked";
}

TEST(AdoptReportTest, CleanReportSaysNoSurprises) {
  Scenario s;
  s.policy = scopedPolicy();
  s.desired = {aDesiredUser("EMP-1")};
  s.live = {aLiveUser("EMP-1")};
  const std::string text = renderAdoptText(reportFor(s), false);
  EXPECT_NE(text.find("No surprises"), std::string::npos) << text;
}

TEST(AdoptReportTest, MarkdownHasATablePerClass) {
  const std::string md = renderAdoptMarkdown(reportFor(everyClass()));
  EXPECT_EQ(md.rfind("### scim-agent adopt report\n", 0), 0u) << md;
  EXPECT_NE(md.find("#### Ambiguous: not touched by apply until resolved (1)"), std::string::npos);
  EXPECT_NE(md.find("| `EMP-7` | `emp-7@corp.example` | live id-EMP-7 | suspend (removed from "
                    "desired state) |  |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `EMP-4` | `emp-4@corp.example` |  | create (new in desired state) | "
                    "`users.yaml:1:5` |"),
            std::string::npos)
      << md;
}

TEST(AdoptReportTest, JsonHasEveryClassAndTheCounts) {
  const std::string json = renderAdoptJson(reportFor(everyClass()));
  for (const char* needle :
       {"\"ambiguous\": 1", "\"destroyed\": 1", "\"matched\": 2", "\"leftAlone\": 2", "\"held\": 0",
        "\"clean\": false", "\"unmanaged\": \"ignore\"", "\"liveIds\": [",
        "\"rule\": \"removed from desired state\"", "\"match\": \"userName\""}) {
    EXPECT_NE(json.find(needle), std::string::npos) << needle << "\n" << json;
  }
}

}  // namespace
}  // namespace scim_agent::testing
