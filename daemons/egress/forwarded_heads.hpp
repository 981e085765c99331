#pragma once

#include <boost/beast/http/message.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent_target.hpp"
#include "bottle/config/route.hpp"

namespace egress {

// Where a route sends its requests, read from its (already checked) upstream URL.
struct UpstreamUrl {
  std::string host;
  int port = 443;
  std::string base_path;  // "" or "/prefix", never ending in '/'
  std::string authority;  // Host header value: host, or host:port when not 443

  static UpstreamUrl parse(const std::string& https_url);
};

// How a message's body is delimited on the wire.
struct Framing {
  enum Kind { kNone, kLength, kChunked, kUntilClose } kind = kNone;
  std::uint64_t length = 0;
};

// The head egress sends upstream for an agent's request: the route's header
// set to its value with the token in it (replacing whatever the agent sent
// under that name), Host set to the upstream, hop-by-hop and proxy headers
// dropped, `Accept-Encoding: identity` (so that the reflection guard can read
// the response), the body framed as `body`; the connection is kept for reuse.
// The target is the route's base path and the agent's path and query,
// byte for byte.
std::string upstream_request_head(const boost::beast::http::request_header<>& agent,
                                  const AgentTarget& target, const bottle::config::Route& route,
                                  std::string_view token, const UpstreamUrl& upstream,
                                  Framing body);

// The head egress sends the agent for an upstream response, its body framed
// as `body` (kNone keeps the upstream's Content-Length, which is what a
// response to HEAD, a 204 or a 304 carries). When egress decoded the body,
// its Content-Encoding (and a Content-Length it kept) no longer apply.
std::string agent_response_head(const boost::beast::http::response_header<>& upstream, Framing body,
                                bool keep_alive, bool decoded = false);

// "HTTP/1.1 <status> <reason>" with a text/plain body, closing the
// connection; `extra` header lines ("Allow: GET") go before the framing.
std::string local_response(int status, const std::string& body,
                           const std::vector<std::pair<std::string, std::string>>& extra = {});

}  // namespace egress
