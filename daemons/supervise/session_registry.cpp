#include "session_registry.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace supervise {

std::string new_session_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += hex[b >> 4];
    id += hex[b & 15];
  }
  return id;
}

std::size_t SessionRegistry::expire_idle() {
  const auto now = now_();
  std::size_t forgotten = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (expired(it->second, now)) {
      it = sessions_.erase(it);
      ++forgotten;
    } else {
      ++it;
    }
  }
  return forgotten;
}

void SessionRegistry::make_room() {
  expire_idle();
  while (sessions_.size() >= max_sessions_) {
    auto oldest = sessions_.end();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.open_streams == 0 &&
          (oldest == sessions_.end() || it->second.last_used < oldest->second.last_used)) {
        oldest = it;
      }
    }
    if (oldest == sessions_.end()) break;  // every session streams: keep them all
    sessions_.erase(oldest);
  }
}

Session& SessionRegistry::create(const std::string& protocol_version, const std::string& client) {
  make_room();
  Session s;
  s.id = new_session_id();
  s.protocol_version = protocol_version;
  s.client = client;
  s.last_used = now_();
  const std::string id = s.id;
  return sessions_.emplace(id, std::move(s)).first->second;
}

Session* SessionRegistry::find(const std::string& id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  const auto now = now_();
  if (expired(it->second, now)) {
    sessions_.erase(it);
    return nullptr;
  }
  it->second.last_used = now;
  return &it->second;
}

Session* SessionRegistry::peek(const std::string& id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

const Session* SessionRegistry::peek(const std::string& id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

bool SessionRegistry::remove(const std::string& id) { return sessions_.erase(id) > 0; }

}  // namespace supervise
