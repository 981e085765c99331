#include "daemon_runner.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "signal_names.hpp"

namespace supervisor {

namespace {
// Longer lines are cut into pieces: one line must not hold the loop's memory hostage.
constexpr std::size_t kMaxLine = 16 * 1024;
// What one daemon's stream may deliver per loop turn: a flood waits its turn.
constexpr std::size_t kReadBudgetPerTurn = 64 * 1024;
// After SIGKILL, how often to look whether the group is gone (its last member
// may not be a child of ours, so no SIGCHLD says so).
constexpr std::uint64_t kGroupPollMs = 50;

ExitStatus decode_wait_status(int wait_status) {
  if (WIFSIGNALED(wait_status)) return {true, WTERMSIG(wait_status)};
  return {false, WEXITSTATUS(wait_status)};
}

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
}  // namespace

// Reads one pipe of one process and hands its lines to the sink.
class DaemonRunner::OutputRelay {
 public:
  OutputRelay(bottle::uv::Loop& loop, bottle::UniqueFd fd, LogSink& sink, std::size_t daemon,
              LogSink::Stream stream, std::function<void()> on_end)
      : splitter_(kMaxLine,
                  [&sink, daemon, stream](std::string_view text, bool continued) {
                    sink.daemon_line(stream, daemon, text, continued);
                  }),
        reader_(
            loop, std::move(fd), [this](std::string_view bytes) { splitter_.feed(bytes); },
            [this, on_end = std::move(on_end)] {
              splitter_.finish();
              on_end();  // destroys this relay
            },
            kReadBudgetPerTurn) {}

