#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "bottle/unique_fd.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/pipe_reader.hpp"
#include "bottle/uv/tcp_connect_attempt.hpp"
#include "bottle/uv/timer.hpp"
#include "daemon_spec.hpp"

namespace supervisor {

// Waits for a started daemon to be ready, or for the timeout:
//   tcp_port: connects to the daemon's port until it accepts;
//   notify:   reads the daemon's ready pipe until a newline arrives (a daemon
//             whose socket the supervisor holds cannot be probed: that
//             socket always accepts).
// It wakes the loop only while a daemon is starting; idle costs nothing.
class ReadinessProbe {
 public:
  // tcp_port readiness.
  ReadinessProbe(bottle::uv::Loop& loop, Readiness check, std::function<void()> on_ready,
                 std::function<void()> on_timeout);
  // notify readiness: ready_read is the read end of the daemon's ready pipe.
  ReadinessProbe(bottle::uv::Loop& loop, Readiness check, bottle::UniqueFd ready_read,
                 std::function<void()> on_ready, std::function<void()> on_timeout);

 private:
  void attempt();
  void retry_later();
  void ready();
  void timed_out();

  bottle::uv::Loop& loop_;
  Readiness check_;
  std::function<void()> on_ready_;
  std::function<void()> on_timeout_;
  std::chrono::steady_clock::time_point deadline_;
  Millis interval_{5};
  bottle::uv::Timer retry_timer_;
  std::unique_ptr<bottle::uv::TcpConnectAttempt> connect_;
  std::unique_ptr<bottle::uv::PipeReader> notify_;
};

}  // namespace supervisor
