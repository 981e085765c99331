#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bottle/uv/loop.hpp"
#include "egress_settings.hpp"
#include "request_log.hpp"
#include "route_table.hpp"
#include "token_store.hpp"
#include "upstream_channel.hpp"

namespace egress {

// What an agent connection needs from the server that accepted it, and no
// more: the settings, the routes and tokens in force, a way to reach an
// upstream, the request log, and a way to say it has ended.
class ConnectionContext {
 public:
  virtual ~ConnectionContext() = default;

  virtual bottle::uv::Loop& loop() = 0;
  virtual const EgressSettings& settings() const = 0;
  // The route table in force now; a request keeps the one it started with.
  virtual std::shared_ptr<const RouteTable> current_routes() const = 0;
  virtual const TokenStore& tokens() const = 0;
  // A channel to host:port (TLS, through the CONNECT proxy when there is one), not yet opened.
  virtual std::unique_ptr<UpstreamChannel> new_channel(const std::string& host, int port,
                                                       UpstreamChannel::Callbacks callbacks) = 0;
  virtual RequestLog& log() = 0;
  // Whether new requests are still served (false once egress is stopping).
  virtual bool serving() const = 0;
  // The connection has ended: it is destroyed on the next loop turn.
  virtual void release(std::uint64_t id) = 0;
};

}  // namespace egress
