#include "readiness_probe.hpp"

#include <algorithm>

namespace supervisor {

ReadinessProbe::ReadinessProbe(bottle::uv::Loop& loop, Readiness check,
                               std::function<void()> on_ready, std::function<void()> on_timeout)
    : loop_(loop),
      check_(std::move(check)),
      on_ready_(std::move(on_ready)),
      on_timeout_(std::move(on_timeout)),
      deadline_(std::chrono::steady_clock::now() + check_.timeout),
      retry_timer_(loop) {
  attempt();
}

void ReadinessProbe::attempt() {
  try {
    connect_ = std::make_unique<bottle::uv::TcpConnectAttempt>(
        loop_, check_.host, check_.tcp_port, [this](bool accepted) {
          if (accepted) {
            auto ready = std::move(on_ready_);
            ready();  // may destroy this probe
            return;
          }
          retry_later();
        });
  } catch (const std::exception&) {
    retry_later();
  }
}

void ReadinessProbe::retry_later() {
  if (std::chrono::steady_clock::now() >= deadline_) {
    auto timeout = std::move(on_timeout_);
    timeout();  // may destroy this probe
    return;
  }
  // Short first retries: the replacement pipelock binds within milliseconds, and
  // every allowlist change waits on this.
  retry_timer_.start(static_cast<std::uint64_t>(interval_.count()), [this] { attempt(); });
  interval_ = std::min(interval_ * 2, Millis(100));
}

}  // namespace supervisor
