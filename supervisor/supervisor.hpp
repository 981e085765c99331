#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/signal.hpp"
#include "bottle/uv/timer.hpp"
#include "daemon_runner.hpp"
#include "daemon_spec.hpp"
#include "fd_reserve.hpp"
#include "log_sink.hpp"

namespace supervisor {

// Exit codes of sidecar-supervisor (documented in docs/supervisor.md).
enum ExitCode : int {
  kExitClean = 0,         // requested shutdown, every daemon stopped cleanly
  kExitUnclean = 1,       // requested shutdown, some daemon had to be killed or failed to stop
  kExitConfig = 2,        // bad registry, selection or flags; nothing started
  kExitDaemonFailed = 3,  // a daemon with on_failed: shutdown failed; bundle taken down
  kExitInternal = 4,      // the supervisor itself could not run (socket, loop)
};

// Where a shutdown is: named states, not flags.
enum class ShutdownPhase {
  running,              // no shutdown asked for
  stopping_daemons,     // stop signals sent, waiting for every daemon's group
  ending_descendants,   // daemons gone; SIGTERM sent to whatever else is left
  killing_descendants,  // the grace period passed; SIGKILL sent
  done,                 // nothing left; on_done called
};

// The duties of PID 1: start the selected daemons, reap every child, map
// signals to daemons, and shut down within a bound, leaving nothing behind.
class Supervisor {
 public:
  struct Daemon {
    const DaemonSpec* spec;
    DaemonRunner::Environment environment;
    int listen_fd = -1;  // the socket the supervisor holds for it, or -1
  };
  struct Options {
    // After the daemons have stopped, how long anything else still alive
    // (a setsid() grandchild, pipelock's tunnel carrier) has between SIGTERM
    // and SIGKILL.
    Millis descendant_grace{1000};
  };

  Supervisor(bottle::uv::Loop& loop, std::vector<Daemon> daemons, LogSink& sink,
             std::shared_ptr<spdlog::logger> log, Options options,
             std::function<void(int exit_code)> on_done);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Watches SIGCHLD and the signals the supervisor acts on. Call before
  // unblocking them: a signal that came early is handled once the loop runs.
  void install_signal_handlers();
  void start();
  void shutdown(const std::string& why, int exit_code);

  // The control interface's verbs; false when no selected daemon has that name.
  bool restart(const std::string& name, const std::string& why);
  bool reload(const std::string& name, const std::string& why);
  std::vector<DaemonStatus> status() const;
  bool has_daemon(const std::string& name) const { return find(name) != nullptr; }
  bool shutting_down() const { return phase_ != ShutdownPhase::running; }
  std::size_t orphans_reaped() const { return orphans_reaped_; }

 private:
  void reap_children();
  void on_supervisor_signal(int signum);
  void on_daemon_failed(DaemonRunner& runner);
  void advance_shutdown();
  void finish();
  DaemonRunner* find(const std::string& name) const;
  // The daemon whose current process this is; nullptr for an orphan.
  DaemonRunner* runner_with_pid(pid_t pid) const;
  // The named runner, or nullptr with a logged warning naming the verb.
  DaemonRunner* find_for(const char* verb, const std::string& name, const std::string& why) const;

  bottle::uv::Loop& loop_;
  std::shared_ptr<spdlog::logger> log_;
  Options options_;
  std::function<void(int)> on_done_;
  FdReserve fd_reserve_;
  std::vector<std::unique_ptr<DaemonRunner>> runners_;
  std::vector<std::unique_ptr<bottle::uv::Signal>> signals_;
  bottle::uv::Timer descendant_timer_;
  ShutdownPhase phase_ = ShutdownPhase::running;
  int exit_code_ = kExitClean;
  std::size_t orphans_reaped_ = 0;
};

}  // namespace supervisor
