#include "mcp_server.hpp"

#include "mcp_connection.hpp"

namespace supervise {

McpServer::McpServer(bottle::uv::Loop& loop, const ServerSettings& settings, McpEndpoint& endpoint,
                     spdlog::logger& log)
    : loop_(loop),
      settings_(settings),
      endpoint_(endpoint),
      log_(log),
      session_sweep_(loop),
      // Idle keep-alive connections hold slots a newcomer needs more.
      server_(loop, {settings.listen_host, settings.listen_port, std::nullopt},
              {256, settings.max_connections, [this] { evict_idle_connection(); }},
              [this](std::uint64_t id, std::unique_ptr<bottle::uv::TcpStream> client) {
                return std::make_unique<McpConnection>(*this, id, std::move(client));
              }) {
  arm_session_sweep();
}

McpServer::~McpServer() { stop(); }

// Defined here, where the connection type is complete (the set destroys it).
void McpServer::release(std::uint64_t id) { server_.release(id); }

void McpServer::arm_session_sweep() {
  session_sweep_.start(static_cast<std::uint64_t>(settings_.session_sweep_seconds) * 1000, [this] {
    if (const auto forgotten = endpoint_.expire_sessions()) {
      log_.info("forgot {} sessions unused past their expiry", forgotten);
    }
    arm_session_sweep();
  });
}

bool McpServer::evict_idle_connection() {
  const McpConnection* oldest = nullptr;
  server_.connections().for_each([&](std::uint64_t, const McpConnection& c) {
    if (c.phase() == McpConnection::Phase::kIdle &&
        (!oldest || c.idle_since() < oldest->idle_since())) {
      oldest = &c;
    }
  });
  if (!oldest) return false;
  server_.connections().abort_if([&](const McpConnection& c) { return &c == oldest; },
                                 "idle; its slot went to a new client");
  return true;
}

void McpServer::end_streams_of(const std::string& session_id) {
  server_.connections().abort_if(
      [&](const McpConnection& c) { return c.streaming_session() == session_id; }, "session ended");
}

void McpServer::stop() {
  session_sweep_.stop();
  server_.stop("supervise stopping");
}

}  // namespace supervise
