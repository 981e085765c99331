#include "egress_server.hpp"

#include <utility>

#include "egress_connection.hpp"

namespace egress {

EgressServer::EgressServer(bottle::uv::Loop& loop, Parts parts)
    : loop_(loop),
      parts_(parts),
      listener_(
          loop, parts.settings.listen_host, parts.settings.listen_port, 1024,
          [this](std::unique_ptr<bottle::uv::TcpStream> client) { accept(std::move(client)); }) {
  bottle::uv::check(uv_idle_init(loop.get(), reaper_.get()), "uv_idle_init");
  reaper_.mark_initialized(this);
}

EgressServer::~EgressServer() { stop(); }

void EgressServer::accept(std::unique_ptr<bottle::uv::TcpStream> client) {
  const bool over_cap = connections_.size() >= settings().max_connections;
  const std::uint64_t id = next_id_++;
  auto connection = std::make_unique<EgressConnection>(*this, id, std::move(client));
  auto* raw = connection.get();
  connections_.emplace(id, std::move(connection));
  if (over_cap) {
    raw->reject("too many connections (cap " + std::to_string(settings().max_connections) + ")");
  } else {
    raw->start();
  }
}

void EgressServer::release(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  ended_.push_back(std::move(it->second));
  connections_.erase(it);
  if (reaper_.get() && !uv_is_active(reaper_.base())) {
    uv_idle_start(reaper_.get(), [](uv_idle_t* idle) {
      auto* self = bottle::uv::owner_of<EgressServer>(idle);
      uv_idle_stop(idle);
      if (!self) return;
      self->ended_.clear();
      if (self->connections_.empty() && self->on_idle_) std::exchange(self->on_idle_, nullptr)();
    });
  }
}

std::size_t EgressServer::stop_accepting() {
  listener_.close();
  std::vector<EgressConnection*> waiting;
  for (auto& [id, c] : connections_) {
    if (!c->busy()) waiting.push_back(c.get());
  }
  for (auto* c : waiting) c->abort("egress stopping");
  return connections_.size();
}

void EgressServer::when_idle(std::function<void()> fn) {
  if (connections_.empty()) {
    fn();
  } else {
    on_idle_ = std::move(fn);
  }
}

void EgressServer::stop() {
  listener_.close();
  while (!connections_.empty()) connections_.begin()->second->abort("egress stopping");
  ended_.clear();
  reaper_.close();
}

}  // namespace egress
