#include "ip_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace pipelock {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  const std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  a.v6 = true;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) return a;
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::from_sockaddr(const sockaddr* sa) {
  IpAddress a;
  if (sa->sa_family == AF_INET) {
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
    return a;
  }
  if (sa->sa_family == AF_INET6) {
    a.v6 = true;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
    return a;
  }
  return std::nullopt;
}

IpAddress IpAddress::unmapped() const {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!v6 || std::memcmp(bytes.data(), kMapped, 12) != 0) return *this;
  IpAddress v4;
  std::memcpy(v4.bytes.data(), bytes.data() + 12, 4);
  return v4;
}

std::vector<IpAddress> IpAddress::embedded_ipv4() const {
  std::vector<IpAddress> out;
  if (!v6) return out;
  const auto& b = bytes;
  auto v4 = [&](uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3) {
    IpAddress a;
    a.bytes[0] = a0;
    a.bytes[1] = a1;
    a.bytes[2] = a2;
    a.bytes[3] = a3;
    out.push_back(a);
  };
  auto zero = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      if (b[i] != 0) return false;
    }
    return true;
  };
  if (zero(0, 10) && b[10] == 0xff && b[11] == 0xff) {
    v4(b[12], b[13], b[14], b[15]);  // ::ffff:a.b.c.d
  } else if (zero(0, 12) && !zero(12, 16)) {
    v4(b[12], b[13], b[14], b[15]);  // ::a.b.c.d (and ::1, judged by its IPv4 too)
  } else if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zero(4, 12)) {
    v4(b[12], b[13], b[14], b[15]);  // 64:ff9b::a.b.c.d
  } else if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 &&
             b[5] == 0x01) {
    // 64:ff9b:1::/48, RFC 6052's /48 layout: two octets before the reserved
    // octet 8, two after it.
    v4(b[6], b[7], b[9], b[10]);
  } else if (b[0] == 0x20 && b[1] == 0x02) {
    v4(b[2], b[3], b[4], b[5]);  // 2002:aabb:ccdd::/48
  } else if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) {
    v4(b[4], b[5], b[6], b[7]);                                  // Teredo server
    v4(b[12] ^ 0xff, b[13] ^ 0xff, b[14] ^ 0xff, b[15] ^ 0xff);  // Teredo client, inverted
  }
  return out;
}

std::string IpAddress::with_port(int port) const {
  std::string out;
  if (v6) out.append("[");
  out.append(to_string());
  if (v6) out.append("]");
  out.append(":").append(std::to_string(port));
  return out;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
  return text;
}

std::optional<Cidr> Cidr::parse(std::string_view text, std::string* problem) {
  auto fail = [&](const std::string& why) -> std::optional<Cidr> {
    if (problem) *problem = "'" + std::string(text) + "' " + why;
    return std::nullopt;
  };
  const size_t slash = text.find('/');
  auto base = IpAddress::parse(text.substr(0, slash));
  if (!base) return fail("is not an IP address or CIDR");
  Cidr c{*base, base->bits()};
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), c.prefix);
    if (ec != std::errc() || end != p.data() + p.size() || c.prefix < 0 ||
        c.prefix > base->bits()) {
      return fail("has a bad prefix length");
    }
  }
  for (int bit = c.prefix; bit < base->bits(); ++bit) {
    if (base->bytes[bit / 8] & (0x80 >> (bit % 8))) {
      return fail("has host bits set (write " + [&] {
        Cidr fixed = c;
        for (int b = c.prefix; b < base->bits(); ++b) fixed.base.bytes[b / 8] &= ~(0x80 >> (b % 8));
        return fixed.to_string();
      }() + ")");
    }
  }
  return c;
}

bool Cidr::contains(const IpAddress& a) const {
  if (a.v6 != base.v6) return false;
  for (int bit = 0; bit < prefix; ++bit) {
    const uint8_t mask = 0x80 >> (bit % 8);
    if ((a.bytes[bit / 8] & mask) != (base.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

std::string Cidr::to_string() const { return base.to_string() + "/" + std::to_string(prefix); }

}  // namespace pipelock
