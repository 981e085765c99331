#include "bottle/config/route.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <set>

#include "bottle/config/config_error.hpp"
#include "bottle/config/hostname_rules.hpp"
#include "bottle/text/join.hpp"

namespace bottle::config {

namespace {

const std::set<std::string> kRouteKeys = {"host",  "path_prefix", "upstream", "header",
                                          "value", "token_env",   "methods"};

// RFC 9110 token characters: what a header name may be made of.
bool is_tchar(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string scalar(const YamlContext& ctx, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) ctx.fail(node, key, "must be a string");
  return node.Scalar();
}

void check_upstream(const YamlContext& ctx, const YAML::Node& at, const std::string& upstream) {
  // Tokens travel to the upstream: plain http would hand them to anyone on the path.
  const std::string_view scheme = "https://";
  if (!std::string_view(upstream).starts_with(scheme)) {
    ctx.fail(at, "upstream", "'" + upstream + "' must start with https://");
  }
  std::string_view rest = std::string_view(upstream).substr(scheme.size());
  std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.find_first_of("@?#") != std::string_view::npos) {
    ctx.fail(at, "upstream", "'" + upstream + "' must be https://host[:port][/path]");
  }
  std::string_view host = authority;
  if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    std::string_view port = authority.substr(colon + 1);
    int number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number < 1 ||
        number > 65535) {
      ctx.fail(at, "upstream", "'" + upstream + "' has a bad port");
    }
  }
  if (auto problem = hostname_problem(host, Wildcards::kRefused)) {
    ctx.fail(at, "upstream", "host '" + std::string(host) + "' " + *problem);
  }
}

std::vector<std::string> parse_methods(const YamlContext& ctx, const YAML::Node& node) {
  std::vector<std::string> names;
  if (node.IsSequence()) {
    for (const auto& item : node) names.push_back(scalar(ctx, item, "methods"));
  } else if (node.IsScalar()) {
    const std::string text = node.Scalar();
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = text.find_first_of(", ", start);
      const std::string name = text.substr(start, end == std::string::npos ? end : end - start);
      if (!name.empty()) names.push_back(name);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  } else {
    ctx.fail(node, "methods", "must be a list of method names (for example [GET, HEAD])");
  }
  if (names.empty()) ctx.fail(node, "methods", "must name at least one method");
  std::set<std::string> seen;
  for (const auto& name : names) {
    bool ok = !name.empty();
    for (unsigned char c : name) ok = ok && is_tchar(c) && !std::islower(c);
    if (!ok) {
      ctx.fail(node, "methods",
               "'" + name + "' is not a method name (methods are upper case, as in GET)");
    }
    if (method_never_forwarded(name)) {
      ctx.fail(node, "methods",
               "'" + name +
                   "' is never forwarded (TRACE and TRACK send the token back, CONNECT "
                   "would open a tunnel past the route)");
    }
    if (!seen.insert(name).second) ctx.fail(node, "methods", "'" + name + "' is listed twice");
  }
  return names;
}

}  // namespace

std::vector<std::string> default_route_methods() {
  return {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
}

bool method_never_forwarded(std::string_view method) {
  return method == "TRACE" || method == "TRACK" || method == "CONNECT";
}

bool Route::allows(std::string_view method) const {
  if (method_never_forwarded(method)) return false;
  for (const auto& m : methods) {
    if (m == method) return true;
  }
  return false;
}

std::string Route::summary() const {
  std::string out = host + path_prefix + " -> " + upstream + " [" + header + ": " + value +
                    ", token from $" + token_env;
  if (methods != default_route_methods()) {
    out += ", methods ";
    out += bottle::text::join(methods, ", ");
  }
  return out + "]";
}

std::string token_variable_in_bundle(const std::string& token_env) {
  return "BOTTLE_TOKEN_" + token_env;
}

Route parse_route(const YamlContext& ctx, const YAML::Node& node, UnknownKeys unknown) {
  if (!node.IsMap()) ctx.fail(node, "", "a route must be a mapping");
  ctx.check_keys(node, kRouteKeys, unknown == UnknownKeys::kKeep);
  Route r;
  for (const char* required : {"host", "upstream", "token_env"}) {
    if (!node[required]) ctx.fail(node, required, "is required");
  }
  const YAML::Node host = node["host"];
  r.host = checked_hostname(ctx, host, "host", scalar(ctx, host, "host"), Wildcards::kRefused);

  if (const YAML::Node p = node["path_prefix"]) {
    r.path_prefix = scalar(ctx, p, "path_prefix");
    if (!r.path_prefix.starts_with('/')) ctx.fail(p, "path_prefix", "must start with '/'");
    for (unsigned char c : r.path_prefix) {
      if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#') {
        ctx.fail(p, "path_prefix", "'" + r.path_prefix + "' may not contain spaces, '?' or '#'");
      }
    }
  }

  const YAML::Node upstream = node["upstream"];
  r.upstream = scalar(ctx, upstream, "upstream");
  check_upstream(ctx, upstream, r.upstream);

  if (const YAML::Node h = node["header"]) {
    r.header = scalar(ctx, h, "header");
    bool ok = !r.header.empty();
    for (unsigned char c : r.header) ok = ok && is_tchar(c);
    if (!ok) ctx.fail(h, "header", "'" + r.header + "' is not a valid header name");
  }
  if (const YAML::Node v = node["value"]) {
    r.value = scalar(ctx, v, "value");
    size_t first = r.value.find("{token}");
    if (first == std::string::npos || r.value.find("{token}", first + 1) != std::string::npos) {
      ctx.fail(v, "value", "must contain {token} exactly once (for example \"Bearer {token}\")");
    }
    for (unsigned char c : r.value) {
      if (c < 0x20 || c == 0x7f) ctx.fail(v, "value", "may not contain control characters");
    }
  }

  if (const YAML::Node m = node["methods"]) r.methods = parse_methods(ctx, m);

  const YAML::Node env = node["token_env"];
  r.token_env = scalar(ctx, env, "token_env");
  bool ok = !r.token_env.empty() && !std::isdigit(static_cast<unsigned char>(r.token_env[0]));
  for (unsigned char c : r.token_env) ok = ok && (std::isalnum(c) || c == '_');
  if (!ok) {
    ctx.fail(env, "token_env",
             "'" + r.token_env + "' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
  }
  return r;
}

std::vector<Route> parse_routes(const YamlContext& ctx, const YAML::Node& seq,
                                UnknownKeys unknown) {
  if (!seq.IsSequence()) ctx.fail(seq, "routes", "must be a list of routes");
  std::vector<Route> routes;
  std::set<std::string> keys;
  int index = 0;
  for (const auto& item : seq) {
    ++index;
    Route r = parse_route(ctx.within("route " + std::to_string(index)), item, unknown);
    if (!keys.insert(r.key()).second) {
      ctx.fail(
          item, "",
          "route " + std::to_string(index) + " repeats host and path_prefix '" + r.key() + "'");
    }
    routes.push_back(std::move(r));
  }
  return routes;
}

void store_route(const Route& route, YAML::Node& node) {
  node["host"] = route.host;
  node["path_prefix"] = route.path_prefix;
  node["upstream"] = route.upstream;
  node["header"] = route.header;
  node["value"] = route.value;
  node["token_env"] = route.token_env;
  if (route.methods == default_route_methods()) {
    node.remove("methods");
  } else {
    YAML::Node list(YAML::NodeType::Sequence);
    list.SetStyle(YAML::EmitterStyle::Flow);
    for (const auto& m : route.methods) list.push_back(m);
    node["methods"] = list;
  }
}

}  // namespace bottle::config
