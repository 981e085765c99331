#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "bottle/config/route.hpp"

namespace host_tools {

// The routes.yaml a new bottle starts with.
std::string render_routes_config(const std::vector<bottle::config::Route>& routes);

// A live routes.yaml: routes can be listed, added, removed and replaced; other
// top-level keys, and keys inside a route that this tool does not know, are
// written back as they were.
class RoutesDocument {
 public:
  static RoutesDocument parse(const std::string& text, const std::string& source);

  const std::vector<bottle::config::Route>& routes() const { return routes_; }
  // Throws ConfigError when a route with the same host and path prefix exists.
  void add(const bottle::config::Route& route);
  // Removes the routes for `host` (only the one under `path_prefix` when given);
  // throws ConfigError when there is none.
  void remove(const std::string& host, const std::optional<std::string>& path_prefix);
  // Replaces every route; a route whose host and prefix existed keeps its unknown keys.
  void set(const std::vector<bottle::config::Route>& routes);
  std::string render() const;

 private:
  YAML::Node root_;
  std::vector<bottle::config::Route> routes_;
};

// Routes as the operator edits them: a YAML list, or a mapping with a `routes` key.
std::vector<bottle::config::Route> parse_routes_text(const std::string& text,
                                                     const std::string& source);
// The routes as a YAML list, for `show` and `edit`.
std::string render_routes_list(const std::vector<bottle::config::Route>& routes);

}  // namespace host_tools
