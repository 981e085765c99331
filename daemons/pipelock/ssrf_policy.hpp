#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ip_address.hpp"

namespace pipelock {

// Which resolved addresses pipelock refuses to dial: anything in `blocked`
// (loopback, private, link-local and the metadata address, unique-local,
// multicast, unspecified...) unless it is in `allowed` (the bottle's own
// internal subnet, say). IPv4-mapped IPv6 is judged as the IPv4 inside it.
class SsrfPolicy {
 public:
  SsrfPolicy(std::vector<Cidr> blocked, std::vector<Cidr> allowed)
      : blocked_(std::move(blocked)), allowed_(std::move(allowed)) {}

  // pipelock's default `internal:` list, plus the unspecified IPv6 address.
  static std::vector<Cidr> default_blocked();

  // Why dialling `address` is refused, or nothing.
  std::optional<std::string> refusal(const IpAddress& address) const;

 private:
  std::vector<Cidr> blocked_;
  std::vector<Cidr> allowed_;
};

}  // namespace pipelock
