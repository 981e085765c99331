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

// Why a host that hostname_problem accepts still names no single public site,
// or nothing when it names one. The stricter rule for hosts an agent proposes
// (supervise, and `bottle proposals` reading them back); the operator's own
// edits (`bottle pipelock add`, routes, manifests) keep to hostname_problem,
// since the operator may mean an internal mirror or a whole suffix. Refused:
//   - IP literals: a last label of digits only, or anything inet_aton reads as
//     an address (0x7f.1, 127.1, 2130706433);
//   - internal names: one label only (resolved through search domains, like
//     the bundle's own "pipelock"), localhost and *.localhost, and the names
//     under local, internal, intranet, lan, home, corp, private, arpa, invalid
//     and onion;
//   - a public suffix (com, co.uk, github.io), or a wildcard directly over one
//     (*.com, *.github.io): names anyone can register under. The list is the
//     Public Suffix List as Debian ships it (libpsl, with the publicsuffix
//     data when it is newer than libpsl's own copy), private suffixes included.
std::optional<std::string> public_site_problem(std::string_view host);

// The name a registrant controls everything under: `host` less its labels
// left of its public suffix plus one (registrable_domain("a.b.example.co.uk")
// is "example.co.uk"), by the same Public Suffix List; nothing for a public
// suffix itself or an IP literal. `host` in normal form.
std::optional<std::string> registrable_domain(std::string_view host);

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
