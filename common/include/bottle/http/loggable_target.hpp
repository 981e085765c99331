#pragma once

#include <string>
#include <string_view>

namespace bottle::http {

// A request target as a log line may show it: the path (at most 200 bytes,
// cut between characters), each query parameter's key with its value
// replaced by "…" (a parameter without '=' is replaced whole: it may be a
// bare token), a fragment as "#…", and everything through the terminal
// sanitiser. Query values are where agents and clients put secrets
// (?access_token=...), and nothing that logs a target may write one.
std::string loggable_target(std::string_view raw);

// Appends `query` (without its '?') as loggable_target shows it: keys kept,
// values (and parameters without '=') replaced by "…". Not escaped: the
// caller escapes the line it builds.
void append_redacted_query(std::string& out, std::string_view query);

}  // namespace bottle::http
