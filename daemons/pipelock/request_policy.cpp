#include "request_policy.hpp"

#include <algorithm>

#include "bottle/text/join.hpp"

namespace pipelock {

RequestPolicy::RequestPolicy(const PipelockConfig& cfg)
    : cfg_(cfg),
      allowlist_(cfg.api_allowlist),
      trusted_(cfg.trusted_domains),
      ssrf_(cfg.internal, cfg.ssrf_allowed),
      exfiltration_(cfg.monitoring.subdomain_entropy_threshold,
                    cfg.monitoring.subdomain_entropy_exclusions),
      passthrough_(cfg.tls.passthrough_domains) {}

std::optional<std::string> RequestPolicy::exfiltration_refusal(const ProxyTarget& target) const {
  if (target.ip_literal) return std::nullopt;
  return exfiltration_.refusal(target.host);
}

std::optional<std::string> RequestPolicy::target_refusal(const ProxyTarget& target) const {
  const auto& ports = cfg_.allowed_ports;
  if (std::find(ports.begin(), ports.end(), target.port) == ports.end()) {
    return "port not allowed: " + std::to_string(target.port) +
           " (allowed: " + bottle::text::join(ports, ", ") + ")";
  }
  if (cfg_.allowlist_enforced() && !allowlist_.allows(target.host)) {
    return "domain not in allowlist: " + target.host;
  }
  return std::nullopt;
}

std::optional<std::string> RequestPolicy::address_refusal(const ProxyTarget& target,
                                                          const IpAddress& address) const {
  if (!target.ip_literal && trusted_.allows(target.host)) return std::nullopt;
  auto why = ssrf_.refusal(address);
  if (!why) return why;
  return "SSRF: " + (target.ip_literal ? std::string() : target.host + " resolves to ") + *why;
}

const std::vector<IpAddress>* RequestPolicy::override_for(const std::string& host) const {
  auto it = cfg_.host_overrides.find(host);
  return it == cfg_.host_overrides.end() ? nullptr : &it->second;
}

}  // namespace pipelock
