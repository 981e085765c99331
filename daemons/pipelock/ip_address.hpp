#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pipelock {

// An IPv4 or IPv6 address. IPv4-mapped IPv6 (::ffff:a.b.c.d) is unwrapped to
// IPv4 when classified, so a mapped form cannot slip past an IPv4 rule.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4

  static std::optional<IpAddress> parse(std::string_view text);
  static std::optional<IpAddress> from_sockaddr(const sockaddr* sa);
  // The IPv4 address inside ::ffff:a.b.c.d, else itself.
  IpAddress unmapped() const;
  // Every IPv4 address an IPv6 address carries and that a gateway on the way
  // could turn back into IPv4: IPv4-mapped (::ffff:0:0/96), IPv4-compatible
  // (::/96), NAT64 (64:ff9b::/96, and 64:ff9b:1::/48 with the RFC 6052
  // layout), 6to4 (2002::/16), Teredo (2001::/32: the server, and the client
  // stored inverted). Empty for IPv4 and for other IPv6 addresses.
  std::vector<IpAddress> embedded_ipv4() const;
  std::string to_string() const;
  // For messages: IPv6 in brackets, so that "[::1]:80" is not read as "::1:80".
  std::string with_port(int port) const;
  int bits() const { return v6 ? 128 : 32; }
};

// A CIDR block. Parsing insists on the canonical form (no host bits set), as
// pipelock does: "10.0.0.1/8" is almost always a typo for something else.
struct Cidr {
  IpAddress base;
  int prefix = 0;

  // Why `text` is not a canonical CIDR, or the CIDR. A bare address is a /32 or /128.
  static std::optional<Cidr> parse(std::string_view text, std::string* problem);
  bool contains(const IpAddress& a) const;
  std::string to_string() const;
};

}  // namespace pipelock
