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

void SessionRegistry::expire(Clock::time_point now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.open_streams == 0 && now - it->second.last_used > idle_expiry_) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
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
  const auto now = Clock::now();
  expire(now);
  Session s;
  s.id = new_session_id();
  s.protocol_version = protocol_version;
  s.client = client;
  s.last_used = now;
  const std::string id = s.id;
  return sessions_.emplace(id, std::move(s)).first->second;
}

Session* SessionRegistry::find(const std::string& id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  it->second.last_used = Clock::now();
  return &it->second;
}

bool SessionRegistry::remove(const std::string& id) { return sessions_.erase(id) > 0; }

}  // namespace supervise
