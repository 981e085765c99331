#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace harness {

using namespace std::chrono_literals;

// Polls a condition until it holds or the deadline passes. For states that no
// event announces (a zombie gone, a pid replaced); the deadline only bounds a
// failing test, it asserts no speed.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds deadline = std::chrono::seconds(20));

int free_tcp_port();

// A line-based TCP client of testd, held open across restarts of other daemons.
class TestdConnection {
 public:
  explicit TestdConnection(int port);
  TestdConnection(const TestdConnection&) = delete;
  ~TestdConnection();
  // Sends one command, returns its one-line answer ("" if the connection broke).
  std::string ask(const std::string& command);

 private:
  int fd_ = -1;
};

// The real sidecar-supervisor, PID 1 of a fresh PID namespace
// (unshare --pid --fork --mount-proc), with its own registry and control socket.
class SupervisorUnderTest {
 public:
  struct Options {
    std::map<std::string, std::string> env = {};  // added to the supervisor's environment
    bool stdout_to_unread_pipe = false;           // a log reader that never reads
    std::vector<std::string> extra_args = {};
    bool pid_namespace = true;              // false: an ordinary child of the test, as a subreaper
    bool stdout_read_continuously = false;  // a fast log reader: a thread drains stdout
    // With stdout_read_continuously: lines starting with this are read and thrown
    // away (a flood the test needs read fast, but not kept).
    std::string stdout_discard_prefix = {};
    int nofile_limit = 0;  // RLIMIT_NOFILE of the supervisor, if > 0
    bool leak_fd = false;  // the supervisor inherits fd 9 (/dev/null) without close-on-exec
    // Blocked in the supervisor's inherited mask and already pending when it
    // starts (only without a PID namespace: unshare's fork would drop them).
    std::vector<int> pending_signals = {};
  };

  explicit SupervisorUnderTest(const std::string& registry_yaml, Options options);
  explicit SupervisorUnderTest(const std::string& registry_yaml)
      : SupervisorUnderTest(registry_yaml, Options{}) {}
  SupervisorUnderTest(const SupervisorUnderTest&) = delete;
  ~SupervisorUnderTest();

  // The supervisor's pid as seen from the test (outside its namespace).
  pid_t pid() const { return supervisor_pid_; }
  void signal(int signum) const;
  // sidecarctl status --json; nullopt when the supervisor does not answer.
  std::optional<nlohmann::json> status() const;
  std::optional<nlohmann::json> daemon(const std::string& name) const;
  // Waits until the named daemon is running (and ready, if it has a check).
  bool wait_running(const std::string& name) const;
  // Waits until testd `name` said it started: from then on it handles its signals
  // (a daemon signalled earlier dies of the default action, as any program would).
  bool wait_testd_started(const std::string& name) const;
  // Runs sidecarctl with these arguments; returns its exit code and output.
  std::pair<int, std::string> sidecarctl(const std::vector<std::string>& args) const;
  // Waits for the supervisor to exit; its exit code, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds deadline = std::chrono::seconds(20));
  std::string stdout_text() const;
  std::string stderr_text() const;
  // Direct children of the supervisor: outer pids, with their state letter.
  std::map<pid_t, char> children() const;
  // Children whose command line contains "--name <daemon>".
  std::vector<pid_t> processes_named(const std::string& daemon) const;
  // Every live process below the supervisor (zombies left out), outer pids.
  std::vector<pid_t> descendants() const;
  // The pid the test sees for a pid the supervisor reports (inside its PID
  // namespace), or -1.
  pid_t outer_pid(pid_t inner) const;
  int open_fd_count() const;
  const std::string& dir() const { return dir_; }
  const std::string& control_socket() const { return socket_; }
  // Drains the pipe given by stdout_to_unread_pipe into stdout_text().
  void drain_stdout_pipe();

 private:
  std::string dir_;
  std::string socket_;
  pid_t launcher_pid_ = -1;  // what we wait for: unshare, or the supervisor itself
  pid_t supervisor_pid_ = -1;
  int stdout_pipe_ = -1;
  std::string drained_;
  std::optional<int> exit_code_;
  mutable std::mutex drained_mutex_;
  std::thread reader_;
};

// Every live process on the machine whose argument vector holds `args` as
// consecutive arguments (so a shell whose one script argument mentions them
// does not count).
std::vector<pid_t> processes_with_args(const std::vector<std::string>& args);

std::string read_file(const std::string& path);
std::string testd_bin();

// Sends raw bytes to a Unix socket and reads the answer until the server
// closes; with half_close the client then shuts its sending side (a request
// without a trailing newline ends there). "" when nothing could be sent.
std::string unix_exchange(const std::string& path, const std::string& bytes, bool half_close);
// An open, silent connection to a Unix socket (-1 on failure); the caller closes it.
int unix_connect(const std::string& path);

}  // namespace harness

namespace harness {

// One registry entry running testd as `name`, with testd's own arguments and
// extra YAML lines (indented by four spaces) for the entry.
inline std::string testd_entry(const std::string& name, const std::vector<std::string>& args,
                               const std::string& extra_yaml = "") {
  std::string argv = "[" + testd_bin() + ", --name, " + name;
  for (const auto& a : args) argv += ", '" + a + "'";
  argv += "]";
  return "  - name: " + name + "\n    argv: " + argv + "\n" + extra_yaml;
}

inline std::string registry(const std::vector<std::string>& entries) {
  std::string out = "daemons:\n";
  for (const auto& e : entries) out += e;
  return out;
}

}  // namespace harness
