#pragma once

// The one reader of secret files: target.clientSecretFile, the systemd credentials,
// serve.eventSecretFile, notify.webhook.secretFile.

#include <cstddef>
#include <string>

#include "agent/base/result.h"

namespace scim_agent {

// The largest secret file read (a secret is a line or a key).
inline constexpr size_t kMaxSecretFileBytes = 64 * 1024;

// The content of the file at `path`, trailing CR and LF stripped (editors and `echo` add them).
// `what` names the setting for messages, e.g. "serve.eventSecretFile":
//   kIo           "cannot read serve.eventSecretFile /etc/x: No such file or directory" (or
//                 "is a directory", "is not a regular file");
//   kInvalidInput "serve.eventSecretFile /etc/x is readable by others (mode 0644); run: chmod 600
//                 /etc/x": any permission for group or others is refused, as ssh refuses such
//                 private keys (the file must be 0600 or 0400);
//   kInvalidInput "cannot read serve.eventSecretFile /etc/x: is empty" (nothing but newlines
//                 counts as empty), or "is larger than 65536 bytes".
// The secret itself never appears in a message.
Result<std::string> readSecretFile(const std::string& path, const std::string& what);

}  // namespace scim_agent
