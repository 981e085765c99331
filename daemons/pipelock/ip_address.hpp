#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
  std::string to_string() const;
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
