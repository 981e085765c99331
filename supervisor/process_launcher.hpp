#pragma once

#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bottle/unique_fd.hpp"

namespace supervisor {

struct RunAs {
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;
  std::string name;
  std::string home;
};

// Looks the user up once, before any fork; throws ConfigError if unknown.
RunAs resolve_user(const std::string& name);

struct LaunchSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "NAME=value", the whole environment
  std::string workdir = "/";
  std::optional<RunAs> run_as;
  // Listening sockets handed over as fds 3, 4, ... with LISTEN_FDS, LISTEN_PID
  // and LISTEN_FDNAMES=name (systemd's socket activation protocol). Not owned.
  std::vector<int> listen_fds;
  std::string name;
  // A pipe whose write end the daemon gets as the next fd after the listening
  // sockets, named by SIDECAR_READY_FD: it writes a newline there once ready.
  bool ready_fd = false;
};

struct LaunchedProcess {
  pid_t pid = -1;
  bottle::UniqueFd stdout_read;
  bottle::UniqueFd stderr_read;
  bottle::UniqueFd ready_read;  // valid when LaunchSpec::ready_fd
};

// Thrown when the program could not be executed; the child has already exited
// with code 127 and is reaped like any other.
class LaunchError : public std::runtime_error {
 public:
  LaunchError(pid_t pid, const std::string& what) : std::runtime_error(what), pid_(pid) {}
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
};

// fork + exec, in its own process group, stdout and stderr on fresh pipes,
// stdin on /dev/null, and no other fd than the sockets and ready fd it asked
// for: nothing the supervisor holds (or inherited) leaks into a daemon.
// We do not use uv_spawn: libuv reaps its children with waitpid(pid) while PID 1
// must reap everything with waitpid(-1), and the two would steal each other's
// exits. Owning fork/exec leaves one reaper that sees every exit.
LaunchedProcess launch_process(const LaunchSpec& spec);

}  // namespace supervisor
