#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace host_tools {

// An IPv4 subnet in canonical form (no host bits set), for the arithmetic the
// host tool's subnet pool and address pinning need.
struct Ipv4Subnet {
  std::uint32_t base = 0;  // host order
  int prefix = 32;

  // "a.b.c.d/n" with every part in range and no host bits; nullopt otherwise.
  static std::optional<Ipv4Subnet> parse(const std::string& text);
  std::string str() const;
  std::uint64_t size() const { return std::uint64_t{1} << (32 - prefix); }
  // The address `offset` into the subnet ("10.213.0.2" for offset 2).
  std::string address(std::uint32_t offset) const;
  bool contains(const Ipv4Subnet& other) const;
  bool overlaps(const Ipv4Subnet& other) const;
};

}  // namespace host_tools
