#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "reflection_patterns.hpp"

namespace egress {

// The tokens egress was started with: every BOTTLE_TOKEN_<NAME> variable of
// its environment, looked up by <NAME> (a route's token_env), each with its
// forms compiled for the reflection guard once, at start. Token values stay
// here; nothing else in egress keeps or prints them.
class TokenStore {
 public:
  // From an environment block (environ).
  static TokenStore from_environment(char** envp);
  explicit TokenStore(const std::map<std::string, std::string>& by_name);

  // The token for `token_env`, or nothing when the bundle was not given one.
  std::optional<std::string_view> find(const std::string& token_env) const;
  // The forms of that token the reflection guard looks for (nullptr when there is no token).
  const ReflectionPatterns* patterns(const std::string& token_env) const;

 private:
  struct Token {
    std::string value;
    std::shared_ptr<const ReflectionPatterns> patterns;
  };
  std::map<std::string, Token> by_name_;
};

}  // namespace egress
