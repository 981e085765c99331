#include "bottle/proposals/upstream_rules.hpp"

#include <cctype>

#include "bottle/config/hostname_rules.hpp"
#include "bottle/text/terminal_escape.hpp"

namespace bottle::proposals {

namespace {

bool is_path_char(unsigned char c) {
  return std::isalnum(c) || std::string_view("-._~!$&'()*+,;=:@/").find(static_cast<char>(c)) !=
                                std::string_view::npos;
}

// The character at `i`, named so that the operator can see what it is.
std::string named(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c > 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  if (c == ' ') return "a space";
  return bottle::text::escape_for_terminal(text.substr(i, 1));
}

// A segment that a client or server resolves away: ".", "..", and their
// percent-encoded spellings ("%2e", ".%2E", ...).
bool is_dot_segment(std::string_view segment) {
  std::size_t dots = 0;
  for (std::size_t i = 0; i < segment.size();) {
    if (segment[i] == '.') {
      ++dots;
      ++i;
    } else if (segment.substr(i, 3) == "%2e" || segment.substr(i, 3) == "%2E") {
      ++dots;
      i += 3;
    } else {
      return false;
    }
  }
  return dots == 1 || dots == 2;
}

std::optional<std::string> path_problem(std::string_view path) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '%') {
      if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(path[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
        return "has a '%' at byte " + std::to_string(i + 1) +
               " of its path that is not followed by two hex digits";
      }
      i += 2;
      continue;
    }
    if (c == '?' || c == '#') {
      return "has a query or a fragment ('" + std::string(1, static_cast<char>(c)) +
             "'); an upstream is a base URL: https://host[:port][/path]";
    }
    if (!is_path_char(c)) {
      return "has " + named(path, i) + " at byte " + std::to_string(i + 1) +
             " of its path; a path holds only RFC 3986 path characters (letters, digits, "
             "-._~!$&'()*+,;=:@/ and %XX)";
    }
  }
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (is_dot_segment(path.substr(start, end - start))) {
      return std::string("has a '.' or '..' segment in its path, which servers resolve away");
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> port_problem(std::string_view port) {
  if (port.empty() || port.size() > 5 || port[0] == '0') return "has a bad port";
  int number = 0;
  for (unsigned char c : port) {
    if (!std::isdigit(c)) return "has a bad port";
    number = number * 10 + (c - '0');
  }
  if (number < 1 || number > 65535) return "has a bad port";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> upstream_problem(std::string_view upstream) {
  if (upstream.size() > kMaxUpstreamBytes) {
    return "is " + std::to_string(upstream.size()) + " bytes long (at most " +
           std::to_string(kMaxUpstreamBytes) + ")";
  }
  constexpr std::string_view kScheme = "https://";
  // Tokens travel to the upstream: plain http would hand them to anyone on the path.
  if (!upstream.starts_with(kScheme)) return "must start with https://";
  const std::string_view rest = upstream.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  std::string_view host = authority;
  if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    if (auto problem = port_problem(authority.substr(colon + 1))) return problem;
  }
  if (auto problem = bottle::config::hostname_problem(host, bottle::config::Wildcards::kRefused)) {
    return "has a host that " + *problem;
  }
  if (bottle::config::normalize_hostname(host) != host) {
    return std::string("must name its host in lower case, without a trailing dot");
  }
  if (auto problem = bottle::config::public_site_problem(host)) {
    return "has a host that " + *problem;
  }
  return path_problem(path);
}

}  // namespace bottle::proposals
