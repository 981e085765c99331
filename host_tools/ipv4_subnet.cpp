#include "ipv4_subnet.hpp"

#include <arpa/inet.h>

#include <cstdio>

namespace host_tools {

namespace {
std::uint32_t mask(int prefix) { return prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix); }

std::string dotted(std::uint32_t a) {
  char out[16];
  std::snprintf(out, sizeof out, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return out;
}
}  // namespace

std::optional<Ipv4Subnet> Ipv4Subnet::parse(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos || text.find_first_not_of("0123456789./") != std::string::npos)
    return std::nullopt;
  in_addr addr{};
  if (inet_pton(AF_INET, text.substr(0, slash).c_str(), &addr) != 1) return std::nullopt;
  const std::string bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 2) return std::nullopt;
  const int prefix = std::stoi(bits);
  if (prefix < 0 || prefix > 32) return std::nullopt;
  Ipv4Subnet s{ntohl(addr.s_addr), prefix};
  if ((s.base & ~mask(prefix)) != 0) return std::nullopt;  // host bits set: not canonical
  return s;
}

std::string Ipv4Subnet::str() const { return dotted(base) + "/" + std::to_string(prefix); }

std::string Ipv4Subnet::address(std::uint32_t offset) const { return dotted(base + offset); }

bool Ipv4Subnet::contains(const Ipv4Subnet& other) const {
  return other.prefix >= prefix && (other.base & mask(prefix)) == base;
}

bool Ipv4Subnet::overlaps(const Ipv4Subnet& other) const {
  return contains(other) || other.contains(*this);
}

}  // namespace host_tools
