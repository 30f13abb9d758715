// Reading one HR source end to end on local files (SPEC §6): `sources:` entries parsed and
// checked, records mapped into users or rejects with their places, integrity, and the cache of
// unchanged sources. (https and s3: tests/integration/source_fetch_test.cpp.)

#include "agent/sources/source_reader.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/config/yaml_reader.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using ::testing::HasSubstr;
using scim_agent::testing::TempDir;

class SourceReaderTest : public ::testing::Test {
 protected:
  // Parses `yaml` (a `sources:` document) written to dir/agent.yaml.
  std::vector<SourceSpec> specs(const std::string& yaml) {
    const std::string path = dir_.write("agent.yaml", yaml);
    doc_ = parseYamlText(yaml, path, diags_);
    EXPECT_TRUE(doc_.ok);
    YamlMap top(path, doc_.root, "agent.yaml", SourcePos{path, 1, 1}, {"sources"}, diags_);
    const YamlEntry* e = top.find("sources");
    if (!e) return {};
    return parseSources(*e, dir_.path(), MappingOptions{}, diags_);
  }
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : diags_.sorted()) out.push_back(d.toString());
    return out;
  }
  SourceRead read(const SourceSpec& spec, SourceCache* cache = nullptr) {
    SourceReadOptions options;
    options.cache = cache;
    return readSource(spec, options, diags_);
  }

  TempDir dir_;
  YamlDocument doc_;
  Diagnostics diags_;
};

constexpr const char* kUsers = R"(sources:
  - type: csv
    location: hr.csv
    mapping:
      externalId: "E-{id}"
      userName: "{email}"
      displayName: "{name}"
)";

TEST_F(SourceReaderTest, MapsRecordsAndRejectsBadOnesWithTheirPlace) {
  dir_.write("hr.csv", "id,email,name\n1,a@corp.example,A\n2,not-an-email,B\n3,c@corp.example,C\n");
  const auto parsed = specs(kUsers);
  ASSERT_EQ(parsed.size(), 1u) << ::testing::PrintToString(errors());
  EXPECT_EQ(parsed[0].location, dir_.path() + "/hr.csv");  // relative to agent.yaml's folder
  const SourceRead r = read(parsed[0]);
  EXPECT_TRUE(diags_.empty()) << ::testing::PrintToString(errors());
  EXPECT_TRUE(r.outcome.whole) << r.outcome.problem;
  EXPECT_EQ(r.outcome.records, 3u);
  EXPECT_EQ(r.outcome.mapped, 2u);
  ASSERT_EQ(r.users.size(), 2u);
  EXPECT_EQ(r.users[1].external_id, "E-3");
  EXPECT_EQ(r.users[1].source.toString(), "hr.csv:4");
  ASSERT_EQ(r.outcome.rejects.size(), 1u);
  EXPECT_EQ(r.outcome.rejects[0].where.toString(), "hr.csv:3");
  EXPECT_EQ(r.outcome.rejects[0].external_id, "E-2");  // readable: it shields the person
  EXPECT_THAT(r.outcome.rejects[0].message, HasSubstr("not-an-email"));
  EXPECT_EQ(r.outcome.digest.size(), 64u);
}

TEST_F(SourceReaderTest, ALineBreakInAQuotedFieldRejectsTheRecordItReachesAnAttributeOf) {
  // RFC 4180 allows it in the file; no attribute may hold one (as in the YAML specs).
  dir_.write("hr.csv", "id,email,name\n1,a@corp.example,\"Ada\nLovelace\"\n2,b@corp.example,B\n");
  const auto parsed = specs(kUsers);
  ASSERT_EQ(parsed.size(), 1u);
  const SourceRead r = read(parsed[0]);
  ASSERT_EQ(r.outcome.rejects.size(), 1u);
  EXPECT_EQ(r.outcome.rejects[0].where.toString(), "hr.csv:2");
  EXPECT_EQ(r.outcome.rejects[0].message, "displayName: control character U+000A at byte 3");
  ASSERT_EQ(r.users.size(), 1u);
  EXPECT_EQ(r.users[0].source.toString(), "hr.csv:4");  // the record after it starts on line 4
}

TEST_F(SourceReaderTest, ACutOrEmptyExportIsNotWhole) {
  const auto parsed = specs(kUsers);
  ASSERT_EQ(parsed.size(), 1u);
  dir_.write("hr.csv", "id,email,name\n1,a@corp.example,A\n2,b@corp.exa");
  SourceRead cut = read(parsed[0]);
  EXPECT_FALSE(cut.outcome.whole);
  EXPECT_THAT(cut.outcome.problem, HasSubstr("cut short"));
  EXPECT_EQ(cut.users.size(), 1u);  // what was read, for the report; nothing destructive follows

  dir_.write("hr.csv", "");
  EXPECT_FALSE(read(parsed[0]).outcome.whole);
  dir_.write("hr.csv", "id,email,name\n");
  const SourceRead header_only = read(parsed[0]);
  EXPECT_FALSE(header_only.outcome.whole);
  EXPECT_EQ(header_only.outcome.problem, "the export holds no records");

  std::remove((dir_.path() + "/hr.csv").c_str());
  const SourceRead missing = read(parsed[0]);
  EXPECT_FALSE(missing.outcome.whole);
  EXPECT_THAT(missing.outcome.problem, HasSubstr("hr.csv"));
}

