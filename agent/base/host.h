#pragma once

#include <string>

namespace scim_agent {

// True for "localhost", 127.0.0.0/8 in dotted-quad form and ::1 (optionally in brackets), case-
// insensitively: the hosts to which plain HTTP and tls.verify=false are allowed.
bool isLoopbackHost(const std::string& host);

}  // namespace scim_agent
