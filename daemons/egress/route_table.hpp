#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bottle/config/route.hpp"
#include "token_store.hpp"

namespace egress {

// The routes of one routes.yaml, checked as a whole: every route parses
// (the rules the host tool applies), no key is unknown, and every token a
// route needs is in egress's environment. A table is never changed once
// built; a reload builds a new one.
class RouteTable {
 public:
  // Throws bottle::config::ConfigError naming `source`, the line and the key.
  static RouteTable parse(const std::string& text, const std::string& source,
                          const TokenStore& tokens);
  static RouteTable load(const std::string& path, const TokenStore& tokens);

  // The route for `host` whose path prefix is the longest one `path` starts
  // with, on a segment boundary ("/repos/a" matches "/repos/a" and
  // "/repos/a/x", not "/repos/ab"); nullptr when none.
  const bottle::config::Route* match(std::string_view host, std::string_view path) const;
  const std::vector<bottle::config::Route>& routes() const { return routes_; }

 private:
  std::vector<bottle::config::Route> routes_;
};

}  // namespace egress