 private:
  LineSplitter splitter_;
  bottle::uv::PipeReader reader_;
};

DaemonRunner::DaemonRunner(bottle::uv::Loop& loop, const DaemonSpec& spec, Environment environment,
                           int listen_fd, LogSink& sink, FdReserve& fd_reserve,
                           std::shared_ptr<spdlog::logger> log,
                           std::function<void(DaemonRunner&)> on_failed)
    : loop_(loop),
      spec_(spec),
      environment_(std::move(environment)),
      listen_fd_(listen_fd),
      sink_(sink),
      sink_handle_(sink.add_daemon(spec.name)),
      fd_reserve_(fd_reserve),
      log_(std::move(log)),
      on_failed_(std::move(on_failed)),
      lifecycle_(spec.restart),
      stop_timer_(loop),
      backoff_timer_(loop) {}

DaemonRunner::~DaemonRunner() {
  // RAII for the child: a runner never leaves its daemon running behind it.
  if (pgid_ > 0) ::kill(-pgid_, SIGKILL);
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

void DaemonRunner::start() { act(lifecycle_.start()); }

void DaemonRunner::restart(const std::string& why) {
  if (lifecycle_.shutting_down()) {
    log_->info("{}: restart ({}) ignored: shutting down", spec_.name, why);
    return;
  }
  log_->info("{}: restart requested ({})", spec_.name, why);
  act(lifecycle_.restart_requested());
}

bool DaemonRunner::reload(const std::string& why) {
  if (pid_ <= 0 || lifecycle_.state() == DaemonState::stopping) {
    log_->warn("{}: reload ({}) not sent: no running process (state {})", spec_.name, why,
               to_string(lifecycle_.state()));
    return false;
  }
  log_->info("{}: reload ({}): sending {} to pid {}", spec_.name, why,
             signal_name(spec_.reload_signal), pid_);
  if (::kill(pid_, spec_.reload_signal) != 0) {
    log_->warn("{}: {} to pid {}: {}", spec_.name, signal_name(spec_.reload_signal), pid_,
               std::strerror(errno));
    return false;
  }
  return true;
}

void DaemonRunner::shutdown() { act(lifecycle_.shutdown()); }

void DaemonRunner::kill_now() {
  if (!process_alive()) return;
  log_->warn("{}: SIGKILL to process group {}", spec_.name, pgid_);
  killed_ = true;
  signal_group(SIGKILL, "SIGKILL");
  poll_killed_group();
}

void DaemonRunner::poll_killed_group() {
  // The group's last members may not be children of ours, so no SIGCHLD says
  // when it is gone: look, and kill whatever it forked in the meantime.
  stop_timer_.start(kGroupPollMs, [this] {
    check_group();
    if (!process_alive()) return;
    signal_group(SIGKILL, "SIGKILL");
    poll_killed_group();
  });
}

void DaemonRunner::act(Action action) {
  switch (action.kind) {
    case Action::none:
      break;
    case Action::spawn:
      spawn();
      break;
    case Action::send_stop_signal:
      send_stop_signal();
      break;
    case Action::schedule_restart:
      log_->warn("{}: restarting in {} ms (failure {} of {} allowed)", spec_.name,
                 action.delay.count(), lifecycle_.consecutive_failures(),
                 spec_.restart.start_limit);
      backoff_timer_.start(static_cast<std::uint64_t>(action.delay.count()),
                           [this] { act(lifecycle_.backoff_elapsed()); });
      break;
    case Action::cancel_backoff:
      backoff_timer_.stop();
      break;
    case Action::mark_failed:
      log_->error("{}: failed: crashed {} times in a row, past its start limit of {}", spec_.name,
                  lifecycle_.consecutive_failures(), spec_.restart.start_limit);
      if (action.delay.count() > 0) {
        log_->warn("{}: trying again in {} ms (restart.failed_retry_ms)", spec_.name,
                   action.delay.count());
        backoff_timer_.start(static_cast<std::uint64_t>(action.delay.count()),
                             [this] { act(lifecycle_.failed_retry_elapsed()); });
      }
      on_failed_(*this);
      break;
  }
}

void DaemonRunner::spawn() {
  backoff_timer_.stop();
  killed_ = false;
  LaunchSpec launch{spec_.argv,
                    environment_.env,
                    spec_.workdir,
                    environment_.run_as,
                    listen_fd_ >= 0 ? std::vector<int>{listen_fd_} : std::vector<int>{},
                    spec_.name,
                    spec_.readiness && spec_.readiness->kind == Readiness::Kind::notify};
  LaunchedProcess p;
  try {
    p = fd_reserve_.with_released([&] { return launch_process(launch); });
  } catch (const LaunchError& e) {
    // The child wrote why and exits 127 at once; it never ran the program,
    // so it is reaped here and counted as a crash, never reported as started.
    int status = 0;
    while (::waitpid(e.pid(), &status, 0) < 0 && errno == EINTR) {
    }
    spawn_failed(e.what());
    return;
  } catch (const std::exception& e) {
    spawn_failed(e.what());
    return;
  }
  pid_ = p.pid;
  pgid_ = p.pid;
  started_at_ = std::chrono::system_clock::now();
  relay_output(std::move(p.stdout_read), LogSink::Stream::out);
  relay_output(std::move(p.stderr_read), LogSink::Stream::err);
  lifecycle_.spawned(std::chrono::steady_clock::now(), spec_.readiness.has_value());
  log_->info("{}: started, pid {}", spec_.name, pid_);
  if (spec_.readiness) watch_readiness(std::move(p.ready_read));
}

void DaemonRunner::spawn_failed(const std::string& why) {
  log_->error("{}: cannot start: {}", spec_.name, why);
  last_exit_ = ExitStatus{false, 127};
  stopped_uncleanly_ = true;
  act(lifecycle_.spawn_failed(std::chrono::steady_clock::now()));
}

void DaemonRunner::watch_readiness(bottle::UniqueFd ready_read) {
  const Readiness& r = *spec_.readiness;
  auto on_ready = [this] {
    probe_.reset();
    lifecycle_.ready();
    if (spec_.readiness->kind == Readiness::Kind::notify)
      log_->info("{}: ready (it said so on SIDECAR_READY_FD)", spec_.name);
    else
      log_->info("{}: ready, accepting on port {}", spec_.name, spec_.readiness->tcp_port);
  };
  auto on_timeout = [this] {
    probe_.reset();
    if (spec_.readiness->kind == Readiness::Kind::notify)
      log_->error("{}: did not report ready within {} ms", spec_.name,
                  spec_.readiness->timeout.count());
    else
      log_->error("{}: not accepting on port {} after {} ms", spec_.name, spec_.readiness->tcp_port,
                  spec_.readiness->timeout.count());
    act(lifecycle_.readiness_timed_out());
  };
  if (r.kind == Readiness::Kind::notify) {
    probe_ =
        std::make_unique<ReadinessProbe>(loop_, r, std::move(ready_read), on_ready, on_timeout);
  } else {
    probe_ = std::make_unique<ReadinessProbe>(loop_, r, on_ready, on_timeout);
  }
}

void DaemonRunner::signal_group(int signum, const char* what) {
  // The whole group: a daemon's own children (a shell's pipeline, git-gate's
  // git daemon) stop with it. The daemon itself is signalled on its own only
  // if it left its group.
  if (pgid_ > 0 && ::kill(-pgid_, signum) != 0 && errno != ESRCH) {
    log_->warn("{}: {} to process group {}: {}", spec_.name, what, pgid_, std::strerror(errno));
  }
  if (pid_ > 0 && ::getpgid(pid_) != pgid_ && ::kill(pid_, signum) != 0 && errno != ESRCH) {
    log_->warn("{}: {} to pid {}: {}", spec_.name, what, pid_, std::strerror(errno));
  }
}

bool DaemonRunner::group_alive() const {
  if (pgid_ <= 0) return false;
  // EPERM means a member exists that we may not signal: still alive.
  return ::kill(-pgid_, 0) == 0 || errno == EPERM;
}

void DaemonRunner::send_stop_signal() {
  probe_.reset();
  if (pid_ <= 0 && !pending_exit_) return;
  if (pid_ > 0) {
    log_->info("{}: stopping pid {} and its process group with {} (SIGKILL after {} ms)",
               spec_.name, pid_, signal_name(spec_.stop_signal), spec_.stop_timeout.count());
  } else {
    log_->info("{}: stopping what is left of its process group {} with {} (SIGKILL after {} ms)",
               spec_.name, pgid_, signal_name(spec_.stop_signal), spec_.stop_timeout.count());
  }
  signal_group(spec_.stop_signal, signal_name(spec_.stop_signal).c_str());
  stop_timer_.start(static_cast<std::uint64_t>(spec_.stop_timeout.count()), [this] {
    log_->warn("{}: did not stop within {} ms", spec_.name, spec_.stop_timeout.count());
    kill_now();
  });
}

void DaemonRunner::process_exited(int wait_status) {
  const ExitStatus status = decode_wait_status(wait_status);
  const pid_t old_pid = pid_;
  pid_ = -1;
  probe_.reset();
  last_exit_ = status;
  log_->log(lifecycle_.state() == DaemonState::stopping ? spdlog::level::info : spdlog::level::warn,
            "{}: pid {} exited: {}{}", spec_.name, old_pid, status.describe(),
            killed_ ? " (after SIGKILL)" : "");
  if (group_alive()) {
    // Nothing of the old process may meet its successor (a helper holding
    // the daemon's port): the rest of the group is stopped first.
    pending_exit_ = status;
    if (lifecycle_.state() != DaemonState::stopping) {
      log_->warn("{}: its process group {} lives on; stopping it", spec_.name, pgid_);
    }
    act(lifecycle_.main_process_exited());
    return;
  }
  finish_exit(status);
}

void DaemonRunner::check_group() {
  if (pending_exit_ && !group_alive()) {
    const ExitStatus status = *pending_exit_;
    pending_exit_.reset();
    finish_exit(status);
  }
}

void DaemonRunner::finish_exit(const ExitStatus& status) {
  stop_timer_.stop();
  pgid_ = -1;
  const bool by_stop_signal = status.signaled && status.code == spec_.stop_signal;
  const bool clean_exit = !status.signaled && status.code == 0;
  stopped_uncleanly_ = killed_ || !(by_stop_signal || clean_exit);
  act(lifecycle_.exited(std::chrono::steady_clock::now(), status));
}

void DaemonRunner::relay_output(bottle::UniqueFd fd, LogSink::Stream stream) {
  relays_.emplace_back();
  auto it = std::prev(relays_.end());
  *it = std::make_unique<OutputRelay>(loop_, std::move(fd), sink_, sink_handle_, stream,
                                      [this, it] { relays_.erase(it); });
}

DaemonStatus DaemonRunner::status() const {
  const bool alive = pid_ > 0;
  const auto now = std::chrono::system_clock::now();
  return DaemonStatus{
      spec_.name,
      lifecycle_.state(),
      pid_,
      alive ? unix_ms(started_at_) : 0,
      alive ? std::chrono::duration_cast<std::chrono::milliseconds>(now - started_at_).count() : 0,
      lifecycle_.restarts(),
      last_exit_ ? std::optional<std::string>(last_exit_->describe()) : std::nullopt,
      lifecycle_.restart_pending(),
  };
}

}  // namespace supervisor
