#include "bottle/config/hostname_rules.hpp"

#include <arpa/inet.h>
#include <libpsl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "bottle/config/config_error.hpp"
#include "bottle/text/ascii.hpp"

namespace bottle::config {

namespace {

bool is_host_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c == '-'; }

std::string printable(unsigned char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  static const char* hex = "0123456789abcdef";
  return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
}

// The Public Suffix List: the publicsuffix package's copy when it is newer than
// the one built into libpsl, else libpsl's own. Loaded once, read-only after.
const psl_ctx_t* public_suffix_list() {
  struct Loaded {
    psl_ctx_t* latest = psl_latest(nullptr);
    ~Loaded() { psl_free(latest); }
  };
  static const Loaded loaded;
  return loaded.latest ? loaded.latest : psl_builtin();
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// A top-level label is never digits only, and whatever inet_aton takes is an
// IPv4 address to some resolver (127.1, 0x7f.0.0.1, 2130706433).
bool looks_like_ip_literal(const std::string& host) {
  const std::size_t dot = host.rfind('.');
  if (all_digits(dot == std::string::npos ? host : host.substr(dot + 1))) return true;
  in_addr address{};
  return ::inet_aton(host.c_str(), &address) != 0;
}

// Top-level names that no public site is under: special-use (RFC 6761,
// RFC 6762, RFC 7686), reserved for private use, or in common private use.
constexpr std::array<std::string_view, 11> kInternalTopLevel = {
    "localhost", "local",   "internal", "intranet", "lan",  "home",
    "corp",      "private", "arpa",     "invalid",  "onion"};

}  // namespace

std::optional<std::string> registrable_domain(std::string_view raw) {
  const std::string host(raw);
  if (host.empty() || looks_like_ip_literal(host)) return std::nullopt;
  const psl_ctx_t* list = public_suffix_list();
  if (!list) return std::nullopt;
  const char* domain = psl_registrable_domain(list, host.c_str());
  if (!domain) return std::nullopt;
  return std::string(domain);
}

std::optional<std::string> public_site_problem(std::string_view raw) {
  const std::string normal = normalize_hostname(raw);
  const bool wildcard = normal.starts_with("*.");
  const std::string host = wildcard ? normal.substr(2) : normal;
  if (looks_like_ip_literal(host)) {
    return std::string("is an IP address; propose the host's name");
  }
  const psl_ctx_t* list = public_suffix_list();
  if (!list) return std::string("cannot be checked: the Public Suffix List is not installed");
  const std::size_t dot = host.rfind('.');
  const std::string top = dot == std::string::npos ? host : host.substr(dot + 1);
  const bool listed_suffix =
      dot == std::string::npos
          ? psl_is_public_suffix2(list, host.c_str(), PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0
          : psl_is_public_suffix2(list, host.c_str(), PSL_TYPE_ANY) != 0;
  if (std::find(kInternalTopLevel.begin(), kInternalTopLevel.end(), top) !=
      kInternalTopLevel.end()) {
    return "is an internal name: ." + top + " names no public site";
  }
  if (listed_suffix) {
    if (wildcard) {
      return "covers every name anyone registers under " + host +
             ", a public suffix; propose the exact hosts";
    }
    return "is a public suffix (names are registered under it); propose the exact host";
  }
  if (dot == std::string::npos) {
    return std::string(
        "is a single label, which resolves through search domains to an internal host");
  }
  return std::nullopt;
}

std::optional<std::string> hostname_problem(std::string_view host, Wildcards wildcards) {
  if (host.empty()) return "is empty";
  std::string_view rest = host;
  if (rest.starts_with("*.")) {
    if (wildcards == Wildcards::kRefused) return "is a wildcard, which is not allowed here";
    rest.remove_prefix(2);
  }
  if (rest.ends_with('.')) rest.remove_suffix(1);
  if (rest.empty()) return "names no host";
  for (unsigned char c : rest) {
    if (c >= 0x80) {
      return "has a non-ASCII character: write internationalised names in their punycode "
             "form (xn--...)";
    }
    if (!is_host_char(c)) {
      return "has the character " + printable(c) +
             ", which is not allowed (letters, digits, '_', '.', '-'" +
             (wildcards == Wildcards::kAllowed ? std::string(", and a leading '*.')") : ")");
    }
  }
  if (rest.size() > 253) return "is longer than 253 characters";
  size_t start = 0;
  while (start <= rest.size()) {
    size_t dot = rest.find('.', start);
    size_t end = dot == std::string_view::npos ? rest.size() : dot;
    if (end == start) return "has an empty label (two dots in a row, or a leading dot)";
    if (end - start > 63) return "has a label longer than 63 characters";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::nullopt;
}

std::string normalize_hostname(std::string_view host) {
  if (host.ends_with('.') && host.size() > 1) host.remove_suffix(1);
  return bottle::text::ascii_lower(host);
}

std::string checked_hostname(const YamlContext& ctx, const YAML::Node& at, const std::string& key,
                             const std::string& host, Wildcards wildcards) {
  if (auto problem = hostname_problem(host, wildcards))
    ctx.fail(at, key, "'" + host + "' " + *problem);
  return normalize_hostname(host);
}

std::vector<std::string> parse_host_lines(std::string_view text, const std::string& source) {
  std::vector<std::string> hosts;
  std::set<std::string> seen;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
      line.remove_prefix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
      line.remove_suffix(1);
    if (line.empty()) continue;
    if (auto problem = hostname_problem(line, Wildcards::kAllowed)) {
      throw ConfigError(source + ":" + std::to_string(line_no) + ": '" + std::string(line) + "' " +
                        *problem);
    }
    std::string host = normalize_hostname(line);
    if (seen.insert(host).second) hosts.push_back(host);
  }
  return hosts;
}

}  // namespace bottle::config
