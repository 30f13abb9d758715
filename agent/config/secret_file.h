#pragma once

// The one reader of secret files: target.clientSecretFile, the systemd credentials,
// serve.eventSecretFile, notify.webhook.secretFile.

#include <string>

#include "agent/base/result.h"

namespace scim_agent {

// The content of the file at `path`, trailing CR and LF stripped (editors and `echo` add them).
// `what` names the setting for messages, e.g. "serve.eventSecretFile":
//   kIo           "cannot read serve.eventSecretFile /etc/x: No such file or directory" (or
//                 "is a directory");
//   kInvalidInput "cannot read serve.eventSecretFile /etc/x: is empty" (nothing but newlines
//                 counts as empty).
// The secret itself never appears in a message.
Result<std::string> readSecretFile(const std::string& path, const std::string& what);

}  // namespace scim_agent
