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

SsrfPolicy::SsrfPolicy(std::vector<Cidr> blocked, std::vector<Cidr> allowed)
    : blocked_(std::move(blocked)), allowed_(std::move(allowed)) {
  for (auto& c : floor()) blocked_.push_back(std::move(c));
}

std::vector<Cidr> SsrfPolicy::floor() {
  std::vector<Cidr> out;
  for (const char* c :
       {"127.0.0.0/8", "0.0.0.0/8", "169.254.0.0/16", "::1/128", "::/128", "fe80::/10"}) {
    out.push_back(*Cidr::parse(c, nullptr));
  }
  return out;
}

std::optional<std::string> SsrfPolicy::refusal_of_one(const IpAddress& shown,
                                                      const IpAddress& judged) const {
  for (const auto& allowed : allowed_) {
    if (allowed.contains(judged)) return std::nullopt;
  }
  for (const auto& blocked : blocked_) {
    if (blocked.contains(judged)) {
      std::string why = "internal address " + shown.to_string() + " (" + blocked.to_string();
      if (judged.v6 != shown.v6) why += ", the IPv4 address " + judged.to_string() + " inside it";
      return why + ")";
    }
  }
  return std::nullopt;
}

std::optional<std::string> SsrfPolicy::refusal(const IpAddress& address) const {
  // An exemption of the address itself covers what it carries.
  for (const auto& allowed : allowed_) {
    if (allowed.contains(address)) return std::nullopt;
  }
  if (auto why = refusal_of_one(address, address.unmapped())) return why;
  for (const auto& inner : address.embedded_ipv4()) {
    if (auto why = refusal_of_one(address, inner)) return why;
  }
  return std::nullopt;
}

}  // namespace pipelock
