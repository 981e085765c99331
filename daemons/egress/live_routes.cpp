#include "live_routes.hpp"

#include "bottle/config/config_error.hpp"

namespace egress {

LiveRoutes::LiveRoutes(std::string path, const TokenStore& tokens)
    : path_(std::move(path)),
      tokens_(tokens),
      current_(std::make_shared<const RouteTable>(RouteTable::load(path_, tokens_))) {}

LiveRoutes::ReloadOutcome LiveRoutes::reload() {
  try {
    auto next = std::make_shared<const RouteTable>(RouteTable::load(path_, tokens_));
    current_ = std::move(next);
    return {true, "reloaded " + path_ + ": " + std::to_string(current_->routes().size()) +
                      " routes in force"};
  } catch (const std::exception& e) {
    return {false, std::string("reload refused, keeping the ") +
                       std::to_string(current_->routes().size()) + " routes in force: " + e.what()};
  }
}

}  // namespace egress
