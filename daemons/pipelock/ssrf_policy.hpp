#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ip_address.hpp"

namespace pipelock {

// Which resolved addresses pipelock refuses to dial: anything in `blocked`
// (loopback, private, link-local and the metadata address, unique-local,
// multicast, unspecified...) unless it is in `allowed` (the bundle's own
// address, say). An IPv6 address that carries an IPv4 one (mapped,
// compatible, NAT64, 6to4, Teredo) is also judged by the IPv4 inside it.
// Whatever `internal:` says, a floor stays blocked: loopback, unspecified and
// link-local (the metadata address among them); only `allowed` (and
// trusted_domains, before this is asked) exempts from it.
class SsrfPolicy {
 public:
  SsrfPolicy(std::vector<Cidr> blocked, std::vector<Cidr> allowed);

  // pipelock's default `internal:` list, plus the unspecified IPv6 address.
  static std::vector<Cidr> default_blocked();
  // What no `internal:` list removes.
  static std::vector<Cidr> floor();

  // Why dialling `address` is refused, or nothing.
  std::optional<std::string> refusal(const IpAddress& address) const;

 private:
  std::optional<std::string> refusal_of_one(const IpAddress& shown, const IpAddress& judged) const;

  std::vector<Cidr> blocked_;
  std::vector<Cidr> allowed_;
};

}  // namespace pipelock
