#include "daemon_runner.hpp"

#include <sys/wait.h>

#include <csignal>
#include <cstring>

#include "signal_names.hpp"

namespace supervisor {

namespace {
// Longer lines are cut into pieces: one line must not hold the loop's memory hostage.
constexpr std::size_t kMaxLine = 16 * 1024;

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
  OutputRelay(bottle::uv::Loop& loop, bottle::UniqueFd fd, LogSink& sink, const std::string& name,
              LogSink::Stream stream, std::function<void()> on_end)
      : splitter_(kMaxLine,
                  [&sink, &name, stream](const std::string& text, bool continued) {
                    sink.daemon_line(stream, name, text, continued);
                  }),
        reader_(
            loop, std::move(fd), [this](std::string_view bytes) { splitter_.feed(bytes); },
            [this, on_end = std::move(on_end)] {
              splitter_.finish();
              on_end();  // destroys this relay
            }) {}

 private:
  LineSplitter splitter_;
  bottle::uv::PipeReader reader_;
};

DaemonRunner::DaemonRunner(bottle::uv::Loop& loop, const DaemonSpec& spec, Environment environment,
                           LogSink& sink, std::shared_ptr<spdlog::logger> log,
                           std::function<void(DaemonRunner&)> on_failed)
    : loop_(loop),
      spec_(spec),
      environment_(std::move(environment)),
      sink_(sink),
      log_(std::move(log)),
      on_failed_(std::move(on_failed)),
      lifecycle_(spec.restart),
      stop_timer_(loop),
      backoff_timer_(loop) {}

DaemonRunner::~DaemonRunner() {
  // RAII for the child: a runner never leaves its daemon running behind it.
  if (pid_ > 0) ::kill(-pid_, SIGKILL);
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
  ::kill(pid_, spec_.reload_signal);
  return true;
}

void DaemonRunner::shutdown() { act(lifecycle_.shutdown()); }

void DaemonRunner::kill_now() {
  if (pid_ <= 0) return;
  log_->warn("{}: SIGKILL to pid {}", spec_.name, pid_);
  killed_ = true;
  ::kill(-pid_, SIGKILL);
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
      on_failed_(*this);
      break;
  }
}

void DaemonRunner::spawn() {
  backoff_timer_.stop();
  killed_ = false;
  LaunchSpec launch{spec_.argv, environment_.env, spec_.workdir, environment_.run_as};
  try {
    LaunchedProcess p = launch_process(launch);
    pid_ = p.pid;
    relay_output(std::move(p.stdout_read), LogSink::Stream::out);
    relay_output(std::move(p.stderr_read), LogSink::Stream::err);
  } catch (const LaunchError& e) {
    // The child exits 127 at once; the reaper reports it like any crash.
    pid_ = e.pid();
    log_->error("{}: cannot start: {}", spec_.name, e.what());
  } catch (const std::exception& e) {
    log_->error("{}: cannot start: {}", spec_.name, e.what());
    lifecycle_.spawned(std::chrono::steady_clock::now(), false);
    act(lifecycle_.exited(std::chrono::steady_clock::now(), ExitStatus{false, 127}));
    return;
  }
  started_at_ = std::chrono::system_clock::now();
  lifecycle_.spawned(std::chrono::steady_clock::now(), spec_.readiness.has_value());
  log_->info("{}: started, pid {}", spec_.name, pid_);
  if (spec_.readiness) {
    probe_ = std::make_unique<ReadinessProbe>(
        loop_, *spec_.readiness,
        [this] {
          probe_.reset();
          lifecycle_.ready();
          log_->info("{}: ready, accepting on port {}", spec_.name, spec_.readiness->tcp_port);
        },
        [this] {
          probe_.reset();
          log_->error("{}: not accepting on port {} after {} ms", spec_.name,
                      spec_.readiness->tcp_port, spec_.readiness->timeout.count());
          act(lifecycle_.readiness_timed_out());
        });
  }
}

void DaemonRunner::send_stop_signal() {
  probe_.reset();
  if (pid_ <= 0) return;
  log_->info("{}: stopping pid {} with {} (SIGKILL after {} ms)", spec_.name, pid_,
             signal_name(spec_.stop_signal), spec_.stop_timeout.count());
  ::kill(pid_, spec_.stop_signal);
  stop_timer_.start(static_cast<std::uint64_t>(spec_.stop_timeout.count()), [this] {
    log_->warn("{}: did not stop within {} ms", spec_.name, spec_.stop_timeout.count());
    kill_now();
  });
}

void DaemonRunner::process_exited(int wait_status) {
  const ExitStatus status = decode_wait_status(wait_status);
  const pid_t old_pid = pid_;
  pid_ = -1;
  stop_timer_.stop();
  probe_.reset();
  last_exit_ = status;
  const bool by_stop_signal = status.signaled && status.code == spec_.stop_signal;
  const bool clean_exit = !status.signaled && status.code == 0;
  stopped_uncleanly_ = killed_ || !(by_stop_signal || clean_exit);
  auto level = lifecycle_.state() == DaemonState::stopping && !stopped_uncleanly_
                   ? spdlog::level::info
                   : spdlog::level::warn;
  log_->log(level, "{}: pid {} exited: {}{}", spec_.name, old_pid, status.describe(),
            killed_ ? " (after SIGKILL)" : "");
  act(lifecycle_.exited(std::chrono::steady_clock::now(), status));
}

void DaemonRunner::relay_output(bottle::UniqueFd fd, LogSink::Stream stream) {
  relays_.emplace_back();
  auto it = std::prev(relays_.end());
  *it = std::make_unique<OutputRelay>(loop_, std::move(fd), sink_, spec_.name, stream,
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
