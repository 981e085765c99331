#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The one definition of what a hostname in an allowlist or a route may look
// like, shared by the host tool, pipelock and supervise so that a proposal the
// agent makes is judged exactly as the operator's own edit would be.
namespace YAML {
class Node;
}

namespace bottle::config {

class YamlContext;

enum class Wildcards { kAllowed, kRefused };

// Why `host` is not acceptable, or nothing when it is. Accepted: letters,
// digits, '_', '.', '-' (IDNs in their punycode form), optionally with a
// leading "*." when wildcards are allowed; labels non-empty and at most 63
// characters; at most 253 characters in all; one trailing dot is ignored.
std::optional<std::string> hostname_problem(std::string_view host, Wildcards wildcards);

// Lower case, without the trailing dot: the form stored in configs.
std::string normalize_hostname(std::string_view host);

// `host`, read from YAML node `at` under `key`, in normal form; when it breaks
// the rules, a ConfigError from `ctx` naming the line, the key and the value.
std::string checked_hostname(const YamlContext& ctx, const YAML::Node& at, const std::string& key,
                             const std::string& host, Wildcards wildcards);

// Hosts one per line: '#' starts a comment, blank lines are ignored,
// duplicates are dropped (first one kept). A bad line throws ConfigError
// naming `source`, the line number and the value.
std::vector<std::string> parse_host_lines(std::string_view text, const std::string& source);

}  // namespace bottle::config
