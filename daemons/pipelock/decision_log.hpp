#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "bottle/uv/stream_writer.hpp"

namespace pipelock {

// One line per decision: who asked for what, what pipelock decided and why,
// and, for allowed connections, the bytes each way and how long it lasted.
struct Decision {
  std::string client;
  std::string method;
  std::string host;
  int port = 0;
  // Inside an intercepted tunnel, each request's target as a log may show it
  // (query values redacted) and the DLP rule that refused it.
  std::string path;
  std::string rule;
  bool allowed = false;
  std::string reason;
  std::uint64_t bytes_to_upstream = 0;
  std::uint64_t bytes_to_client = 0;
  std::chrono::steady_clock::duration duration{};
};

class DecisionLog {
 public:
  DecisionLog(bottle::uv::Loop& loop, int fd, bool json, bool include_allowed, bool include_blocked)
      : out_(loop, fd),
        json_(json),
        include_allowed_(include_allowed),
        include_blocked_(include_blocked) {}
  void record(const Decision& d);
  // The line as written, for tests.
  static std::string format(const Decision& d, bool json);

 private:
  bottle::uv::StreamWriter out_;
  bool json_;
  bool include_allowed_;
  bool include_blocked_;
};

}  // namespace pipelock
