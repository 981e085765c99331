#include "proxy_server.hpp"

#include <algorithm>

#include "interception.hpp"
#include "proxy_connection.hpp"

namespace pipelock {

namespace {
constexpr int kBacklog = 1024;
}

ProxyServer::ProxyServer(bottle::uv::Loop& loop, const PipelockConfig& cfg, DecisionLog& log,
                         std::optional<int> inherited_listen_fd, const Interception* interception)
    : loop_(loop),
      cfg_(cfg),
      policy_(cfg),
      log_(log),
      interception_(interception),
      server_(loop, {cfg.listen_host, cfg.listen_port, inherited_listen_fd},
              {kBacklog, static_cast<std::size_t>(cfg.max_connections), nullptr},
              [this](std::uint64_t id, std::unique_ptr<bottle::uv::TcpStream> client) {
                return std::make_unique<ProxyConnection>(*this, id, std::move(client));
              }) {
  if (interception_ != nullptr) {
    dlp_scans_ =
        std::make_unique<DlpScans>(loop, interception_->context().dlp,
                                   DlpScans::Options{cfg.dlp.scan_workers, cfg.dlp.scan_budget});
    held_bytes_ = std::make_unique<HeldBytes>(
        std::max(cfg.dlp.held_bytes_budget,
                 cfg.dlp.max_body_bytes + static_cast<std::size_t>(cfg.max_header_bytes)));
  }
}

ProxyServer::~ProxyServer() { stop(); }

void ProxyServer::before_fork() {
  if (dlp_scans_) dlp_scans_->before_fork();
}

void ProxyServer::after_fork(bool in_child) {
  if (!dlp_scans_) return;
  if (in_child) {
    dlp_scans_->after_fork_in_child();
  } else {
    dlp_scans_->after_fork_in_parent();
  }
}

// Defined here, where the connection type is complete (the set destroys it).
void ProxyServer::release(std::uint64_t id) { server_.release(id); }

std::size_t ProxyServer::stop_accepting() { return server_.stop_accepting(); }

void ProxyServer::stop() { server_.stop("pipelock stopping"); }

}  // namespace pipelock
