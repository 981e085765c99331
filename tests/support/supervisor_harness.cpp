#include "supervisor_harness.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "port_reservation.hpp"

namespace harness {

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

int free_tcp_port() { return bottle_test::reserve_tcp_port(); }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string testd_bin() { return TESTD_BIN; }

int unix_connect(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string unix_exchange(const std::string& path, const std::string& bytes, bool half_close) {
  int fd = unix_connect(path);
  if (fd < 0) return "";
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
    close(fd);
    return "";
  }
  if (half_close) shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  close(fd);
  return reply;
}

TestdConnection::TestdConnection(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("connect to testd on port " + std::to_string(port) + ": " +
                             strerror(errno));
  }
  timeval timeout{10, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

TestdConnection::~TestdConnection() { close(fd_); }

std::string TestdConnection::ask(const std::string& command) {
  std::string line = command + "\n";
  if (send(fd_, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
    return "";
  std::string reply;
  char c;
  while (recv(fd_, &c, 1, 0) == 1) {
    if (c == '\n') return reply;
    reply += c;
  }
  return "";
}

namespace {
struct SpawnExtras {
  bool leak_fd = false;
  std::vector<int> pending_signals;
};

pid_t spawn(const std::vector<std::string>& argv,
            const std::map<std::string, std::string>& extra_env, int out_fd, int err_fd,
            const SpawnExtras& extras = {}) {
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    if (extras.leak_fd) {
      int fd = open("/dev/null", O_RDONLY);  // deliberately not close-on-exec
      dup2(fd, 9);
    }
    if (!extras.pending_signals.empty()) {
      // Pending and blocked signals survive exec: the supervisor starts with them.
      sigset_t set;
      sigemptyset(&set);
      for (int s : extras.pending_signals) sigaddset(&set, s);
      sigprocmask(SIG_BLOCK, &set, nullptr);
      for (int s : extras.pending_signals) kill(getpid(), s);
    }
    for (const auto& [k, v] : extra_env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// The parent pid and state letter from /proc/<pid>/stat.
std::optional<std::pair<pid_t, char>> parent_and_state(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close_paren + 2));
  char state;
  pid_t ppid;
  rest >> state >> ppid;
  return std::make_pair(ppid, state);
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  while (dirent* e = readdir(d)) {
    char* end;
    long v = strtol(e->d_name, &end, 10);
    if (*end == '\0' && v > 0) out.push_back(static_cast<pid_t>(v));
  }
  closedir(d);
  return out;
}

std::pair<int, std::string> run_capture(const std::vector<std::string>& argv,
                                        bool with_stderr = true) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return {-1, ""};
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  pid_t pid = spawn(argv, {}, fds[1], with_stderr ? fds[1] : devnull);
  close(devnull);
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}
}  // namespace

SupervisorUnderTest::SupervisorUnderTest(const std::string& registry_yaml, Options options) {
  char tmpl[] = "/tmp/supervisor-test-XXXXXX";
  dir_ = mkdtemp(tmpl);
  socket_ = dir_ + "/control.sock";
  std::ofstream(dir_ + "/daemons.yaml") << registry_yaml;
  int out = -1;
  if (options.stdout_to_unread_pipe || options.stdout_read_continuously) {
    int fds[2];
    pipe2(fds, O_CLOEXEC);
    stdout_pipe_ = fds[0];
    out = fds[1];
  } else {
    out = open((dir_ + "/stdout.log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  }
  int err = open((dir_ + "/stderr.log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  std::vector<std::string> argv;
  if (options.pid_namespace) argv = {"unshare", "--pid", "--fork", "--mount-proc"};
  if (options.nofile_limit > 0) {
    const std::string n = std::to_string(options.nofile_limit);
    argv.insert(argv.end(), {"prlimit", "--nofile=" + n + ":" + n, "--"});
  }
  argv.insert(argv.end(), {SUPERVISOR_BIN, "--control-socket", socket_});
  if (std::find(options.extra_args.begin(), options.extra_args.end(), "--registry") ==
      options.extra_args.end()) {
    argv.insert(argv.end(), {"--registry", dir_ + "/daemons.yaml"});
  }
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  launcher_pid_ = spawn(argv, options.env, out, err, {options.leak_fd, options.pending_signals});
  close(out);
  close(err);
  if (options.stdout_read_continuously) {
    reader_ = std::thread([this, fd = stdout_pipe_, discard = options.stdout_discard_prefix] {
      char buf[65536];
      ssize_t n;
      std::string partial;
      while ((n = read(fd, buf, sizeof buf)) > 0) {
        partial.append(buf, static_cast<size_t>(n));
        std::string keep;
        std::size_t start = 0;
        for (std::size_t nl; (nl = partial.find('\n', start)) != std::string::npos;
             start = nl + 1) {
          std::string_view line(partial.data() + start, nl + 1 - start);
          if (discard.empty() || line.substr(0, discard.size()) != discard) keep.append(line);
        }
        partial.erase(0, start);
        std::lock_guard lock(drained_mutex_);
        drained_.append(keep);
      }
    });
  }
  if (!options.pid_namespace) {
    supervisor_pid_ = launcher_pid_;
    return;
  }
  // unshare forks the supervisor; find it as unshare's only child.
  eventually([&] {
    for (pid_t p : all_pids()) {
      auto ps = parent_and_state(p);
      if (ps && ps->first == launcher_pid_) {
        supervisor_pid_ = p;
        return true;
      }
    }
    int status;
    if (waitpid(launcher_pid_, &status, WNOHANG) == launcher_pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return true;  // exited at once (configuration error)
    }
    return false;
  });
}

SupervisorUnderTest::~SupervisorUnderTest() {
  if (!exit_code_) {
    // Killing PID 1 of the namespace takes every process in it down.
    // Without a PID namespace nothing kills the daemons with their supervisor:
    // the test does, so none is left on the machine.
    const std::vector<pid_t> below = supervisor_pid_ > 1 ? descendants() : std::vector<pid_t>{};
    // Guarded: kill(-1) or kill(0) as root would take the test runner down.
    if (supervisor_pid_ > 1) kill(supervisor_pid_, SIGKILL);
    for (pid_t p : below) kill(p, SIGKILL);
    waitpid(launcher_pid_, nullptr, 0);
  }
  if (reader_.joinable()) {
    // Once every writer (the supervisor, its daemons) is gone the pipe ends.
    for (pid_t p : descendants()) kill(p, SIGKILL);
    reader_.join();
  }
  if (stdout_pipe_ >= 0) close(stdout_pipe_);
  if (!::testing::Test::HasFailure()) run_capture({"rm", "-rf", dir_});
}

void SupervisorUnderTest::signal(int signum) const {
  if (supervisor_pid_ > 1) kill(supervisor_pid_, signum);
}

std::pair<int, std::string> SupervisorUnderTest::sidecarctl(
    const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {SIDECARCTL_BIN, "--socket", socket_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_capture(argv);
}

std::optional<nlohmann::json> SupervisorUnderTest::status() const {
  // Exit 1 when some daemon is not running: the JSON answer is on stdout either way.
  auto [code, out] = run_capture({SIDECARCTL_BIN, "--socket", socket_, "status", "--json"}, false);
  if (code != 0 && code != 1) return std::nullopt;
  try {
    return nlohmann::json::parse(out);
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<nlohmann::json> SupervisorUnderTest::daemon(const std::string& name) const {
  auto s = status();
  if (!s) return std::nullopt;
  for (const auto& d : (*s)["daemons"]) {
    if (d["name"] == name) return d;
  }
  return std::nullopt;
}

bool SupervisorUnderTest::wait_running(const std::string& name) const {
  return eventually([&] {
    auto d = daemon(name);
    return d && (*d)["state"] == "running";
  });
}

bool SupervisorUnderTest::wait_testd_started(const std::string& name) const {
  return eventually([&] {
    return stdout_text().find(name + ": testd " + name + " started pid") != std::string::npos;
  });
}

std::optional<int> SupervisorUnderTest::wait_exit(std::chrono::milliseconds deadline) {
  if (exit_code_) return exit_code_;
  eventually(
      [&] {
        int status;
        if (waitpid(launcher_pid_, &status, WNOHANG) == launcher_pid_) {
          exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          return true;
        }
        return false;
      },
      deadline);
  return exit_code_;
}

std::string SupervisorUnderTest::stdout_text() const {
  if (stdout_pipe_ < 0) return read_file(dir_ + "/stdout.log");
  std::lock_guard lock(drained_mutex_);
  return drained_;
}
std::string SupervisorUnderTest::stderr_text() const { return read_file(dir_ + "/stderr.log"); }

void SupervisorUnderTest::drain_stdout_pipe() {
  fcntl(stdout_pipe_, F_SETFL, O_NONBLOCK);
  char buf[65536];
  ssize_t n;
  std::lock_guard lock(drained_mutex_);
  while ((n = read(stdout_pipe_, buf, sizeof buf)) > 0)
    drained_.append(buf, static_cast<size_t>(n));
}

std::map<pid_t, char> SupervisorUnderTest::children() const {
  std::map<pid_t, char> out;
  for (pid_t p : all_pids()) {
    auto ps = parent_and_state(p);
    if (ps && ps->first == supervisor_pid_) out[p] = ps->second;
  }
  return out;
}

std::vector<pid_t> SupervisorUnderTest::processes_named(const std::string& daemon) const {
  std::vector<pid_t> out;
  for (const auto& [pid, state] : children()) {
    if (state == 'Z') continue;
    std::string cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    for (auto& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find("--name " + daemon + " ") != std::string::npos) out.push_back(pid);
  }
  return out;
}

std::vector<pid_t> SupervisorUnderTest::descendants() const {
  std::multimap<pid_t, pid_t> tree;
  std::map<pid_t, char> state;
  for (pid_t p : all_pids()) {
    if (auto ps = parent_and_state(p)) {
      tree.emplace(ps->first, p);
      state[p] = ps->second;
    }
  }
  std::vector<pid_t> out;
  std::vector<pid_t> todo{supervisor_pid_};
  while (!todo.empty()) {
    pid_t parent = todo.back();
    todo.pop_back();
    auto [a, b] = tree.equal_range(parent);
    for (auto it = a; it != b; ++it) {
      if (state[it->second] != 'Z') out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return out;
}

std::vector<pid_t> processes_with_args(const std::vector<std::string>& args) {
  std::string needle(1, '\0');
  for (const auto& a : args) needle += a + '\0';
  std::vector<pid_t> out;
  for (pid_t p : all_pids()) {
    auto ps = parent_and_state(p);
    if (!ps || ps->second == 'Z') continue;
    const std::string cmdline = '\0' + read_file("/proc/" + std::to_string(p) + "/cmdline");
    if (cmdline.find(needle) != std::string::npos) out.push_back(p);
  }
  return out;
}

pid_t SupervisorUnderTest::outer_pid(pid_t inner) const {
  for (pid_t p : descendants()) {
    const std::string status = read_file("/proc/" + std::to_string(p) + "/status");
    const auto at = status.find("NSpid:");
    if (at == std::string::npos) continue;
    std::istringstream line(status.substr(at + 6, status.find('\n', at) - at - 6));
    pid_t last = -1;
    for (pid_t v; line >> v;) last = v;
    if (last == inner) return p;
  }
  return -1;
}

int SupervisorUnderTest::open_fd_count() const {
  int n = 0;
  DIR* d = opendir(("/proc/" + std::to_string(supervisor_pid_) + "/fd").c_str());
  if (d == nullptr) return -1;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

}  // namespace harness
