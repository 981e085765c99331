#include "agent_target.hpp"

#include "bottle/config/hostname_rules.hpp"
#include "bottle/http/loggable_target.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/text/utf8.hpp"
#include "canonical_target.hpp"

namespace egress {

namespace {

// "a=1&b" -> "a=…&b": keys stay, values go.
}  // namespace

std::optional<AgentTarget> parse_agent_target(std::string_view target, std::string* problem) {
  auto fail = [&](std::string why) -> std::optional<AgentTarget> {
    *problem = std::move(why);
    return std::nullopt;
  };
  const char* shape = "egress URLs have the form http://egress:8080/<host>/<path>";
  if (!target.starts_with('/')) return fail(std::string("not an origin-form target; ") + shape);
  if (target.find('#') != std::string_view::npos) {
    return fail("a fragment ('#') is not part of a request");
  }
  std::string_view query;
  const std::size_t q = target.find('?');
  if (q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  target.remove_prefix(1);
  const std::size_t slash = target.find('/');
  const std::string_view host = target.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "/" : target.substr(slash);
  if (host.empty()) return fail(std::string("no host in the path; ") + shape);
  if (auto why = bottle::config::hostname_problem(host, bottle::config::Wildcards::kRefused)) {
    return fail("'" + std::string(bottle::text::truncate_utf8(host, 100)) + "' " + *why + "; " +
                shape);
  }
  if (auto why = path_problem(path)) return fail(*why);
  if (q != std::string_view::npos) {
    if (auto why = query_problem(query)) return fail(*why);
  }
  return AgentTarget{bottle::config::normalize_hostname(host), std::string(path),
                     std::string(query)};
}

std::string loggable_path(const AgentTarget& t) {
  std::string out = t.path;
  if (t.query.empty()) return out;
  out += '?';
  bottle::http::append_redacted_query(out, t.query);
  return out;
}

}  // namespace egress
