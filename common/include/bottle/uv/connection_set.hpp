#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bottle/uv/callback_guard.hpp"
#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"

namespace bottle::uv {

// The open connections of a server, by id. A connection that ends asks to be
// released from inside its own callbacks, so it is destroyed on the next loop
// turn, never while one of its callbacks is still running.
// `Connection` needs `void abort(const std::string& why)`, which must end in
// release(its id).
template <class Connection>
class ConnectionSet {
 public:
  explicit ConnectionSet(Loop& loop) {
    check(uv_idle_init(loop.get(), reaper_.get()), "uv_idle_init");
    reaper_.mark_initialized(this);
  }
  ~ConnectionSet() { close(); }
  ConnectionSet(const ConnectionSet&) = delete;
  ConnectionSet& operator=(const ConnectionSet&) = delete;

  std::uint64_t next_id() { return next_id_++; }
  std::size_t size() const { return open_.size(); }
  Connection& add(std::uint64_t id, std::unique_ptr<Connection> c) {
    return *open_.emplace(id, std::move(c)).first->second;
  }

  void release(std::uint64_t id) {
    auto it = open_.find(id);
    if (it == open_.end()) return;
    ended_.push_back(std::move(it->second));
    open_.erase(it);
    if (reaper_.get() && !uv_is_active(reaper_.base())) {
      uv_idle_start(reaper_.get(), [](uv_idle_t* idle) {
        auto* self = owner_of<ConnectionSet>(idle);
        uv_idle_stop(idle);
        if (!self) return;
        guarded("connection reaper", [self] {
          self->ended_.clear();
          if (self->open_.empty() && self->on_empty_) std::exchange(self->on_empty_, nullptr)();
        });
      });
    }
  }

  // Calls `fn` with each open connection (which must not end one meanwhile).
  template <class Fn>
  void for_each(Fn fn) const {
    for (const auto& [id, c] : open_) fn(id, static_cast<const Connection&>(*c));
  }

  // Aborts every connection for which `pred` holds.
  template <class Pred>
  void abort_if(Pred pred, const std::string& why) {
    std::vector<Connection*> chosen;
    for (auto& [id, c] : open_) {
      if (pred(*c)) chosen.push_back(c.get());
    }
    for (auto* c : chosen) c->abort(why);
  }

  // Calls `fn` once no connection is left (now, if none is).
  void when_empty(std::function<void()> fn) {
    if (open_.empty()) {
      fn();
    } else {
      on_empty_ = std::move(fn);
    }
  }

  // Aborts every connection for `why` and destroys them all now.
  void close(const std::string& why = "stopping") {
    while (!open_.empty()) open_.begin()->second->abort(why);
    ended_.clear();
    reaper_.close();
  }

 private:
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> open_;
  std::vector<std::unique_ptr<Connection>> ended_;
  OwnedHandle<uv_idle_t> reaper_;
  std::uint64_t next_id_ = 1;
  std::function<void()> on_empty_;
};

}  // namespace bottle::uv
