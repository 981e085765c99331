#pragma once

#include <uv.h>

#include <string>

#include "bottle/uv/handle.hpp"

namespace bottle::uv {

// A numeric IPv4 or IPv6 address and a port as libuv takes them; throws
// (naming `what` and the host) for anything else. Shared by the listener and
// the connect attempt, the two places that turn host text into an address.
inline sockaddr_storage socket_address(const std::string& host, int port, const std::string& what) {
  sockaddr_storage addr{};
  if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) != 0) {
    check(uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)),
          (what + " " + host).c_str());
  }
  return addr;
}

}  // namespace bottle::uv