TEST_F(SourceReaderTest, AColumnTheHeaderLacksIsAConfigError) {
  dir_.write("hr.csv", "id,mail,name\n1,a@corp.example,A\n");
  const auto parsed = specs(kUsers);
  ASSERT_EQ(parsed.size(), 1u);
  const SourceRead r = read(parsed[0]);
  ASSERT_EQ(diags_.size(), 1u);
  EXPECT_THAT(errors()[0], HasSubstr("agent.yaml:6:19: unknown column \"email\" in hr.csv (did you mean \"mail\"?)"));
  EXPECT_FALSE(r.outcome.whole);
}

TEST_F(SourceReaderTest, ATerminationsManifestNeedsNoMapping) {
  dir_.write("leavers.json",
             R"([{"externalId":"E-1","terminationDate":"2026-11-30"},)"
             "\n"
             R"( {"externalId":"E-2","terminationDate":"someday"}])");
  const auto parsed = specs("sources:\n  - { type: json, location: leavers.json, role: terminations }\n");
  ASSERT_EQ(parsed.size(), 1u) << ::testing::PrintToString(errors());
  const SourceRead r = read(parsed[0]);
  EXPECT_TRUE(r.outcome.whole) << r.outcome.problem;
  ASSERT_EQ(r.outcome.terminations.size(), 1u);
  EXPECT_EQ(r.outcome.terminations[0].external_id, "E-1");
  EXPECT_EQ(r.outcome.terminations[0].at, "2026-11-30T00:00:00Z");
  ASSERT_EQ(r.outcome.rejects.size(), 1u);
  EXPECT_EQ(r.outcome.rejects[0].where.toString(), "leavers.json:2");
  EXPECT_EQ(r.outcome.role, "terminations");
  // An empty manifest is normal: nobody left.
  dir_.write("leavers.json", "[]");
  EXPECT_TRUE(read(parsed[0]).outcome.whole);
}

TEST_F(SourceReaderTest, AnUnchangedFileIsNotParsedAgainButAChangedOneIs) {
  dir_.write("hr.csv", "id,email,name\n1,a@corp.example,A\n");
  const auto parsed = specs(kUsers);
  ASSERT_EQ(parsed.size(), 1u);
  SourceCache cache;
  EXPECT_FALSE(read(parsed[0], &cache).outcome.unchanged);
  const SourceRead again = read(parsed[0], &cache);
  EXPECT_TRUE(again.outcome.unchanged);
  ASSERT_EQ(again.users.size(), 1u);
  dir_.write("hr.csv", "id,email,name\n1,a@corp.example,A\n2,b@corp.example,B\n");
  const SourceRead changed = read(parsed[0], &cache);
  EXPECT_FALSE(changed.outcome.unchanged);
  EXPECT_EQ(changed.users.size(), 2u);
  // The same bytes under another mapping are read again.
  std::string other = kUsers;
  other.replace(other.find("\"{name}\""), 8, "\"Dr {name}\"");
  const auto remapped = specs(other);
  ASSERT_EQ(remapped.size(), 1u);
  const SourceRead r = read(remapped[0], &cache);
  EXPECT_FALSE(r.outcome.unchanged);
  EXPECT_EQ(r.users[0].display_name, "Dr A");
}

TEST_F(SourceReaderTest, BadEntriesAreErrorsAtTheirPlace) {
  specs(R"(sources:
  - type: xml
    location: hr.csv
    mapping: { externalId: "{id}" }
  - type: csv
    location: http://hr.corp.example/people.csv
    delimiter: ";;"
    mapping: { externalId: "{id}" }
  - type: json
    location: s3://bucket-only
    role: terminations
    authorizationFile: token
  - type: csv
    location: hr.csv
    colour: blue
)");
  EXPECT_THAT(errors(), ::testing::IsSupersetOf({
                            HasSubstr("agent.yaml:2:5: type must be csv, json or jsonl"),
                            HasSubstr("agent.yaml:6:5: plain http is refused"),
                            HasSubstr("agent.yaml:7:5: delimiter must be one ASCII character"),
                            HasSubstr("agent.yaml:10:5: an s3 location is s3://BUCKET/KEY"),
                            HasSubstr("authorizationFile applies to https sources only"),
                            HasSubstr("agent.yaml:15:5: unknown key \"colour\""),
                            HasSubstr("a users source needs a mapping"),
                        }));
}

}  // namespace
}  // namespace scim_agent
