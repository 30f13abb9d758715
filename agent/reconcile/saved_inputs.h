#pragma once

// `apply plan.json` without parsing the desired state again when nothing changed (issue 13: at
// 100,000 users the parse was 70-95% of the apply). A signed plan records the desired inputs it
// was made from (PlanInputs, agent/model/plan.h): the sha256 of each desired file's bytes, a
// digest of what agent.yaml adds to them, and the facts the apply needs from the desired state —
// the effective policy, the desired user count, and the desired entries of the users its actions
// name. When the signature verifies and every input is byte for byte the same, those facts are
// the desired state the plan was made from (the digest is a function of the inputs), so the
// policy gate judges each action from them; when any input differs, the desired state is parsed
// and its digest compared as before.
//
// With HR sources nothing is recorded and the apply parses: knowing that a remote export is
// unchanged costs a request anyway, and the sources' users are merged with the files'.

#include <set>
#include <string>

#include "agent/base/result.h"
#include "agent/model/plan.h"
#include "agent/model/policy.h"

namespace scim_agent {

// sha256 hex of what agent.yaml contributes to the desired state besides the files: the base
// policy (every setting, maxAttributeLength included), the target kind, and whether it lists
// HR sources.
std::string desiredSettingsDigest(const Policy& base_policy, const std::string& target_kind,
                                  bool sources);

// What a saved plan made from `desired` records; nullopt when the desired state has HR sources
// or was not read from files. `held_by_termination`: the desired users a termination hold set
// terminated in this cycle (their own entries say active, and that is what is recorded: the
// apply applies the holds in effect then).
std::optional<PlanInputs> planInputs(const DesiredState& desired, const Plan& plan,
                                     const std::set<std::string>& held_by_termination,
                                     const std::string& settings_digest);

// Why the desired inputs may differ from those `inputs` records ("desired/users.yaml changed",
// "agent.yaml's policy or target changed", …); "" when every file `desired_path` stands for has
// the bytes recorded and agent.yaml's part is the same.
std::string inputsChange(const PlanInputs& inputs, const std::string& desired_path,
                         const std::string& settings_digest);

// The desired state the apply of a saved plan needs, from its facts: the effective policy, the
// digest, and the recorded entries (externalId, status, place) of the users its actions name.
Result<DesiredState> desiredFromInputs(const PlanInputs& inputs, const std::string& digest);

}  // namespace scim_agent
