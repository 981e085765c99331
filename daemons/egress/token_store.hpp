#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace egress {

// The tokens egress was started with: every BOTTLE_TOKEN_<NAME> variable of
// its environment, looked up by <NAME> (a route's token_env). Token values
// stay here; nothing else in egress keeps or prints them.
class TokenStore {
 public:
  // From an environment block (environ).
  static TokenStore from_environment(char** envp);
  explicit TokenStore(std::map<std::string, std::string> by_name) : by_name_(std::move(by_name)) {}

  // The token for `token_env`, or nothing when the bundle was not given one.
  std::optional<std::string_view> find(const std::string& token_env) const;

 private:
  std::map<std::string, std::string> by_name_;
};

}  // namespace egress
