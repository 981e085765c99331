#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <string>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/tcp_server.hpp"
#include "bottle/uv/timer.hpp"
#include "mcp_endpoint.hpp"

namespace supervise {

class McpConnection;

struct ServerSettings {
  std::string listen_host = "0.0.0.0";
  int listen_port = 8765;
  std::size_t max_connections = 256;
  std::size_t max_header_bytes = 16 * 1024;
  // Proposals are a few hundred bytes; a megabyte is generous and bounded.
  std::size_t max_body_bytes = 1024 * 1024;
  int request_timeout_seconds = 30;
  int idle_timeout_seconds = 120;
  // Comments on an open event stream keep proxies and NATs from dropping it.
  int keepalive_seconds = 25;
  // An event stream ends once its session has gone unused this long.
  int stream_idle_seconds = 30 * 60;
  // How often sessions unused past their expiry are forgotten.
  int session_sweep_seconds = 60;
  // A client that stops reading its event stream is cut past this much queued.
  std::size_t max_queued_bytes = 1024 * 1024;
};

// Accepts MCP clients and runs one McpConnection for each, within the cap:
// at the cap, a newcomer takes the slot of the connection idle the longest
// (between requests, holding nothing), and is refused only when none is idle.
class McpServer {
 public:
  McpServer(bottle::uv::Loop& loop, const ServerSettings& settings, McpEndpoint& endpoint,
            spdlog::logger& log);
  ~McpServer();
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  int port() const { return server_.port(); }
  // Closes the listener and every connection, ending open streams cleanly.
  void stop();

  // For connections.
  bottle::uv::Loop& loop() { return loop_; }
  const ServerSettings& settings() const { return settings_; }
  McpEndpoint& endpoint() { return endpoint_; }
  spdlog::logger& log() { return log_; }
  void release(std::uint64_t id);
  // Ends the event streams of a session that was deleted.
  void end_streams_of(const std::string& session_id);

 private:
  // Closes the connection idle the longest; false when none is idle.
  bool evict_idle_connection();
  void arm_session_sweep();

  bottle::uv::Loop& loop_;
  const ServerSettings& settings_;
  McpEndpoint& endpoint_;
  spdlog::logger& log_;
  bottle::uv::Timer session_sweep_;
  bottle::uv::TcpServer<McpConnection> server_;
};

}  // namespace supervise
