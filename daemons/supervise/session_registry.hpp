#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <unordered_map>

namespace supervise {

// One MCP session, from initialize to DELETE (or expiry).
struct Session {
  std::string id;
  std::string protocol_version;
  std::string client;        // clientInfo name/version, for logs
  bool initialized = false;  // notifications/initialized arrived
  std::size_t open_streams = 0;
  std::chrono::steady_clock::time_point last_used;
};

// The sessions, by their Mcp-Session-Id. Bounded: past the cap the least
// recently used session without an open stream is forgotten, and a session
// unused for `idle_expiry` (without an open stream) is forgotten when it is
// next named, or by expire_idle(), which the server runs on a timer. Its
// client gets 404 and, as the transport says, starts anew.
class SessionRegistry {
 public:
  using Clock = std::chrono::steady_clock;
  SessionRegistry(std::size_t max_sessions, Clock::duration idle_expiry,
                  std::function<Clock::time_point()> now = Clock::now)
      : max_sessions_(max_sessions), idle_expiry_(idle_expiry), now_(std::move(now)) {}

  Session& create(const std::string& protocol_version, const std::string& client);
  // The session, its last use refreshed; nullptr when there is none, or when
  // it had expired (it is forgotten then).
  Session* find(const std::string& id);
  // The session as it is, its last use untouched (for bookkeeping, not use).
  Session* peek(const std::string& id);
  const Session* peek(const std::string& id) const;
  bool remove(const std::string& id);
  // Forgets every expired session; returns how many.
  std::size_t expire_idle();
  std::size_t size() const { return sessions_.size(); }
  Clock::time_point now() const { return now_(); }

 private:
  bool expired(const Session& s, Clock::time_point now) const {
    return s.open_streams == 0 && now - s.last_used > idle_expiry_;
  }
  void make_room();
  std::unordered_map<std::string, Session> sessions_;
  std::size_t max_sessions_;
  Clock::duration idle_expiry_;
  std::function<Clock::time_point()> now_;
};

// 128 random bits as 32 hex characters: visible ASCII, as the transport asks.
std::string new_session_id();

}  // namespace supervise
