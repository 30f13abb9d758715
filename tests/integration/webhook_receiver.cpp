// Moved to tests/support/webhook_receiver.cpp (built into test_support). tests/unit/notify's
// webhook_receiver_unit.cpp compiles this path into unit_notify; delete this forwarder once it
// links test_support instead. Not part of integration_tests (its CMakeLists leaves it out).
#include "tests/support/webhook_receiver.cpp"  // NOLINT(bugprone-suspicious-include)
