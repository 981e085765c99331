#include "proxy_server.hpp"

#include <utility>

#include "proxy_connection.hpp"

namespace pipelock {

ProxyServer::ProxyServer(bottle::uv::Loop& loop, const PipelockConfig& cfg, DecisionLog& log)
    : loop_(loop),
      cfg_(cfg),
      policy_(cfg),
      log_(log),
      listener_(
          loop, cfg.listen_host, cfg.listen_port, 1024,
          [this](std::unique_ptr<bottle::uv::TcpStream> client) { accept(std::move(client)); }) {
  bottle::uv::check(uv_idle_init(loop.get(), reaper_.get()), "uv_idle_init");
  reaper_.mark_initialized(this);
}

ProxyServer::~ProxyServer() { stop(); }

void ProxyServer::accept(std::unique_ptr<bottle::uv::TcpStream> client) {
  const bool over_cap = connections_.size() >= static_cast<std::size_t>(cfg_.max_connections);
  const std::uint64_t id = next_id_++;
  auto connection = std::make_unique<ProxyConnection>(*this, id, std::move(client));
  auto* raw = connection.get();
  connections_.emplace(id, std::move(connection));
  if (over_cap) {
    // A short answer and close, without reading: a flood cannot exhaust fds.
    raw->reject(503, "too many connections (cap " + std::to_string(cfg_.max_connections) + ")");
  } else {
    raw->start();
  }
}

void ProxyServer::release(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  ended_.push_back(std::move(it->second));
  connections_.erase(it);

  // Destroyed on the next loop turn, outside the callback that ended it.
  if (reaper_.get() && !uv_is_active(reaper_.base())) {
    uv_idle_start(reaper_.get(), [](uv_idle_t* idle) {
      auto* self = bottle::uv::owner_of<ProxyServer>(idle);
      uv_idle_stop(idle);
      if (!self) return;
      self->ended_.clear();
      if (self->connections_.empty() && self->on_idle_) std::exchange(self->on_idle_, nullptr)();
    });
  }
}

std::size_t ProxyServer::stop_accepting() {
  listener_.close();
  std::vector<ProxyConnection*> unfinished;
  for (auto& [id, c] : connections_) {
    if (!c->relaying()) unfinished.push_back(c.get());
  }
  for (auto* c : unfinished) c->abort("pipelock restarting before the connection was set up");
  return connections_.size();
}

void ProxyServer::when_idle(std::function<void()> fn) {
  if (connections_.empty()) {
    fn();
  } else {
    on_idle_ = std::move(fn);
  }
}

void ProxyServer::stop() {
  listener_.close();
  while (!connections_.empty()) connections_.begin()->second->abort("pipelock stopping");
  ended_.clear();
  reaper_.close();
}

}  // namespace pipelock
