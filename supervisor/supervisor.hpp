#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/signal.hpp"
#include "daemon_runner.hpp"
#include "daemon_spec.hpp"
#include "log_sink.hpp"

namespace supervisor {

// Exit codes of sidecar-supervisor (documented in the README).
enum ExitCode : int {
  kExitClean = 0,         // requested shutdown, every daemon stopped cleanly
  kExitUnclean = 1,       // requested shutdown, some daemon had to be killed or failed to stop
  kExitConfig = 2,        // bad registry, selection or flags; nothing started
  kExitDaemonFailed = 3,  // a daemon with on_failed: shutdown failed; bundle taken down
  kExitInternal = 4,      // the supervisor itself could not run (socket, loop)
};

// The duties of PID 1: start the selected daemons, reap every child, map
// signals to daemons, and shut down within a bound.
class Supervisor {
 public:
  Supervisor(bottle::uv::Loop& loop, std::vector<const DaemonSpec*> selected,
             std::vector<DaemonRunner::Environment> environments, LogSink& sink,
             std::shared_ptr<spdlog::logger> log, std::function<void(int exit_code)> on_done);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  void start();
  void shutdown(const std::string& why, int exit_code);

  // The control interface's verbs; false when no selected daemon has that name.
  bool restart(const std::string& name, const std::string& why);
  bool reload(const std::string& name, const std::string& why);
  std::vector<DaemonStatus> status() const;
  bool has_daemon(const std::string& name) const { return find(name) != nullptr; }
  bool shutting_down() const { return shutting_down_; }
  std::size_t orphans_reaped() const { return orphans_reaped_; }

 private:
  void reap_children();
  void on_supervisor_signal(int signum);
  void on_daemon_failed(DaemonRunner& runner);
  void finish_if_stopped();
  DaemonRunner* find(const std::string& name) const;
  // The daemon whose current process this is; nullptr for an orphan.
  DaemonRunner* runner_with_pid(pid_t pid) const;
  // The named runner, or nullptr with a logged warning naming the verb.
  DaemonRunner* find_for(const char* verb, const std::string& name, const std::string& why) const;

  bottle::uv::Loop& loop_;
  std::shared_ptr<spdlog::logger> log_;
  std::function<void(int)> on_done_;
  std::vector<std::unique_ptr<DaemonRunner>> runners_;
  std::vector<std::unique_ptr<bottle::uv::Signal>> signals_;
  bool shutting_down_ = false;
  bool done_ = false;
  int exit_code_ = kExitClean;
  std::size_t orphans_reaped_ = 0;
};

}  // namespace supervisor
