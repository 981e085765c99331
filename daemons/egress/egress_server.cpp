#include "egress_server.hpp"

#include "egress_connection.hpp"

namespace egress {

EgressServer::EgressServer(bottle::uv::Loop& loop, Parts parts)
    : loop_(loop),
      parts_(parts),
      server_(loop, {parts.settings.listen_host, parts.settings.listen_port, std::nullopt},
              {1024, parts.settings.max_connections, nullptr},
              [this](std::uint64_t id, std::unique_ptr<bottle::uv::TcpStream> client) {
                ConnectionContext& context = *this;
                return std::make_unique<EgressConnection>(context, id, std::move(client));
              }) {}

EgressServer::~EgressServer() { stop(); }

// Defined here, where the connection type is complete (the set destroys it).
void EgressServer::release(std::uint64_t id) { server_.release(id); }

std::unique_ptr<UpstreamChannel> EgressServer::new_channel(const std::string& host, int port,
                                                           UpstreamChannel::Callbacks callbacks) {
  return std::make_unique<UpstreamChannel>(loop_, parts_.tls, parts_.proxies, host, port,
                                           std::move(callbacks));
}

std::size_t EgressServer::stop_accepting() {
  serving_ = false;
  server_.stop_accepting();
  // A connection between requests holds nothing: it closes now, the ones
  // with a request in flight after answering it.
  server_.connections().abort_if([](const EgressConnection& c) { return !c.busy(); },
                                 "egress stopping");
  return server_.size();
}

void EgressServer::stop() {
  serving_ = false;
  server_.stop("egress stopping");
}

}  // namespace egress
