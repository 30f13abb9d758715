#pragma once

#include <string>

namespace scim_agent {

// The message of a YAML syntax error, for every YAML file the agent reads (agent.yaml, the
// desired-state specs, mapping files), whichever way it was parsed (whole tree or streamed):
//
//   YAML syntax error: illegal map value          <- yaml-cpp's message, as before
//     3 |     userName a@x                        <- the line most likely wrong, with a caret
//       |             ^
//     hint: a key without ':'?                    <- what is likely wrong, when it can be told
//
// `text` is the whole file; `line` and `column` are yaml-cpp's mark (0-based; the column counts
// bytes), negative when it has none; `yaml_message` is yaml-cpp's message. The hints cover the
// common mistakes: a tab in the indentation, a quote or a bracket left open, a key without ':',
// a list item or a key indented differently from the one above, nesting too deep. Without a
// hint the error's own line is shown, with the caret under its column; past the end of the
// text, "(at the end of the file)". Tabs show as "→" so the caret stays under its column; a
// long line is cut around the column. Pure: no I/O, never throws.
std::string yamlSyntaxErrorMessage(const std::string& text, int line, int column,
                                   const std::string& yaml_message);

}  // namespace scim_agent
