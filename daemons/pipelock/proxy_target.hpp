#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pipelock {

// Where a proxy request wants to go.
struct ProxyTarget {
  std::string host;  // lower case; an IPv6 literal without brackets
  int port = 0;
  bool ip_literal = false;
  std::string origin_form;  // "/path?query" for plain HTTP; empty for CONNECT
};

// "host:port" or "[v6]:port" from a CONNECT line. On failure, `problem` says why.
std::optional<ProxyTarget> parse_connect_target(std::string_view authority, std::string* problem);

// "http://host[:port]/path?query" from a plain proxy request. Only http: an
// https URL belongs in a CONNECT tunnel.
std::optional<ProxyTarget> parse_absolute_uri(std::string_view uri, std::string* problem);

}  // namespace pipelock
