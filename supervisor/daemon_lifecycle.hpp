#pragma once

#include <chrono>
#include <string>

#include "daemon_spec.hpp"

namespace supervisor {

using Clock = std::chrono::steady_clock;

enum class DaemonState {
  stopped,   // never started, or stopped by shutdown
  starting,  // spawned, readiness check not passed yet
  running,   // spawned and ready
  stopping,  // stop signal sent, waiting for the exit
  backoff,   // exited, waiting to be started again
  exited,    // exited and its restart policy says not to start it again
  failed,    // crashed past its start limit
};

std::string to_string(DaemonState s);

// How a daemon process ended.
struct ExitStatus {
  bool signaled = false;
  int code = 0;  // exit code, or the signal number when signaled
  std::string describe() const;
};

// What the runner must do next. The state machine never touches a process or a
// timer itself, so every transition can be tested as plain data.
struct Action {
  enum Kind { none, spawn, send_stop_signal, schedule_restart, cancel_backoff, mark_failed };
  Kind kind = none;
  // schedule_restart: how long to wait; mark_failed: when to try again
  // (restart.failed_retry_ms), 0 for never.
  Millis delay{0};
};

// The restart state machine of one daemon: crashes, backoff, start limit,
// coalesced restart requests and shutdown.
class DaemonLifecycle {
 public:
  explicit DaemonLifecycle(RestartPolicy policy) : policy_(policy) {}

  Action start();
  void spawned(Clock::time_point now, bool has_readiness_check);
  // The program could not be started at all (exec failed): a crash at once.
  Action spawn_failed(Clock::time_point now);
  void ready();
  // The daemon's own process ended but other members of its process group
  // live on (its children, a crashed daemon's helper holding its port): they
  // are stopped before anything else happens, so a successor never meets them.
  Action main_process_exited();
  // The daemon's process and its whole process group are gone.
  Action exited(Clock::time_point now, const ExitStatus& status);
  // An operator's restart (SIGUSR1, sidecarctl). Requests that arrive while one is
  // under way are folded into it, with one guarantee: after the last request, a
  // process starts that was spawned after that request.
  Action restart_requested();
  // The readiness check gave up: stop the process and count it as a failed start.
  Action readiness_timed_out();
  Action backoff_elapsed();
  // restart.failed_retry_ms after being marked failed (keep-running daemons).
  Action failed_retry_elapsed();
  Action shutdown();

  DaemonState state() const { return state_; }
  int restarts() const { return restarts_; }
  int consecutive_failures() const { return consecutive_failures_; }
  bool restart_pending() const { return restart_pending_; }
  bool shutting_down() const { return shutting_down_; }
  bool process_alive() const {
    return state_ == DaemonState::starting || state_ == DaemonState::running ||
           state_ == DaemonState::stopping;
  }

 private:
  Action crashed(Clock::time_point now);

  RestartPolicy policy_;
  DaemonState state_ = DaemonState::stopped;
  Clock::time_point spawned_at_{};
  int restarts_ = 0;
  int consecutive_failures_ = 0;
  bool restart_pending_ = false;
  bool stop_is_failure_ = false;
  bool shutting_down_ = false;
};

}  // namespace supervisor
