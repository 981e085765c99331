#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace pipelock {

// api_allowlist: exact hostnames, and "*.example.com", which matches
// example.com itself and every name under it (a.example.com, a.b.example.com),
// as pipelock defines it. Case-insensitive; a trailing dot is ignored; IDNs
// are matched in their punycode form, which is what clients send.
class AllowlistMatcher {
 public:
  explicit AllowlistMatcher(const std::vector<std::string>& entries);
  bool allows(std::string_view host) const;

 private:
  std::unordered_set<std::string> exact_;
  std::unordered_set<std::string> suffixes_;  // "example.com" for "*.example.com"
};

}  // namespace pipelock
