#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace bottle::config {

class YamlContext;

// The methods a route forwards when it names none.
std::vector<std::string> default_route_methods();

// Methods no route forwards: TRACE and TRACK make a server send the request
// back, injected header included; CONNECT would open a tunnel past the route.
bool method_never_forwarded(std::string_view method);

// One egress route: requests for `host` (and, when set, under `path_prefix`)
// are sent to `upstream` with `header: value`, where "{token}" in `value` is
// replaced by the token. The token itself is never here: `token_env` names the
// operator's environment variable, which the bundle carries into egress as
// BOTTLE_TOKEN_<token_env>. Only `methods` are forwarded (a read-only route
// lists GET and HEAD).
struct Route {
  std::string host;
  std::string path_prefix = "/";
  std::string upstream;
  std::string header = "Authorization";
  std::string value = "Bearer {token}";
  std::string token_env;
  std::vector<std::string> methods = default_route_methods();

  bool allows(std::string_view method) const;

  // Two routes with the same key cannot both exist.
  std::string key() const { return host + path_prefix; }
  // One line for diffs and listings.
  std::string summary() const;
  bool operator==(const Route&) const = default;
};

// The environment variable egress reads the token of `token_env` from.
std::string token_variable_in_bundle(const std::string& token_env);

enum class UnknownKeys { kRefuse, kKeep };

// Reads one route mapping, checking every field. `methods` is a list, or a
// string of names separated by commas or spaces (as a command-line flag or a
// JSON proposal gives it). Unknown keys are an error
// unless the caller keeps them (the live file may carry keys of a newer tool).
Route parse_route(const YamlContext& ctx, const YAML::Node& node, UnknownKeys unknown);

// Reads a sequence of routes; two routes with the same host and prefix are an error.
std::vector<Route> parse_routes(const YamlContext& ctx, const YAML::Node& seq, UnknownKeys unknown);

// Writes the route's known keys into `node` (a mapping), leaving others as
// they are; `methods` only when they are not the default list.
void store_route(const Route& route, YAML::Node& node);

}  // namespace bottle::config
