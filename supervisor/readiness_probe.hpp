#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/timer.hpp"
#include "bottle/uv/unix_server.hpp"
#include "daemon_spec.hpp"

namespace supervisor {

// Tries to connect to a daemon's port until it accepts or the timeout passes.
// It wakes the loop only while a daemon is starting; idle costs nothing.
class ReadinessProbe {
 public:
  ReadinessProbe(bottle::uv::Loop& loop, Readiness check, std::function<void()> on_ready,
                 std::function<void()> on_timeout);

 private:
  void attempt();
  void retry_later();

  bottle::uv::Loop& loop_;
  Readiness check_;
  std::function<void()> on_ready_;
  std::function<void()> on_timeout_;
  std::chrono::steady_clock::time_point deadline_;
  Millis interval_{5};
  bottle::uv::Timer retry_timer_;
  std::unique_ptr<bottle::uv::TcpConnectAttempt> connect_;
};

}  // namespace supervisor
