#pragma once

#include <optional>
#include <string>

#include "allowlist_matcher.hpp"
#include "hostname_exfiltration.hpp"
#include "ip_address.hpp"
#include "pipelock_config.hpp"
#include "proxy_target.hpp"
#include "ssrf_policy.hpp"

namespace pipelock {

// What pipelock decides about a request, apart from the network: the port,
// the allowlist, and, once the name is resolved, each address.
class RequestPolicy {
 public:
  explicit RequestPolicy(const PipelockConfig& cfg);

  // Why the host name looks like data smuggled out (judged before any
  // lookup, since the lookup itself would carry it), or nothing.
  std::optional<std::string> exfiltration_refusal(const ProxyTarget& target) const;
  // Why the port or the host is refused before any lookup, or nothing.
  std::optional<std::string> target_refusal(const ProxyTarget& target) const;
  // Why dialling `address` for `target` is refused, or nothing.
  std::optional<std::string> address_refusal(const ProxyTarget& target,
                                             const IpAddress& address) const;
  // Whether tunnels to `host` keep a plain tunnel under tls_interception.
  bool passthrough(const std::string& host) const { return passthrough_.allows(host); }
  // Addresses dns.host_overrides gives for `host`, if any.
  const std::vector<IpAddress>* override_for(const std::string& host) const;

 private:
  const PipelockConfig& cfg_;
  AllowlistMatcher allowlist_;
  AllowlistMatcher trusted_;
  SsrfPolicy ssrf_;
  HostnameExfiltrationCheck exfiltration_;
  AllowlistMatcher passthrough_;
};

}  // namespace pipelock
