#include "route_table.hpp"

#include <yaml-cpp/yaml.h>

#include "bottle/config/config_error.hpp"

namespace egress {

using bottle::config::ConfigError;
using bottle::config::YamlContext;

namespace {

bool prefix_matches(std::string_view prefix, std::string_view path) {
  if (!path.starts_with(prefix)) return false;
  return prefix.ends_with('/') || path.size() == prefix.size() || path[prefix.size()] == '/';
}

}  // namespace

RouteTable RouteTable::parse(const std::string& text, const std::string& source,
                             const TokenStore& tokens) {
  const YamlContext ctx(source);
  const YAML::Node root = bottle::config::load_yaml(text, source);
  if (!root.IsMap()) ctx.fail(root, "", "routes.yaml must be a mapping with a 'routes' list");
  ctx.check_keys(root, {"routes"});
  const YAML::Node seq = root["routes"];
  if (!seq) ctx.fail(root, "routes", "is missing");
  RouteTable table;
  table.routes_ = bottle::config::parse_routes(ctx, seq, bottle::config::UnknownKeys::kRefuse);
  for (std::size_t i = 0; i < table.routes_.size(); ++i) {
    const auto& r = table.routes_[i];
    if (!tokens.find(r.token_env)) {
      ctx.within("route " + std::to_string(i + 1))
          .fail(seq[i]["token_env"], "token_env",
                "egress was given no token for '" + r.token_env + "' (" +
                    bottle::config::token_variable_in_bundle(r.token_env) +
                    " is not set); start the bottle with " + r.token_env +
                    " in the host's environment");
    }
  }
  return table;
}

RouteTable RouteTable::load(const std::string& path, const TokenStore& tokens) {
  return parse(bottle::config::read_config_file(path), path, tokens);
}

const bottle::config::Route* RouteTable::match(std::string_view host, std::string_view path) const {
  const bottle::config::Route* best = nullptr;
  for (const auto& r : routes_) {
    if (r.host != host || !prefix_matches(r.path_prefix, path)) continue;
    if (!best || r.path_prefix.size() > best->path_prefix.size()) best = &r;
  }
  return best;
}

}  // namespace egress
