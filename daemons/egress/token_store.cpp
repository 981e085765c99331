#include "token_store.hpp"

#include "bottle/config/route.hpp"

namespace egress {

TokenStore TokenStore::from_environment(char** envp) {
  const std::string prefix = bottle::config::token_variable_in_bundle("");
  std::map<std::string, std::string> by_name;
  for (char** e = envp; e && *e; ++e) {
    const std::string_view entry(*e);
    const std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos || !entry.starts_with(prefix)) continue;
    by_name.emplace(std::string(entry.substr(prefix.size(), eq - prefix.size())),
                    std::string(entry.substr(eq + 1)));
  }
  return TokenStore(by_name);
}

TokenStore::TokenStore(const std::map<std::string, std::string>& by_name) {
  for (const auto& [name, value] : by_name) {
    if (value.empty()) continue;  // as good as missing: find() says there is none
    by_name_.emplace(name, Token{value, std::make_shared<const ReflectionPatterns>(value)});
  }
}

std::optional<std::string_view> TokenStore::find(const std::string& token_env) const {
  auto it = by_name_.find(token_env);
  if (it == by_name_.end()) return std::nullopt;
  return it->second.value;
}

const ReflectionPatterns* TokenStore::patterns(const std::string& token_env) const {
  auto it = by_name_.find(token_env);
  return it == by_name_.end() ? nullptr : it->second.patterns.get();
}

}  // namespace egress
