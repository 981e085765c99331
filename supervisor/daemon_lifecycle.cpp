#include "daemon_lifecycle.hpp"

#include <algorithm>

#include "signal_names.hpp"

namespace supervisor {

std::string to_string(DaemonState s) {
  switch (s) {
    case DaemonState::stopped:
      return "stopped";
    case DaemonState::starting:
      return "starting";
    case DaemonState::running:
      return "running";
    case DaemonState::stopping:
      return "stopping";
    case DaemonState::backoff:
      return "backoff";
    case DaemonState::exited:
      return "exited";
    case DaemonState::failed:
      return "failed";
  }
  return "unknown";
}

std::string ExitStatus::describe() const {
  return signaled ? "killed by " + signal_name(code) : "exit code " + std::to_string(code);
}

Action DaemonLifecycle::start() {
  if (shutting_down_ || process_alive()) return {};
  state_ = DaemonState::starting;
  return {Action::spawn};
}

void DaemonLifecycle::spawned(Clock::time_point now, bool has_readiness_check) {
  spawned_at_ = now;
  state_ = has_readiness_check ? DaemonState::starting : DaemonState::running;
}

Action DaemonLifecycle::spawn_failed(Clock::time_point now) {
  spawned_at_ = now;
  if (shutting_down_) {
    state_ = DaemonState::stopped;
    return {};
  }
  restart_pending_ = false;  // this spawn was the one a pending restart asked for
  return crashed(now);
}

Action DaemonLifecycle::main_process_exited() {
  if (state_ != DaemonState::starting && state_ != DaemonState::running) return {};
  // Exited on its own: what is left of its group is stopped first; the exit
  // is then judged (crash or not) as if the process had ended with its group.
  state_ = DaemonState::stopping;
  return {Action::send_stop_signal};
}

void DaemonLifecycle::ready() {
  if (state_ == DaemonState::starting) state_ = DaemonState::running;
}

Action DaemonLifecycle::exited(Clock::time_point now, const ExitStatus& status) {
  if (shutting_down_) {
    state_ = DaemonState::stopped;
    return {};
  }
  if (state_ == DaemonState::stopping && restart_pending_) {
    restart_pending_ = false;
    ++restarts_;
    state_ = DaemonState::starting;
    return {Action::spawn};
  }
  if (state_ == DaemonState::stopping && stop_is_failure_) {
    stop_is_failure_ = false;
    return crashed(now);
  }
  const bool clean = !status.signaled && status.code == 0;
  if (policy_.mode == RestartMode::never || (policy_.mode == RestartMode::on_failure && clean)) {
    state_ = DaemonState::exited;
    return {};
  }
  return crashed(now);
}

Action DaemonLifecycle::crashed(Clock::time_point now) {
  // A long, stable run forgives earlier crashes; a quick death adds to them.
  if (now - spawned_at_ >= policy_.stable_after) consecutive_failures_ = 0;
  ++consecutive_failures_;
  if (consecutive_failures_ > policy_.start_limit) {
    state_ = DaemonState::failed;
    // A keep-running daemon is not given up for good: a transient cause (a
    // full disk, an upstream down) must not leave it failed until someone
    // notices. shutdown daemons take the bundle down instead.
    const bool retry = policy_.on_failed == FailedAction::keep_running;
    return {Action::mark_failed, retry ? policy_.failed_retry : Millis(0)};
  }
  Millis delay = policy_.backoff_initial;
  for (int i = 1; i < consecutive_failures_ && delay < policy_.backoff_max; ++i) delay *= 2;
  state_ = DaemonState::backoff;
  return {Action::schedule_restart, std::min(delay, policy_.backoff_max)};
}

Action DaemonLifecycle::restart_requested() {
  if (shutting_down_) return {};
  switch (state_) {
    case DaemonState::starting:
    case DaemonState::running:
      // Even a process still starting may have read the old config: replace it.
      restart_pending_ = true;
      stop_is_failure_ = false;
      state_ = DaemonState::stopping;
      return {Action::send_stop_signal};
    case DaemonState::stopping:
      restart_pending_ = true;  // the spawn after this exit comes after the request
      stop_is_failure_ = false;
      return {};
    case DaemonState::backoff:
      // The operator asked for it, presumably having fixed the config: start now
      // and forgive the earlier failures.
      consecutive_failures_ = 0;
      ++restarts_;
      state_ = DaemonState::starting;
      return {Action::spawn};  // spawning always cancels the pending backoff timer
    case DaemonState::stopped:
    case DaemonState::exited:
    case DaemonState::failed:
      consecutive_failures_ = 0;
      ++restarts_;
      state_ = DaemonState::starting;
      return {Action::spawn};
  }
  return {};
}

Action DaemonLifecycle::readiness_timed_out() {
  if (state_ != DaemonState::starting || shutting_down_) return {};
  stop_is_failure_ = true;
  state_ = DaemonState::stopping;
  return {Action::send_stop_signal};
}

Action DaemonLifecycle::backoff_elapsed() {
  if (state_ != DaemonState::backoff || shutting_down_) return {};
  ++restarts_;
  state_ = DaemonState::starting;
  return {Action::spawn};
}

Action DaemonLifecycle::failed_retry_elapsed() {
  if (state_ != DaemonState::failed || shutting_down_) return {};
  consecutive_failures_ = 0;
  ++restarts_;
  state_ = DaemonState::starting;
  return {Action::spawn};
}

Action DaemonLifecycle::shutdown() {
  shutting_down_ = true;
  restart_pending_ = false;
  switch (state_) {
    case DaemonState::starting:
    case DaemonState::running:
      state_ = DaemonState::stopping;
      return {Action::send_stop_signal};
    case DaemonState::backoff:
      state_ = DaemonState::stopped;
      return {Action::cancel_backoff};
    case DaemonState::failed:
      return {Action::cancel_backoff};  // a pending failed_retry_ms must not fire
    default:
      return {};  // already stopping, or nothing running
  }
}

}  // namespace supervisor
