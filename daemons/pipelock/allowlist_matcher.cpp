#include "allowlist_matcher.hpp"

#include "bottle/config/hostname_rules.hpp"

namespace pipelock {

AllowlistMatcher::AllowlistMatcher(const std::vector<std::string>& entries) {
  for (const auto& e : entries) {
    const std::string host = bottle::config::normalize_hostname(e);
    if (host.starts_with("*.")) {
      suffixes_.insert(host.substr(2));
    } else {
      exact_.insert(host);
    }
  }
}

bool AllowlistMatcher::allows(std::string_view raw) const {
  const std::string host = bottle::config::normalize_hostname(raw);
  if (host.empty()) return false;
  if (exact_.count(host)) return true;
  // The name itself and each parent: a.b.example.com, b.example.com, example.com.
  for (std::string_view rest = host;;) {
    if (suffixes_.count(std::string(rest))) return true;
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return false;
    rest.remove_prefix(dot + 1);
  }
}

}  // namespace pipelock
