#include "routes_document.hpp"

#include <map>

#include "bottle/config/config_error.hpp"
#include "yaml_text.hpp"

namespace host_tools {

using bottle::config::ConfigError;
using bottle::config::Route;

namespace {

constexpr const char* kHeader = "egress routes; change them with `bottle routes`";

YAML::Node route_node(const Route& r) {
  YAML::Node node(YAML::NodeType::Map);
  bottle::config::store_route(r, node);
  return node;
}

YAML::Node routes_sequence(const std::vector<Route>& routes) {
  YAML::Node seq(YAML::NodeType::Sequence);
  for (const auto& r : routes) seq.push_back(route_node(r));
  return seq;
}

}  // namespace

std::string render_routes_config(const std::vector<Route>& routes) {
  YAML::Node root;
  root["routes"] = routes_sequence(routes);
  return emit_yaml(root, kHeader);
}

RoutesDocument RoutesDocument::parse(const std::string& text, const std::string& source) {
  const bottle::config::YamlContext ctx(source);
  RoutesDocument doc;
  doc.root_ = load_yaml(text, source);
  if (!doc.root_.IsMap()) ctx.fail(doc.root_, "", "routes.yaml must be a mapping with 'routes'");
  const YAML::Node seq = doc.root_["routes"];
  if (!seq) ctx.fail(doc.root_, "routes", "is missing");
  doc.routes_ = bottle::config::parse_routes(ctx, seq, bottle::config::UnknownKeys::kKeep);
  return doc;
}

void RoutesDocument::add(const Route& route) {
  for (const auto& r : routes_) {
    if (r.key() == route.key()) {
      throw ConfigError("a route for " + route.key() +
                        " exists already; remove it first, or use `bottle routes set`");
    }
  }
  root_["routes"].push_back(route_node(route));
  routes_.push_back(route);
}

void RoutesDocument::remove(const std::string& host, const std::optional<std::string>& prefix) {
  YAML::Node kept(YAML::NodeType::Sequence);
  std::vector<Route> kept_routes;
  const YAML::Node old = root_["routes"];
  for (size_t i = 0; i < routes_.size(); ++i) {
    const bool match = routes_[i].host == host && (!prefix || routes_[i].path_prefix == *prefix);
    if (match) continue;
    kept.push_back(old[i]);
    kept_routes.push_back(routes_[i]);
  }
  if (kept_routes.size() == routes_.size()) {
    throw ConfigError("no route for " + host + (prefix ? *prefix : std::string()) +
                      " (see `bottle routes show`)");
  }
  root_["routes"] = kept;
  routes_ = std::move(kept_routes);
}

void RoutesDocument::set(const std::vector<Route>& routes) {
  std::map<std::string, YAML::Node> old_nodes;
  const YAML::Node old = root_["routes"];
  for (size_t i = 0; i < routes_.size(); ++i) old_nodes[routes_[i].key()] = old[i];
  YAML::Node seq(YAML::NodeType::Sequence);
  for (const auto& r : routes) {
    auto it = old_nodes.find(r.key());
    if (it == old_nodes.end()) {
      seq.push_back(route_node(r));
    } else {
      YAML::Node node = YAML::Clone(it->second);
      bottle::config::store_route(r, node);
      seq.push_back(node);
    }
  }
  root_["routes"] = seq;
  routes_ = routes;
}

std::string RoutesDocument::render() const { return emit_yaml(root_, kHeader); }

std::vector<Route> parse_routes_text(const std::string& text, const std::string& source) {
  const bottle::config::YamlContext ctx(source);
  YAML::Node root = load_yaml(text, source);
  if (!root || root.IsNull()) return {};
  if (root.IsMap()) {
    if (root.size() != 1 || !root["routes"]) {
      ctx.fail(root, "", "expected a list of routes, or a mapping with only 'routes'");
    }
    root = root["routes"];
    if (root.IsNull()) return {};
  }
  return bottle::config::parse_routes(ctx, root, bottle::config::UnknownKeys::kRefuse);
}

std::string render_routes_list(const std::vector<Route>& routes) {
  if (routes.empty()) return "[]\n";
  YAML::Emitter out;
  out << routes_sequence(routes);
  return std::string(out.c_str()) + "\n";
}

}  // namespace host_tools
