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

ReadinessProbe::ReadinessProbe(bottle::uv::Loop& loop, Readiness check, bottle::UniqueFd ready_read,
                               std::function<void()> on_ready, std::function<void()> on_timeout)
    : loop_(loop),
      check_(std::move(check)),
      on_ready_(std::move(on_ready)),
      on_timeout_(std::move(on_timeout)),
      deadline_(std::chrono::steady_clock::now() + check_.timeout),
      retry_timer_(loop) {
  retry_timer_.start(static_cast<std::uint64_t>(check_.timeout.count()), [this] { timed_out(); });
  notify_ = std::make_unique<bottle::uv::PipeReader>(
      loop, std::move(ready_read),
      [this](std::string_view bytes) {
        // Answered from a timer, not from inside the pipe's own callback:
        // being ready destroys this probe and its reader.
        if (bytes.find('\n') != std::string_view::npos) retry_timer_.start(0, [this] { ready(); });
      },
      // Closed without a newline: the daemon gave up saying it; the timeout
      // (or its exit) decides.
      [] {});
}

void ReadinessProbe::ready() {
  auto fn = std::move(on_ready_);
  if (fn) fn();  // may destroy this probe
}

void ReadinessProbe::timed_out() {
  auto fn = std::move(on_timeout_);
  if (fn) fn();  // may destroy this probe
}

void ReadinessProbe::attempt() {
  try {
    connect_ = std::make_unique<bottle::uv::TcpConnectAttempt>(loop_, check_.host, check_.tcp_port,
                                                               [this](bool accepted) {
                                                                 if (accepted) {
                                                                   ready();
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
    timed_out();
    return;
  }
  // Short first retries: the replacement binds within milliseconds, and every
  // allowlist change waits on this.
  retry_timer_.start(static_cast<std::uint64_t>(interval_.count()), [this] { attempt(); });
  interval_ = std::min(interval_ * 2, Millis(100));
}

}  // namespace supervisor
