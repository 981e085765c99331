#pragma once

#include <spdlog/logger.h>

#include <list>
#include <memory>
#include <string>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/timer.hpp"
#include "bottle/uv/unix_server.hpp"
#include "supervisor.hpp"

namespace supervisor {

// Answers one JSON request per connection on a Unix socket:
//   {"command":"status"}  {"command":"restart","daemon":"pipelock"}
//   {"command":"reload","daemon":"egress"}
// with one JSON line: {"ok":true,...} or {"ok":false,"error":"..."}. A request
// ends at a newline or when the client closes its side. Whatever arrives, the
// answer is valid JSON and the supervisor carries on: a client cannot hold
// more than its share (a deadline per connection, a cap on how many are open).
class ControlServer {
 public:
  struct Limits {
    std::size_t max_connections = 16;
    Millis deadline{2000};
  };
  ControlServer(bottle::uv::Loop& loop, const std::string& path, Supervisor& supervisor,
                std::shared_ptr<spdlog::logger> log, Limits limits);
  ControlServer(bottle::uv::Loop& loop, const std::string& path, Supervisor& supervisor,
                std::shared_ptr<spdlog::logger> log)
      : ControlServer(loop, path, supervisor, std::move(log), Limits{}) {}

  // Pure request handling, separate from the socket so it can be tested alone.
  // Never throws.
  static std::string handle_request(const std::string& request, Supervisor& supervisor) noexcept;

 private:
  struct Client {
    std::unique_ptr<bottle::uv::UnixConnection> connection;
    std::string buffer;
    std::unique_ptr<bottle::uv::Timer> deadline;
    bool answered = false;
  };
  using ClientList = std::list<std::unique_ptr<Client>>;
  void accept(std::unique_ptr<bottle::uv::UnixConnection> connection);
  void answer(ClientList::iterator it, std::string reply);

  bottle::uv::Loop& loop_;
  Supervisor& supervisor_;
  std::shared_ptr<spdlog::logger> log_;
  Limits limits_;
  ClientList clients_;
  bottle::uv::UnixServer server_;
};

}  // namespace supervisor
