#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace supervise {

// One MCP session, from initialize to DELETE (or eviction).
struct Session {
  std::string id;
  std::string protocol_version;
  std::string client;        // clientInfo name/version, for logs
  bool initialized = false;  // notifications/initialized arrived
  std::size_t open_streams = 0;
  std::chrono::steady_clock::time_point last_used;
};

// The sessions, by their Mcp-Session-Id. Bounded: past the cap, or after a
// long silence, the least recently used session without an open stream is
// forgotten; its client gets 404 and, as the transport says, starts anew.
class SessionRegistry {
 public:
  using Clock = std::chrono::steady_clock;
  SessionRegistry(std::size_t max_sessions, Clock::duration idle_expiry)
      : max_sessions_(max_sessions), idle_expiry_(idle_expiry) {}

  Session& create(const std::string& protocol_version, const std::string& client);
  // The session (its last use refreshed), or nullptr.
  Session* find(const std::string& id);
  bool remove(const std::string& id);
  std::size_t size() const { return sessions_.size(); }

 private:
  void expire(Clock::time_point now);
  std::unordered_map<std::string, Session> sessions_;
  std::size_t max_sessions_;
  Clock::duration idle_expiry_;
};

// 128 random bits as 32 hex characters: visible ASCII, as the transport asks.
std::string new_session_id();

}  // namespace supervise
