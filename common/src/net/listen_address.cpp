#include "bottle/net/listen_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace bottle::net {

std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string* problem) {
  auto fail = [&](const std::string& why) -> std::optional<ListenAddress> {
    *problem = why + " (expected ADDRESS:PORT, e.g. 0.0.0.0:8080 or [::1]:8080)";
    return std::nullopt;
  };
  // inet_pton would stop at a NUL and take what comes before it.
  if (text.find('\0') != std::string_view::npos) return fail("a NUL byte");
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail("no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  ListenAddress out;
  out.host = std::string(host);
  in6_addr scratch{};
  if (bracketed ? inet_pton(AF_INET6, out.host.c_str(), &scratch) != 1
                : inet_pton(AF_INET, out.host.c_str(), &scratch) != 1) {
    if (!bracketed && inet_pton(AF_INET6, out.host.c_str(), &scratch) == 1) {
      return fail("an IPv6 address goes in brackets");
    }
    return fail("'" + out.host + "' is not a numeric " + (bracketed ? "IPv6" : "IPv4") +
                " address");
  }
  // One spelling per port: decimal digits, no leading zero ("0080" is refused).
  if (port.empty() || port.size() > 5 || (port.size() > 1 && port[0] == '0') ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return fail("the port must be a number from 0 to 65535");
  }
  out.port = std::stoi(std::string(port));
  if (out.port > 65535) return fail("the port must be a number from 0 to 65535");
  return out;
}

}  // namespace bottle::net
