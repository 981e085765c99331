#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allowlist_matcher.hpp"

namespace pipelock {

// Data smuggled out in a host name. `<base32 chunk>.attacker.example` hands
// the chunk to whoever serves attacker.example's DNS the moment anyone looks
// the name up, whether or not the connection is then allowed: so the name is
// judged before pipelock resolves it or opens a tunnel, and this works
// without TLS interception.
//
// What is judged is the part a registrant makes up at will: the labels left
// of the registrable domain (the Public Suffix List's, so that under
// github.io or s3.amazonaws.com the customer's own label is the domain, not
// a subdomain). It is refused when
//   - one of its labels carries more than `threshold` bits of Shannon
//     entropy per character (fetch_proxy.monitoring.subdomain_entropy_threshold,
//     4.0 by default, as in the public pipelock): base32 and base64 chunks
//     of about 20 characters and more; ordinary names, CDN ids and UUIDs
//     stay under it;
//   - or all of them read as one string (a chunk split over short labels)
//     carry more than threshold + kJoinedMargin: joining ordinary labels
//     adds variety (o4504123456789.ingest.us below sentry.io reads as 4.06);
//   - or one of its labels is a run of 32 or more hex digits, which no
//     entropy threshold can catch (16 symbols carry at most 4 bits each).
// Hosts on the exclusion list (exact, or "*.example.com") are not judged.
// This raises the cost of the channel; it cannot close it (a slow enough
// encoding passes any such test): strict mode's allowlist is what closes it.
class HostnameExfiltrationCheck {
 public:
  static constexpr std::size_t kHexRunLength = 32;
  static constexpr double kJoinedMargin = 0.25;

  // threshold <= 0 turns the check off.
  HostnameExfiltrationCheck(double threshold, const std::vector<std::string>& exclusions);

  // Why `host` (normal form, not an IP literal) looks like data, or nothing.
  // The reason names the label by position and length, never its text.
  std::optional<std::string> refusal(std::string_view host) const;

  // `host` with its made-up labels replaced by "<N chars>", for a log line:
  // a refused name is the data it carried.
  static std::string redacted(std::string_view host);

 private:
  double threshold_;
  AllowlistMatcher exclusions_;
};

}  // namespace pipelock
