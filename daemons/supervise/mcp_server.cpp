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
      session_sweep_(loop),
      listener_(
          loop, settings.listen_host, settings.listen_port, 256,
          [this](std::unique_ptr<bottle::uv::TcpStream> client) { accept(std::move(client)); }) {
  arm_session_sweep();
}

McpServer::~McpServer() { stop(); }

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
  connections_.for_each([&](std::uint64_t, const McpConnection& c) {
    if (c.phase() == McpConnection::Phase::kIdle &&
        (!oldest || c.idle_since() < oldest->idle_since())) {
      oldest = &c;
    }
  });
  if (!oldest) return false;
  connections_.abort_if([&](const McpConnection& c) { return &c == oldest; },
                        "idle; its slot went to a new client");
  return true;
}

void McpServer::accept(std::unique_ptr<bottle::uv::TcpStream> client) {
  // Idle keep-alive connections hold slots a newcomer needs more.
  if (connections_.size() >= settings_.max_connections) evict_idle_connection();
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
  session_sweep_.stop();
  listener_.close();
  connections_.close("supervise stopping");
}

}  // namespace supervise
