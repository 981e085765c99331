#include "supervisor.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>

#include "signal_names.hpp"

namespace supervisor {

Supervisor::Supervisor(bottle::uv::Loop& loop, std::vector<const DaemonSpec*> selected,
                       std::vector<DaemonRunner::Environment> environments, LogSink& sink,
                       std::shared_ptr<spdlog::logger> log, std::function<void(int)> on_done)
    : loop_(loop), log_(std::move(log)), on_done_(std::move(on_done)) {
  for (std::size_t i = 0; i < selected.size(); ++i) {
    runners_.push_back(
        std::make_unique<DaemonRunner>(loop, *selected[i], std::move(environments[i]), sink, log_,
                                       [this](DaemonRunner& r) { on_daemon_failed(r); }));
  }
}

void Supervisor::start() {
  // Handlers first: a daemon may die, or a signal arrive, before the last one starts.
  signals_.push_back(
      std::make_unique<bottle::uv::Signal>(loop_, SIGCHLD, [this] { reap_children(); }));
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) {
    signals_.push_back(std::make_unique<bottle::uv::Signal>(
        loop_, sig, [this, sig] { on_supervisor_signal(sig); }));
  }
  std::string names;
  for (const auto& r : runners_) names += (names.empty() ? "" : ", ") + r->spec().name;
  log_->info("starting {} daemons: {}", runners_.size(), names);
  for (const auto& r : runners_) r->start();
}

void Supervisor::reap_children() {
  // Every child, daemon or orphan reparented to us, is reaped here and only here.
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid == 0) break;
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: nothing left
    }
    if (DaemonRunner* r = runner_with_pid(pid)) {
      r->process_exited(status);
    } else {
      ++orphans_reaped_;
      log_->debug("reaped orphan pid {}", pid);
    }
  }
  finish_if_stopped();
}

void Supervisor::on_supervisor_signal(int signum) {
  const std::string why = "received " + signal_name(signum);
  if (signum == SIGTERM || signum == SIGINT) {
    shutdown(why, kExitClean);
    return;
  }
  bool mapped = false;
  for (const auto& r : runners_) {
    auto it = r->spec().on_signal.find(signum);
    if (it == r->spec().on_signal.end()) continue;
    mapped = true;
    if (it->second == SignalAction::restart)
      r->restart(why);
    else
      r->reload(why);
  }
  if (!mapped) log_->info("{}: no selected daemon is mapped to it; ignored", why);
}

void Supervisor::shutdown(const std::string& why, int exit_code) {
  if (shutting_down_) {
    if (exit_code == kExitClean) {
      // A second request means "now": whoever sent it will not wait for the timeouts.
      log_->warn("{} again: killing the remaining daemons now", why);
      for (const auto& r : runners_) r->kill_now();
    }
    return;
  }
  shutting_down_ = true;
  exit_code_ = exit_code;
  // All daemons are signalled at once, not in reverse order: the whole stop must
  // fit in Docker's 10 s grace period, and sequential stops would add up their
  // timeouts. No daemon needs another to stop cleanly.
  log_->info("shutting down ({})", why);
  for (const auto& r : runners_) r->shutdown();
  finish_if_stopped();
}

void Supervisor::finish_if_stopped() {
  if (!shutting_down_ || done_) return;
  for (const auto& r : runners_) {
    if (r->process_alive()) return;
  }
  done_ = true;
  signals_.clear();
  int code = exit_code_;
  if (code == kExitClean) {
    for (const auto& r : runners_) {
      if (r->stopped_uncleanly()) code = kExitUnclean;
    }
  }
  log_->info("all daemons stopped; exiting with code {}", code);
  on_done_(code);
}

void Supervisor::on_daemon_failed(DaemonRunner& runner) {
  if (runner.spec().restart.on_failed == FailedAction::shutdown_bundle) {
    // Fail closed: without pipelock the agent must have no way out at all, so the
    // whole bundle goes down and Docker's restart policy and health checks see it.
    log_->error("{} failed and its registry entry says on_failed: shutdown; taking the bundle down",
                runner.spec().name);
    shutdown(runner.spec().name + " failed", kExitDaemonFailed);
  } else {
    log_->error("{} stays failed; the other daemons keep running", runner.spec().name);
  }
}

DaemonRunner* Supervisor::find(const std::string& name) const {
  for (const auto& r : runners_) {
    if (r->spec().name == name) return r.get();
  }
  return nullptr;
}

DaemonRunner* Supervisor::runner_with_pid(pid_t pid) const {
  for (const auto& r : runners_) {
    if (r->pid() == pid) return r.get();
  }
  return nullptr;
}

DaemonRunner* Supervisor::find_for(const char* verb, const std::string& name,
                                   const std::string& why) const {
  DaemonRunner* r = find(name);
  if (r == nullptr) log_->warn("{} of '{}' ({}) ignored: no such selected daemon", verb, name, why);
  return r;
}

bool Supervisor::restart(const std::string& name, const std::string& why) {
  DaemonRunner* r = find_for("restart", name, why);
  if (r != nullptr) r->restart(why);
  return r != nullptr;
}

bool Supervisor::reload(const std::string& name, const std::string& why) {
  DaemonRunner* r = find_for("reload", name, why);
  return r != nullptr && r->reload(why);
}

std::vector<DaemonStatus> Supervisor::status() const {
  std::vector<DaemonStatus> out;
  for (const auto& r : runners_) out.push_back(r->status());
  return out;
}

}  // namespace supervisor
