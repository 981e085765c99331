#include "supervisor.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "bottle/text/join.hpp"
#include "descendants.hpp"
#include "signal_names.hpp"

namespace supervisor {

namespace {
// Enough for one spawn: three pipes, a ready pipe, /dev/null, and the fds the
// child moves before exec.
constexpr int kReservedFds = 16;
// After SIGKILL, the most we wait for the last descendants to be reaped.
constexpr std::uint64_t kKillWaitMs = 2000;
}  // namespace

Supervisor::Supervisor(bottle::uv::Loop& loop, std::vector<Daemon> daemons, LogSink& sink,
                       std::shared_ptr<spdlog::logger> log, Options options,
                       std::function<void(int)> on_done)
    : loop_(loop),
      log_(std::move(log)),
      options_(options),
      on_done_(std::move(on_done)),
      fd_reserve_(kReservedFds),
      descendant_timer_(loop) {
  for (auto& d : daemons) {
    runners_.push_back(std::make_unique<DaemonRunner>(
        loop, *d.spec, std::move(d.environment), d.listen_fd, sink, fd_reserve_, log_,
        [this](DaemonRunner& r) { on_daemon_failed(r); }));
  }
}

void Supervisor::install_signal_handlers() {
  signals_.push_back(
      std::make_unique<bottle::uv::Signal>(loop_, SIGCHLD, [this] { reap_children(); }));
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) {
    signals_.push_back(std::make_unique<bottle::uv::Signal>(
        loop_, sig, [this, sig] { on_supervisor_signal(sig); }));
  }
}

void Supervisor::start() {
  log_->info("starting {} daemons: {}", runners_.size(),
             bottle::text::join(runners_, ", ", [](const auto& r) { return r->spec().name; }));
  for (const auto& r : runners_) r->start();
  // A child may have exited before its SIGCHLD handler could see it.
  reap_children();
}

void Supervisor::reap_children() {
  // Every child, daemon or orphan reparented to us, is reaped here and only here.
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid == 0) break;
    if (pid < 0) {
      if (errno == EINTR) continue;
      if (errno != ECHILD) log_->warn("waitpid: {}", std::strerror(errno));
      break;
    }
    if (DaemonRunner* r = runner_with_pid(pid)) {
      r->process_exited(status);
    } else {
      ++orphans_reaped_;
      log_->debug("reaped orphan pid {}", pid);
    }
  }
  // A daemon's exit may have waited for the rest of its group, whose last
  // members were just reaped.
  for (const auto& r : runners_) r->check_group();
  advance_shutdown();
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
  if (phase_ != ShutdownPhase::running) {
    if (exit_code == kExitClean) {
      // A second request means "now": whoever sent it will not wait for the timeouts.
      log_->warn("{} again: killing the remaining daemons now", why);
      for (const auto& r : runners_) r->kill_now();
      if (phase_ == ShutdownPhase::ending_descendants) {
        phase_ = ShutdownPhase::killing_descendants;
        signal_descendants(SIGKILL);
      }
    }
    return;
  }
  phase_ = ShutdownPhase::stopping_daemons;
  exit_code_ = exit_code;
  // All daemons are signalled at once, not in reverse order: the whole stop must
  // fit in Docker's 10 s grace period, and sequential stops would add up their
  // timeouts. No daemon needs another to stop cleanly.
  log_->info("shutting down ({})", why);
  for (const auto& r : runners_) r->shutdown();
  advance_shutdown();
}

void Supervisor::advance_shutdown() {
  switch (phase_) {
    case ShutdownPhase::running:
    case ShutdownPhase::done:
      return;
    case ShutdownPhase::stopping_daemons:
      for (const auto& r : runners_) {
        if (r->process_alive()) return;
      }
      if (!has_children()) {
        finish();
        return;
      }
      // Nothing of a bottle may outlive its supervisor: whatever the daemons
      // left (a setsid() grandchild, pipelock's tunnel carrier, a helper
      // reparented to us) is ended too.
      phase_ = ShutdownPhase::ending_descendants;
      log_->info("daemons stopped; sending SIGTERM to {} remaining descendant(s)",
                 signal_descendants(SIGTERM));
      descendant_timer_.start(
          static_cast<std::uint64_t>(options_.descendant_grace.count()), [this] {
            phase_ = ShutdownPhase::killing_descendants;
            log_->warn("descendants still alive after {} ms: SIGKILL to {}",
                       options_.descendant_grace.count(), signal_descendants(SIGKILL));
            descendant_timer_.start(kKillWaitMs, [this] {
              log_->error("descendants survived SIGKILL; exiting anyway");
              finish();
            });
          });
      return;
    case ShutdownPhase::ending_descendants:
    case ShutdownPhase::killing_descendants:
      if (!has_children()) finish();
      return;
  }
}

void Supervisor::finish() {
  if (phase_ == ShutdownPhase::done) return;
  phase_ = ShutdownPhase::done;
  descendant_timer_.stop();
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
    log_->error("{} stays failed until its retry; the other daemons keep running",
                runner.spec().name);
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
