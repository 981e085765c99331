#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bottle/uv/connection_set.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/tcp.hpp"
#include "live_routes.hpp"
#include "proxy_settings.hpp"
#include "request_log.hpp"
#include "tls_context.hpp"
#include "token_store.hpp"

namespace egress {

class EgressConnection;

struct EgressSettings {
  std::string listen_host = "0.0.0.0";
  int listen_port = 8080;
  int header_timeout_seconds = 30;
  int connect_timeout_seconds = 30;
  // Long enough for a slow upstream (a clone's pack being computed) or a
  // quiet event stream; short enough that abandoned connections go.
  int idle_timeout_seconds = 300;
  std::size_t max_connections = 512;
  std::size_t max_header_bytes = 64 * 1024;
};

// Accepts agent connections and runs one EgressConnection for each, within
// the connection cap.
class EgressServer {
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
  ~EgressServer();
  EgressServer(const EgressServer&) = delete;
  EgressServer& operator=(const EgressServer&) = delete;

  int port() const { return listener_.port(); }
  // Stops listening and closes connections waiting for a next request;
  // requests in flight go on. Returns how many are left.
  std::size_t stop_accepting();
  // Calls `fn` once no connection is left.
  void when_idle(std::function<void()> fn);
  // Closes everything now.
  void stop();

  // For connections.
  bottle::uv::Loop& loop() { return loop_; }
  const EgressSettings& settings() const { return parts_.settings; }
  LiveRoutes& routes() { return parts_.routes; }
  const TokenStore& tokens() const { return parts_.tokens; }
  const TlsContext& tls() const { return parts_.tls; }
  const ProxySettings& proxies() const { return parts_.proxies; }
  RequestLog& log() { return parts_.log; }
  void release(std::uint64_t id);

 private:
  void accept(std::unique_ptr<bottle::uv::TcpStream> client);

  bottle::uv::Loop& loop_;
  Parts parts_;
  bottle::uv::ConnectionSet<EgressConnection> connections_;
  bottle::uv::TcpListener listener_;
};

}  // namespace egress
