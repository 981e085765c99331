#pragma once

#include <string>
#include <string_view>

namespace bottle::text {

// The one sanitiser for everything shown to an operator: daemon log lines,
// proposal fields, dashboard text, error messages quoting input. Valid UTF-8
// stays as it is, except what can drive or mislead a terminal:
//   - C0 controls (but tab), DEL and bytes that are not valid UTF-8 become \xNN;
//   - C1 controls (U+0080-U+009F, e.g. the 8-bit CSI), bidirectional
//     controls (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069), the
//     line and paragraph separators (U+2028, U+2029) and the invisible
//     characters (zero-width space, joiners, word joiner, U+2061-U+2064, the
//     byte-order mark, the soft hyphen, U+180E) become \uXXXX (lower-case hex).
// So nothing an agent writes can move the cursor, clear the screen, start a
// new line or reorder what the operator reads.
std::string escape_for_terminal(std::string_view raw);
// The same, appended to `out` (for hot paths that build a line in place).
void append_escaped_for_terminal(std::string& out, std::string_view raw);

// What a refusal or a log line may quote of a value an agent sent (a header
// name, a port, a host that did not parse): the value, escaped, when it is
// at most `max_bytes` long; else only "<N characters>", since a long value
// may be the very secret the agent tried to send.
std::string shown_input(std::string_view raw, std::size_t max_bytes = 24);

// True when escape_for_terminal would change nothing.
bool is_terminal_safe(std::string_view raw);

}  // namespace bottle::text
