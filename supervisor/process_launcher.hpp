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
};

struct LaunchedProcess {
  pid_t pid = -1;
  bottle::UniqueFd stdout_read;
  bottle::UniqueFd stderr_read;
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

// fork + exec, in its own process group, stdout and stderr on fresh pipes.
// We do not use uv_spawn: libuv reaps its children with waitpid(pid) while PID 1
// must reap everything with waitpid(-1), and the two would steal each other's
// exits. Owning fork/exec leaves one reaper that sees every exit.
LaunchedProcess launch_process(const LaunchSpec& spec);

}  // namespace supervisor
