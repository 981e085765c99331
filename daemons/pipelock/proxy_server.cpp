#include "proxy_server.hpp"

#include "proxy_connection.hpp"

namespace pipelock {

namespace {
constexpr int kBacklog = 1024;
}

ProxyServer::ProxyServer(bottle::uv::Loop& loop, const PipelockConfig& cfg, DecisionLog& log,
                         std::optional<int> inherited_listen_fd)
    : loop_(loop),
      cfg_(cfg),
      policy_(cfg),
      log_(log),
      connections_(loop),
      listener_(inherited_listen_fd
                    ? bottle::uv::TcpListener(loop, *inherited_listen_fd, kBacklog,
                                              [this](std::unique_ptr<bottle::uv::TcpStream> c) {
                                                accept(std::move(c));
                                              })
                    : bottle::uv::TcpListener(loop, cfg.listen_host, cfg.listen_port, kBacklog,
                                              [this](std::unique_ptr<bottle::uv::TcpStream> c) {
                                                accept(std::move(c));
                                              })) {}

ProxyServer::~ProxyServer() { stop(); }

void ProxyServer::accept(std::unique_ptr<bottle::uv::TcpStream> client) {
  const bool over_cap = connections_.size() >= static_cast<std::size_t>(cfg_.max_connections);
  const std::uint64_t id = connections_.next_id();
  auto& connection =
      connections_.add(id, std::make_unique<ProxyConnection>(*this, id, std::move(client)));
  if (over_cap) {
    // A short answer and close, without reading: a flood cannot exhaust fds.
    connection.reject(503,
                      "too many connections (cap " + std::to_string(cfg_.max_connections) + ")");
  } else {
    connection.start();
  }
}

void ProxyServer::release(std::uint64_t id) { connections_.release(id); }

std::size_t ProxyServer::stop_accepting() {
  listener_.close();
  return connections_.size();
}

void ProxyServer::when_idle(std::function<void()> fn) { connections_.when_empty(std::move(fn)); }

void ProxyServer::stop() {
  listener_.close();
  connections_.close("pipelock stopping");
}

}  // namespace pipelock
