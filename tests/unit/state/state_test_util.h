#pragma once

// Moved to tests/support (temp_dir.h, state_db.h). This forwarding header keeps state tests
// written against `state_test::` compiling; new tests include the support headers directly.

// What this header used to include, for the tests that relied on it.
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent::state_test {

using scim_agent::testing::TempDir;
using scim_agent::testing::execSql;
using scim_agent::testing::fileMode;
using scim_agent::testing::fileSize;
using scim_agent::testing::queryInt;

}  // namespace scim_agent::state_test
