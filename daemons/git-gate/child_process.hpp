#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace git_gate {

// A program run as our child with its stdin and stdout on descriptors we
// choose, its stderr ours. Owned: destroying a ChildProcess that still runs
// kills and reaps it, so no git outlives the scan that started it.
class ChildProcess {
 public:
  // `stdin_fd` / `stdout_fd`: -1 for /dev/null. `env` is added to ours.
  ChildProcess(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd,
               const std::map<std::string, std::string>& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits for the exit; the exit code, or 128 + signal.
  int wait();

 private:
  pid_t pid_ = -1;
};

}  // namespace git_gate
