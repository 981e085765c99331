#pragma once

#include <memory>
#include <string>

#include "route_table.hpp"
#include "token_store.hpp"

namespace egress {

// The routes in force and how they change. A request takes the table that
// is current when its head arrives and keeps it to its end, so a reload
// changes what new requests get and never what a request in flight does. A
// file that fails to load leaves the current table in force.
class LiveRoutes {
 public:
  struct ReloadOutcome {
    bool applied = false;
    std::string message;  // for the log: what is in force now, or why not the new file
  };

  // The first load; throws ConfigError, since egress must not start with a bad file.
  LiveRoutes(std::string path, const TokenStore& tokens);

  std::shared_ptr<const RouteTable> current() const { return current_; }
  ReloadOutcome reload();

 private:
  std::string path_;
  const TokenStore& tokens_;
  std::shared_ptr<const RouteTable> current_;
};

}  // namespace egress
