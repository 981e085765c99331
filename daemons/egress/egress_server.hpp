#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "bottle/tls/client_context.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/tcp_server.hpp"
#include "connection_context.hpp"
#include "egress_settings.hpp"
#include "live_routes.hpp"
#include "proxy_settings.hpp"
#include "request_log.hpp"
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
    const bottle::tls::ClientContext& tls;
    const ProxySettings& proxies;
    RequestLog& log;
  };

  EgressServer(bottle::uv::Loop& loop, Parts parts);
  ~EgressServer() override;
  EgressServer(const EgressServer&) = delete;
  EgressServer& operator=(const EgressServer&) = delete;

  int port() const { return server_.port(); }
  // Stops listening and closes connections waiting for a next request;
  // requests in flight go on, and their connections close after them.
  // Returns how many are left.
  std::size_t stop_accepting();
  // Calls `fn` once no connection is left.
  void when_idle(std::function<void()> fn) { server_.when_idle(std::move(fn)); }
  // Closes everything now.
  void stop();

 private:
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
  bottle::uv::TcpServer<EgressConnection> server_;
};

}  // namespace egress
