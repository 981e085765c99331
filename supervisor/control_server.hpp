#pragma once

#include <spdlog/logger.h>

#include <list>
#include <memory>
#include <string>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/unix_server.hpp"
#include "supervisor.hpp"

namespace supervisor {

// Answers one JSON request per connection on a Unix socket:
//   {"command":"status"}  {"command":"restart","daemon":"pipelock"}
//   {"command":"reload","daemon":"egress"}
// with one JSON line: {"ok":true,...} or {"ok":false,"error":"..."}.
class ControlServer {
 public:
  ControlServer(bottle::uv::Loop& loop, const std::string& path, Supervisor& supervisor,
                std::shared_ptr<spdlog::logger> log);

  // Pure request handling, separate from the socket so it can be tested alone.
  static std::string handle_request(const std::string& request, Supervisor& supervisor);

 private:
  struct Client {
    std::unique_ptr<bottle::uv::UnixConnection> connection;
    std::string buffer;
  };
  Supervisor& supervisor_;
  std::shared_ptr<spdlog::logger> log_;
  std::list<std::unique_ptr<Client>> clients_;
  bottle::uv::UnixServer server_;
};

}  // namespace supervisor
