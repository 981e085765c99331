#include "proxy_target.hpp"

#include <charconv>

#include "bottle/config/hostname_rules.hpp"
#include "bottle/text/ascii.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "ip_address.hpp"

namespace pipelock {

namespace {

std::optional<ProxyTarget> parse_authority(std::string_view authority, int default_port,
                                           std::string* problem) {
  auto fail = [&](const std::string& why) -> std::optional<ProxyTarget> {
    *problem = why;
    return std::nullopt;
  };
  ProxyTarget t;
  std::string_view host;
  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail("junk after IPv6 literal");
      port = rest.substr(1);
    }
    if (!IpAddress::parse(host) || !IpAddress::parse(host)->v6) return fail("bad IPv6 literal");
    t.ip_literal = true;
  } else {
    const size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (IpAddress::parse(host)) {
      t.ip_literal = true;
    } else if (auto p =
                   bottle::config::hostname_problem(host, bottle::config::Wildcards::kRefused)) {
      return fail("host '" + bottle::text::shown_input(host) + "' " + *p);
    }
  }
  if (port.empty()) {
    if (default_port == 0) return fail("no port");
    t.port = default_port;
  } else {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), t.port);
    if (ec != std::errc() || end != port.data() + port.size() || t.port < 1 || t.port > 65535) {
      return fail("bad port '" + bottle::text::shown_input(port, 8) + "'");
    }
  }
  t.host = bottle::config::normalize_hostname(host);
  return t;
}

}  // namespace

std::optional<ProxyTarget> parse_connect_target(std::string_view authority, std::string* problem) {
  return parse_authority(authority, 0, problem);
}

std::optional<ProxyTarget> parse_absolute_uri(std::string_view uri, std::string* problem) {
  constexpr std::string_view kScheme = "http://";
  if (!bottle::text::ascii_iequals(uri.substr(0, kScheme.size()), kScheme)) {
    *problem = uri.starts_with("/") ? "not a proxy request (no absolute URI)"
                                    : "only http:// URLs; use CONNECT for https";
    return std::nullopt;
  }
  std::string_view rest = uri.substr(kScheme.size());
  const size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) {
    *problem = "credentials in the URL";
    return std::nullopt;
  }
  auto t = parse_authority(authority, 80, problem);
  if (!t) return t;
  std::string path(path_start == std::string_view::npos ? "" : rest.substr(path_start));
  if (const size_t hash = path.find('#'); hash != std::string::npos) path.resize(hash);
  if (path.empty() || path.front() != '/') path.insert(0, "/");
  t->origin_form = path;
  return t;
}

}  // namespace pipelock
