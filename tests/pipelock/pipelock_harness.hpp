#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pipelock_test {

using namespace std::chrono_literals;

// A child process with its stdout and stderr on pipes, read line by line as
// the lines come (poll, never sleep). Killed and reaped on destruction.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // The next line on stdout (or stderr), or nothing by the deadline or at EOF.
  std::optional<std::string> stdout_line(std::chrono::milliseconds deadline = 10s);
  std::optional<std::string> stderr_line(std::chrono::milliseconds deadline = 10s);
  pid_t pid() const { return pid_; }

 private:
  struct Stream {
    int fd = -1;
    std::string buffer;
  };
  std::optional<std::string> line(Stream& s, std::chrono::milliseconds deadline);
  pid_t pid_ = -1;
  Stream out_;
  Stream err_;
};

// A scratch folder with a small site and a bare git repository, served over
// plain HTTP by Python's http.server on a loopback port (git's dumb protocol
// is enough for ls-remote).
class Upstream {
 public:
  Upstream();
  ~Upstream();
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Process> server_;
  int port_ = 0;
};

// The real pipelock with the given pipelock.yaml (listening on 127.0.0.1:0;
// the port is read from its start-up line).
class Pipelock {
 public:
  explicit Pipelock(const std::string& yaml);
  ~Pipelock();
  int port() const { return port_; }
  // The next decision line, as JSON text.
  std::optional<std::string> next_decision(std::chrono::milliseconds deadline = 10s) {
    return process_->stdout_line(deadline);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

// Sends `request` to 127.0.0.1:port and returns everything read until the
// peer closes or the deadline passes.
std::string exchange(int port, const std::string& request,
                     std::chrono::milliseconds deadline = 10s);

// Runs a command (curl, git) and returns exit code and stdout+stderr.
std::pair<int, std::string> run(const std::vector<std::string>& argv);

std::string pipelock_bin();

}  // namespace pipelock_test
