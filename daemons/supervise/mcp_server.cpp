#include "mcp_server.hpp"

#include "mcp_connection.hpp"

namespace supervise {

McpServer::McpServer(bottle::uv::Loop& loop, const ServerSettings& settings, McpEndpoint& endpoint,
                     spdlog::logger& log)
    : loop_(loop),
      settings_(settings),
      endpoint_(endpoint),
      log_(log),
      connections_(loop),
      listener_(
          loop, settings.listen_host, settings.listen_port, 256,
          [this](std::unique_ptr<bottle::uv::TcpStream> client) { accept(std::move(client)); }) {}

McpServer::~McpServer() { stop(); }

void McpServer::accept(std::unique_ptr<bottle::uv::TcpStream> client) {
  const bool over_cap = connections_.size() >= settings_.max_connections;
  const std::uint64_t id = connections_.next_id();
  auto& connection =
      connections_.add(id, std::make_unique<McpConnection>(*this, id, std::move(client)));
  if (over_cap) {
    connection.reject("too many connections (cap " + std::to_string(settings_.max_connections) +
                      ")");
  } else {
    connection.start();
  }
}

void McpServer::release(std::uint64_t id) { connections_.release(id); }

void McpServer::end_streams_of(const std::string& session_id) {
  connections_.abort_if([&](const McpConnection& c) { return c.streaming_session() == session_id; },
                        "session ended");
}

void McpServer::stop() {
  listener_.close();
  connections_.close("supervise stopping");
}

}  // namespace supervise
