#pragma once

// Moved to tests/support/webhook_receiver.h. This forwarding header keeps tests that include the
// old path (tests/unit/notify) compiling; delete it once none does.
#include "tests/support/webhook_receiver.h"
