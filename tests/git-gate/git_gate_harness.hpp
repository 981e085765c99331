#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "process_harness.hpp"

namespace git_gate_test {

using namespace std::chrono_literals;

// The real git-gate (and the git daemon it runs) on a loopback port, with
// one upstream "proj": a bare repository reached over file://. ssh would add
// only OpenSSH's own key handling to what is tested, and GIT_SSH_COMMAND is
// covered by a unit test. The upstream starts with one commit on main.
class Gate {
 public:
  Gate();
  ~Gate();
  std::string url() const { return "git://127.0.0.1:" + std::to_string(port_) + "/proj"; }
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

 private:
  std::filesystem::path dir_;
  std::unique_ptr<bottle_test::Process> process_;
  int port_ = 0;
};

}  // namespace git_gate_test
