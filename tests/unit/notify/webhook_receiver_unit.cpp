// The notifier's unit tests talk to the same receiver the integration tests use; compiling its
// source into unit_notify (which links only agent_notify) keeps one receiver, tested here first.
#include "tests/integration/webhook_receiver.cpp"  // NOLINT(bugprone-suspicious-include)
