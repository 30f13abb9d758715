#pragma once

// Moved to tests/support/harness.h (with TempDir in tests/support/temp_dir.h). This forwarding
// header keeps integration tests written before the move compiling; include the support headers
// directly and delete this file once no test includes it.
#include "tests/support/harness.h"
#include "tests/support/temp_dir.h"
