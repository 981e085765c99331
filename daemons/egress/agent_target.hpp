#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace egress {

// What the agent asked for. The agent addresses egress as
// http://egress:8080/<host>/<path>?<query>: the first path segment names the
// service, the rest is the path on it.
struct AgentTarget {
  std::string host;   // normal form (lower case)
  std::string path;   // starts with '/'; in canonical form, forwarded as it is
  std::string query;  // without the '?'; empty when there is no '?'
};

// Splits an origin-form request target. Nothing when it is not of that form,
// or when its path or query is not in the canonical form
// (canonical_target.hpp), with `problem` saying why (never quoting the
// query, whose values can be secrets).
std::optional<AgentTarget> parse_agent_target(std::string_view target, std::string* problem);

// The path and the query with every value replaced by "…": what the request
// log may show (query values can be secrets).
std::string loggable_path(const AgentTarget& t);

}  // namespace egress
