#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bottle::net {

// Where a daemon listens: a numeric address (no names: nothing is resolved
// before the daemon is up) and a port, 0 for any.
struct ListenAddress {
  std::string host;  // "0.0.0.0", "127.0.0.1", "::", "::1": without brackets
  int port = 0;
};

// "ADDRESS:PORT" with an IPv4 address, "[ADDRESS]:PORT" with an IPv6 one
// ("[::1]:8080"); the port in decimal digits, 0 to 65535. On a mistake,
// nullopt and `problem` says what is wrong. Every daemon's --listen and
// pipelock's fetch_proxy.listen read the same spellings.
std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string* problem);

}  // namespace bottle::net
