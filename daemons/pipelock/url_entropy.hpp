#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allowlist_matcher.hpp"

namespace pipelock {

// Encoded data in a URL the rules do not know: a path segment or a query
// value (percent-decoded) of kMinLength characters or more whose Shannon
// entropy passes `threshold` bits per character
// (fetch_proxy.monitoring.entropy_threshold; 5.0 by default, the public
// pipelock's Claude Code preset). Ordinary URLs stay under it: CDN hashes,
// UUIDs, hex digests, package tarball names, an AWS credential scope, a
// Content-Disposition. Random base64 of about 48 bytes and more, and most
// tokens, pass it. A backstop behind the DLP rules, which know the formats:
// short random values are too like ordinary ones to be told apart here.
// Hosts in `query_exclusions` (fetch_proxy.monitoring.query_entropy_exclusions)
// skip the check of their query values (presigned URLs carry signatures).
class UrlEntropyCheck {
 public:
  static constexpr std::size_t kMinLength = 24;

  UrlEntropyCheck(double threshold, const std::vector<std::string>& query_exclusions);

  // Why `target` ("/path?query") for `host` looks like it carries data, or nothing.
  std::optional<std::string> refusal(std::string_view host, std::string_view target) const;

 private:
  std::optional<std::string> judge(std::string_view value, const std::string& where) const;

  double threshold_;
  AllowlistMatcher query_exclusions_;
};

}  // namespace pipelock
