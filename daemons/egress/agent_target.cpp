#include "agent_target.hpp"

#include <cctype>

#include "bottle/config/hostname_rules.hpp"

namespace egress {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool has_dot_segment(std::string_view path) {
  // Decode twice: a server behind a server may decode again.
  const std::string decoded = percent_decoded(percent_decoded(path));
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = decoded.find_first_of("/\\", start);
    const std::string_view segment =
        std::string_view(decoded).substr(start, end == std::string::npos ? end : end - start);
    if (segment == "." || segment == "..") return true;
    if (end == std::string::npos) return false;
    start = end + 1;
  }
}

}  // namespace

std::string percent_decoded(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::optional<AgentTarget> parse_agent_target(std::string_view target, std::string* problem) {
  auto fail = [&](std::string why) -> std::optional<AgentTarget> {
    *problem = std::move(why);
    return std::nullopt;
  };
  const char* shape = "egress URLs have the form http://egress:8080/<host>/<path>";
  if (!target.starts_with('/')) return fail(std::string("not an origin-form target; ") + shape);
  std::string_view query;
  if (std::size_t q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  if (std::size_t hash = query.find('#'); hash != std::string_view::npos) {
    query = query.substr(0, hash);
  }
  target.remove_prefix(1);
  const std::size_t slash = target.find('/');
  const std::string_view host = target.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "/" : target.substr(slash);
  if (host.empty()) return fail(std::string("no host in the path; ") + shape);
  if (auto why = bottle::config::hostname_problem(host, bottle::config::Wildcards::kRefused)) {
    return fail("'" + std::string(host.substr(0, 100)) + "' " + *why + "; " + shape);
  }
  for (unsigned char c : path) {
    if (c <= 0x20 || c >= 0x7f) return fail("the path contains a space or control character");
  }
  if (has_dot_segment(path)) return fail("the path contains a '.' or '..' segment");
  return AgentTarget{bottle::config::normalize_hostname(host), std::string(path),
                     std::string(query)};
}

std::string loggable_path(const AgentTarget& t) {
  std::string out = t.path;
  if (t.query.empty()) return out;
  out += '?';
  std::size_t start = 0;
  bool first = true;
  for (;;) {
    const std::size_t end = t.query.find('&', start);
    const std::string_view pair = std::string_view(t.query).substr(
        start, end == std::string::npos ? std::string::npos : end - start);
    if (!first) out += '&';
    first = false;
    const std::size_t eq = pair.find('=');
    out += pair.substr(0, eq);
    if (eq != std::string_view::npos) out += "=…";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace egress
