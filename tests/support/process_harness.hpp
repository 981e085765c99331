#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// What the process tests of every daemon need: a child process read line by
// line, a raw TCP exchange, a command run to completion, a scratch folder.
namespace bottle_test {

using namespace std::chrono_literals;

// A child process with its stdout and stderr on pipes, read line by line as
// the lines come (poll, never sleep). Killed and reaped on destruction.
class Process {
 public:
  // `env` entries ("NAME=value") are added to the inherited environment.
  explicit Process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // The next line on stdout (or stderr), or nothing by the deadline or at EOF.
  std::optional<std::string> stdout_line(std::chrono::milliseconds deadline = 10s);
  std::optional<std::string> stderr_line(std::chrono::milliseconds deadline = 10s);
  // The next stderr line containing `text`, or nothing by the deadline.
  std::optional<std::string> stderr_line_with(const std::string& text,
                                              std::chrono::milliseconds deadline = 10s);
  pid_t pid() const { return pid_; }
  // Whether the process is still running (not exited, not a zombie).
  bool running();

 private:
  struct Stream {
    int fd = -1;
    std::string buffer;
  };
  std::optional<std::string> line(Stream& s, std::chrono::milliseconds deadline);
  pid_t pid_ = -1;
  bool reaped_ = false;
  Stream out_;
  Stream err_;
};

// A raw client socket connected to 127.0.0.1:port (TCP_NODELAY, so each
// write goes out as written; reads time out after 10 s), or -1.
int dial_loopback(int port);

// Sends `request` to 127.0.0.1:port and returns everything read until the
// peer closes or the deadline passes.
std::string exchange(int port, const std::string& request,
                     std::chrono::milliseconds deadline = 10s);

// Runs a command (curl, git) with no proxy settings from the test's own
// environment, plus `env`; returns the exit code and stdout+stderr.
std::pair<int, std::string> run(const std::vector<std::string>& argv,
                                const std::map<std::string, std::string>& env = {});
// Runs a command that must succeed; throws with its output otherwise.
void must(const std::vector<std::string>& argv);

// Makes `bare` a bare repository whose main branch has one commit, adding a
// README that says `readme` (written in a work tree beside it, `<bare>-work`).
void make_bare_repository(const std::filesystem::path& bare, const std::string& readme);

// A new folder under the temporary directory.
std::filesystem::path scratch_dir(const std::string& stem);

}  // namespace bottle_test
