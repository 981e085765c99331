#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "process_harness.hpp"

namespace git_gate_test {

using namespace std::chrono_literals;

struct GateOptions {
  // Like a hosted upstream's protected branch: history is never rewritten.
  bool upstream_denies_non_fast_forward = true;
  std::string extra_config;                  // lines added to git-gate.yaml
  std::map<std::string, std::string> files;  // written beside git-gate.yaml before the start
};

// The real git-gate (and the git daemon it runs) on a loopback port, with
// one upstream "proj": a bare repository reached over file://. ssh would add
// only OpenSSH's own key handling to what is tested, and GIT_SSH_COMMAND is
// covered by a unit test. The upstream starts with one commit on main.
// git-gate leads its own process group, as under the supervisor, and is
// stopped the supervisor's way: SIGTERM to the group, then SIGKILL.
class Gate {
 public:
  explicit Gate(GateOptions options = {});
  ~Gate();
  std::string url() const { return "git://127.0.0.1:" + std::to_string(port_) + "/proj"; }
  int port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  bottle_test::Process& process() { return *process_; }
  std::filesystem::path upstream() const { return dir_ / "upstream.git"; }
  std::filesystem::path gate_repo() const { return dir_ / "repos" / "proj.git"; }
  const std::filesystem::path& dir() const { return dir_; }
  // A clone of the gate in a new folder under dir(), with a committer set.
  std::string clone(const std::string& name);
  // `git -C repo args...`, its exit code and output.
  std::pair<int, std::string> git(const std::string& repo, const std::vector<std::string>& args);
  // The commit a ref names in a repository ("" when none).
  std::string rev(const std::filesystem::path& repo, const std::string& ref);
  // Writes `content` to `file` in `repo` and commits it; returns the new commit.
  std::string commit_file(const std::string& repo, const std::string& file,
                          const std::string& content, const std::string& message);
  // The next decision line git-gate writes on stdout ("" by the deadline).
  std::string decision_line(std::chrono::milliseconds deadline = 10s);
  // Stops git-gate as the supervisor does: SIGTERM to its process group, a
  // bounded wait, SIGKILL to the group. Returns the processes of the group
  // that outlived the SIGTERM (their command lines): none, when all is well.
  std::vector<std::string> stop();

 private:
  std::filesystem::path dir_;
  std::unique_ptr<bottle_test::Process> process_;
  int port_ = 0;
  bool stopped_ = false;
};

// Waits up to `deadline` for process `pid` (any, not only a child) to end.
bool await_exit(pid_t pid, std::chrono::milliseconds deadline);

// The processes whose process group is `group` and that have not ended.
std::vector<pid_t> group_members(pid_t group);

}  // namespace git_gate_test
