#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bottle/uv/connection_set.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/tcp.hpp"
#include "connection_context.hpp"
#include "egress_settings.hpp"
#include "live_routes.hpp"
#include "proxy_settings.hpp"
#include "request_log.hpp"
#include "tls_context.hpp"
#include "token_store.hpp"

namespace egress {

class EgressConnection;

// Accepts agent connections and runs one EgressConnection for each, within
// the connection cap; each sees the server only as its ConnectionContext.
class EgressServer : private ConnectionContext {
 public:
  struct Parts {
    const EgressSettings& settings;
    LiveRoutes& routes;
    const TokenStore& tokens;
    const TlsContext& tls;
    const ProxySettings& proxies;
    RequestLog& log;
  };

  EgressServer(bottle::uv::Loop& loop, Parts parts);
  ~EgressServer() override;
  EgressServer(const EgressServer&) = delete;
  EgressServer& operator=(const EgressServer&) = delete;

  int port() const { return listener_.port(); }
  // Stops listening and closes connections waiting for a next request;
  // requests in flight go on, and their connections close after them.
  // Returns how many are left.
  std::size_t stop_accepting();
  // Calls `fn` once no connection is left.
  void when_idle(std::function<void()> fn);
  // Closes everything now.
  void stop();

 private:
  void accept(std::unique_ptr<bottle::uv::TcpStream> client);

  // ConnectionContext
  bottle::uv::Loop& loop() override { return loop_; }
  const EgressSettings& settings() const override { return parts_.settings; }
  std::shared_ptr<const RouteTable> current_routes() const override {
    return parts_.routes.current();
  }
  const TokenStore& tokens() const override { return parts_.tokens; }
  std::unique_ptr<UpstreamChannel> new_channel(const std::string& host, int port,
                                               UpstreamChannel::Callbacks callbacks) override;
  RequestLog& log() override { return parts_.log; }
  bool serving() const override { return serving_; }
  void release(std::uint64_t id) override;

  bottle::uv::Loop& loop_;
  Parts parts_;
  bool serving_ = true;
  bottle::uv::ConnectionSet<EgressConnection> connections_;
  bottle::uv::TcpListener listener_;
};

}  // namespace egress
