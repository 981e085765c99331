#include "egress_server.hpp"

#include "egress_connection.hpp"

namespace egress {

EgressServer::EgressServer(bottle::uv::Loop& loop, Parts parts)
    : loop_(loop),
      parts_(parts),
      connections_(loop),
      listener_(
          loop, parts.settings.listen_host, parts.settings.listen_port, 1024,
          [this](std::unique_ptr<bottle::uv::TcpStream> client) { accept(std::move(client)); }) {}

EgressServer::~EgressServer() { stop(); }

void EgressServer::accept(std::unique_ptr<bottle::uv::TcpStream> client) {
  const bool over_cap = connections_.size() >= settings().max_connections;
  const std::uint64_t id = connections_.next_id();
  ConnectionContext& context = *this;
  auto& connection =
      connections_.add(id, std::make_unique<EgressConnection>(context, id, std::move(client)));
  if (over_cap) {
    connection.reject("too many connections (cap " + std::to_string(settings().max_connections) +
                      ")");
  } else {
    connection.start();
  }
}

std::unique_ptr<UpstreamChannel> EgressServer::new_channel(const std::string& host, int port,
                                                           UpstreamChannel::Callbacks callbacks) {
  return std::make_unique<UpstreamChannel>(loop_, parts_.tls, parts_.proxies, host, port,
                                           std::move(callbacks));
}

void EgressServer::release(std::uint64_t id) { connections_.release(id); }

std::size_t EgressServer::stop_accepting() {
  serving_ = false;
  listener_.close();
  connections_.abort_if([](const EgressConnection& c) { return !c.busy(); }, "egress stopping");
  return connections_.size();
}

void EgressServer::when_idle(std::function<void()> fn) { connections_.when_empty(std::move(fn)); }

void EgressServer::stop() {
  serving_ = false;
  listener_.close();
  connections_.close("egress stopping");
}

}  // namespace egress
