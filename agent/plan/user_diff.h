#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/base/json.h"
#include "agent/model/plan.h"
#include "agent/model/scim_schemas.h"
#include "agent/model/policy.h"
#include "agent/model/user.h"

namespace scim_agent {


// The manager a desired user should have, resolved against the live users and this plan.
struct ManagerTarget {
  enum class Kind {
    kLeaveAlone,     // manager not declared, not managed, or unresolvable
    kClear,          // declared "": remove the manager
    kLive,           // an existing live user: live_id
    kCreatedInPlan,  // a desired user this plan creates: set after both exist
  };
  Kind kind = Kind::kLeaveAlone;
  std::string live_id;
  std::string external_id;  // the manager's externalId (kLive, kCreatedInPlan)
};

// Options of the diff that do not come from the policy.
struct DiffContext {
  const Policy* policy = nullptr;
  bool genesys_extension = true;  // write routingSkills / routingLanguages (target kind genesys)
  // The live manager as reviewers know it, from its Genesys id: the manager's externalId when
  // the id is a known live user with one, else the id itself. Called only when the manager
  // changes; may be empty (the id is then shown).
  std::function<std::string(const std::string&)> manager_label;
};

// The minimal PATCH operations that turn `live` into `desired` for managed, declared attributes
// (never `active`, `externalId` or groups: the planner adds those). Operations and changes come
// in a fixed attribute order. A manager created in this plan is not an operation: it is returned
// in manager_external_id for the applier to resolve.
struct AttributeDiff {
  std::vector<PatchOp> ops;
  std::vector<AttributeChange> changes;
  std::string manager_external_id;

  bool empty() const { return ops.empty() && manager_external_id.empty(); }
};
AttributeDiff diffAttributes(const DesiredUser& desired, const LiveUser& live,
                             const ManagerTarget& manager, const DiffContext& context);

// The SCIM user document to POST for `desired`: only managed, declared, non-empty attributes
// (userName and externalId always), and the changes a reviewer sees (before = null).
struct UserDocument {
  Json body;
  std::vector<AttributeChange> changes;
  std::string manager_external_id;  // the manager is created in this plan: not in the body
};
UserDocument buildUserDocument(const DesiredUser& desired, const ManagerTarget& manager,
                               const DiffContext& context);

// A live user's value of `attribute` as plans show it (the `before` of an AttributeChange):
// strings as strings (null when empty), emails the work address, phoneNumbers {type: value},
// roles a sorted list, routing skills and languages {name: proficiency}, active a bool; manager
// the manager's Genesys id and groups the sorted group ids (plans name those by externalId and
// name, which a live user alone does not give). Null for an empty value; nullopt when the
// attribute cannot be told from `live` (roles, skills or languages projected out of the read).
std::optional<Json> reviewValue(const LiveUser& live, Attribute attribute);

// A managed attribute whose value in a write's answer differs from what was sent.
struct AttributeMismatch {
  std::string attribute;
  Json expected;  // as the plan shows it (the change's `after`; the manager's id)
  Json actual;    // reviewValue of the answer
  bool operator==(const AttributeMismatch&) const = default;
};

// Compares what `action` meant to write (its changes, and for the manager the id in `sent`)
// with `answer`, Genesys's answer to the write (the whole user, genesys-api.md §5): every
// attribute the answer holds otherwise. userName compares case-insensitively and proficiencies
// within rounding; attributes the answer cannot tell (projected out) and changes that are not
// attributes (a restore's "state") are not compared. A manager created in this plan is set by
// a later write and not compared here.
std::vector<AttributeMismatch> answerMismatches(const Action& action,
                                                const std::vector<PatchOp>& sent,
                                                const LiveUser& answer);

// Attribute paths used in PATCH operations (genesys-api.md §5.2).
std::string enterprisePath(const std::string& attribute);  // "urn:…:enterprise:2.0:User:<a>"
std::string genesysPath(const std::string& attribute);     // "urn:…:purecloud:2.0:User:<a>"
std::string phonePath(const std::string& type);            // phoneNumbers[type eq "<type>"]

}  // namespace scim_agent
