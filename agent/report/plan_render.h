#pragma once

#include <string>

#include "agent/model/plan.h"
#include "agent/report/report_doc.h"

namespace scim_agent {

// Terraform-like text for a terminal (SPEC §8 `plan --format text`): one block per action
// ("+ create", "~ update", "> reactivate", "! suspend", "- delete", "~ group") with its attribute
// diffs or member lines and a "# why: <rule> (<source>)" line, then the notices, the summary
// ("Plan: 3 to create, … 2 group changes.") and the cost line. A plan without actions reads
// "No changes. Genesys Cloud matches the desired state." (plus its notices). ANSI colours only
// when `color` is true.
std::string renderPlanText(const Plan& plan, bool color);

// Markdown for a pull-request comment: a heading, the summary and cost, a table of actions
// (kind, externalId, userName, changes, why) and a table of notices. Very large plans are cut
// (with a line saying how many rows were left out) to stay under comment size limits.
std::string renderPlanMarkdown(const Plan& plan);

// The plan document (plan_json.h), indented, with a trailing newline.
std::string renderPlanJson(const Plan& plan);

// The plan as a report document (kind "plan"), for `plan --format html`: the summary and cost
// lines as meta, counts per kind and the API calls as summary facts, a warning block when it
// suspends or deletes, the actions as a table (kind, externalId, userName, changes as
// "attribute: before → after", why as "rule (source place)") and the notices as a table. Every
// action and notice is in it (no cut, unlike Markdown). generated_at is left empty: the caller,
// which knows the time, sets it.
ReportDoc planReport(const Plan& plan);

// renderReportHtml(planReport(plan)): one self-contained page for reviewers.
std::string renderPlanHtml(const Plan& plan);

}  // namespace scim_agent
