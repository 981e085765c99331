#pragma once

#include <spdlog/logger.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/pipe_reader.hpp"
#include "bottle/uv/timer.hpp"
#include "daemon_lifecycle.hpp"
#include "daemon_spec.hpp"
#include "fd_reserve.hpp"
#include "line_splitter.hpp"
#include "log_sink.hpp"
#include "process_launcher.hpp"
#include "readiness_probe.hpp"

namespace supervisor {

struct DaemonStatus {
  std::string name;
  DaemonState state;
  pid_t pid;  // -1 when no process
  std::int64_t started_at_unix_ms;
  std::int64_t uptime_ms;
  int restarts;
  std::optional<std::string> last_exit;
  bool restart_pending;
};

// Runs one daemon: spawns it, relays its output, stops it and its whole
// process group, and follows its DaemonLifecycle for restarts, backoff and
// failure.
class DaemonRunner {
 public:
  struct Environment {
    std::vector<std::string> env;  // the daemon's whole environment
    std::optional<RunAs> run_as;
  };

  // listen_fd: the socket the supervisor holds for this daemon (listen_socket), or -1.
  DaemonRunner(bottle::uv::Loop& loop, const DaemonSpec& spec, Environment environment,
               int listen_fd, LogSink& sink, FdReserve& fd_reserve,
               std::shared_ptr<spdlog::logger> log, std::function<void(DaemonRunner&)> on_failed);
  DaemonRunner(const DaemonRunner&) = delete;
  DaemonRunner& operator=(const DaemonRunner&) = delete;
  ~DaemonRunner();

  void start();
  void restart(const std::string& why);
  // Sends the reload signal; false (and logged) when no process is running.
  bool reload(const std::string& why);
  void shutdown();
  // Second SIGTERM, or shutdown overdue: SIGKILL the process group now.
  void kill_now();
  // The reaper saw this daemon's process end.
  void process_exited(int wait_status);
  // After each round of reaping: finishes an exit that waited for the rest of
  // the daemon's process group to be gone.
  void check_group();

  const DaemonSpec& spec() const { return spec_; }
  pid_t pid() const { return pid_; }
  // The daemon's process, or what is left of its process group, still lives.
  bool process_alive() const { return pid_ > 0 || pending_exit_.has_value(); }
  // Ended by something other than its own stop signal or a clean exit.
  bool stopped_uncleanly() const { return stopped_uncleanly_; }
  DaemonStatus status() const;

 private:
  class OutputRelay;
  void act(Action action);
  void spawn();
  void spawn_failed(const std::string& why);
  void send_stop_signal();
  void poll_killed_group();
  void signal_group(int signum, const char* why);
  bool group_alive() const;
  void finish_exit(const ExitStatus& status);
  void watch_readiness(bottle::UniqueFd ready_read);
  void relay_output(bottle::UniqueFd fd, LogSink::Stream stream);

  bottle::uv::Loop& loop_;
  const DaemonSpec& spec_;
  Environment environment_;
  int listen_fd_;
  LogSink& sink_;
  std::size_t sink_handle_;
  FdReserve& fd_reserve_;
  std::shared_ptr<spdlog::logger> log_;
  std::function<void(DaemonRunner&)> on_failed_;
  DaemonLifecycle lifecycle_;

  pid_t pid_ = -1;   // the daemon's own process
  pid_t pgid_ = -1;  // its process group (its pid at spawn), until the group is empty
  // The daemon's process has ended but members of its group live on.
  std::optional<ExitStatus> pending_exit_;
  std::chrono::system_clock::time_point started_at_{};
  std::optional<ExitStatus> last_exit_;
  bool killed_ = false;
  bool stopped_uncleanly_ = false;
  bottle::uv::Timer stop_timer_;
  bottle::uv::Timer backoff_timer_;
  std::unique_ptr<ReadinessProbe> probe_;
  // Outputs of current and earlier processes: a pipe is read to its end even
  // after its process has gone, so no last words are lost.
  std::list<std::unique_ptr<OutputRelay>> relays_;
};

}  // namespace supervisor
