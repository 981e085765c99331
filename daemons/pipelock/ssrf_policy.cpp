#include "ssrf_policy.hpp"

namespace pipelock {

std::vector<Cidr> SsrfPolicy::default_blocked() {
  std::vector<Cidr> out;
  for (const char* c : {"0.0.0.0/8", "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                        "169.254.0.0/16", "100.64.0.0/10", "224.0.0.0/4", "240.0.0.0/4", "::/128",
                        "::1/128", "fc00::/7", "fe80::/10", "ff00::/8"}) {
    out.push_back(*Cidr::parse(c, nullptr));
  }
  return out;
}

std::optional<std::string> SsrfPolicy::refusal(const IpAddress& address) const {
  const IpAddress a = address.unmapped();
  for (const auto& allowed : allowed_) {
    if (allowed.contains(a)) return std::nullopt;
  }
  for (const auto& blocked : blocked_) {
    if (blocked.contains(a)) {
      return "internal address " + address.to_string() + " (" + blocked.to_string() + ")";
    }
  }
  return std::nullopt;
}

}  // namespace pipelock
