#include "process_launcher.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <system_error>

#include "config_error.hpp"

namespace supervisor {

RunAs resolve_user(const std::string& name) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    throw ConfigError("user '" + name + "' does not exist");
  }
  RunAs r{pw.pw_uid, pw.pw_gid, {}, name, pw.pw_dir ? pw.pw_dir : "/"};
  int count = 64;
  r.groups.resize(static_cast<size_t>(count));
  if (getgrouplist(name.c_str(), pw.pw_gid, r.groups.data(), &count) < 0) {
    r.groups.resize(static_cast<size_t>(count));
    getgrouplist(name.c_str(), pw.pw_gid, r.groups.data(), &count);
  }
  r.groups.resize(static_cast<size_t>(count));
  return r;
}

namespace {

// Runs in the child between fork and exec: async-signal-safe calls only, and on
// failure it reports errno and the step through the error pipe, then _exits 127.
[[noreturn]] void child_fail(int error_fd, const char* step) {
  int err = errno;
  char msg[128];
  size_t len = strnlen(step, 100);
  memcpy(msg, &err, sizeof err);
  memcpy(msg + sizeof err, step, len);
  (void)!write(error_fd, msg, sizeof err + len);
  _exit(127);
}

// Writes "LISTEN_PID=<pid>" into buf (async-signal-safe: no allocation).
void format_listen_pid(char* buf, std::size_t size, pid_t pid) {
  static constexpr char kPrefix[] = "LISTEN_PID=";
  char digits[24];
  int n = 0;
  auto v = static_cast<unsigned long>(pid);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < static_cast<int>(sizeof digits));
  std::size_t at = 0;
  for (const char* p = kPrefix; *p != '\0' && at + 1 < size; ++p) buf[at++] = *p;
  while (n > 0 && at + 1 < size) buf[at++] = digits[--n];
  buf[at] = '\0';
}

// Closes every fd from `first` up, except `keep` (the exec error pipe, which
// is close-on-exec and reports a failed exec).
void close_fds_from(unsigned first, int keep) {
  auto close_span = [](unsigned lo, unsigned hi) {
    if (lo > hi) return;
    if (close_range(lo, hi, 0) == 0) return;
    // close_range needs Linux 5.9; older kernels get the slow way.
    rlimit lim{};
    unsigned top = getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY
                       ? static_cast<unsigned>(lim.rlim_cur)
                       : 65536u;
    for (unsigned fd = lo; fd <= hi && fd < top; ++fd) close(static_cast<int>(fd));
  };
  const auto k = static_cast<unsigned>(keep);
  close_span(first, k - 1);
  close_span(k + 1, ~0u);
}

struct ChildFds {
  int out;
  int err;
  const std::vector<int>* listen;
  int ready;  // -1: none
  int exec_error;
};

[[noreturn]] void exec_child(const LaunchSpec& spec, char* const argv[], char* const envp[],
                             char* listen_pid_entry, std::size_t listen_pid_size, ChildFds fds) {
  // Default dispositions first: the supervisor's handlers write into libuv's
  // signal pipe, which this child shares until exec.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);

  // Its own process group: the terminal's Ctrl-C reaches only the supervisor,
  // and the stop signal and a SIGKILL to the group reach the daemon's own
  // children too.
  if (setpgid(0, 0) != 0) child_fail(fds.exec_error, "setpgid");

  // Every fd that must survive is first moved above the range it will land
  // in, so that placing one never overwrites another still to be placed.
  const std::size_t n_listen = fds.listen->size();
  const int first_free = 3 + static_cast<int>(n_listen) + (fds.ready >= 0 ? 1 : 0);
  auto lift = [&](int fd) {
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, first_free);
    if (moved < 0) child_fail(fds.exec_error, "fcntl F_DUPFD");
    return moved;
  };
  fds.exec_error = lift(fds.exec_error);
  const int devnull_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull_fd < 0) child_fail(fds.exec_error, "open /dev/null");
  const int devnull = lift(devnull_fd);
  const int out = lift(fds.out);
  const int err = lift(fds.err);
  int lifted_listen[64];
  for (std::size_t i = 0; i < n_listen && i < 64; ++i) lifted_listen[i] = lift((*fds.listen)[i]);
  const int ready = fds.ready >= 0 ? lift(fds.ready) : -1;

  // dup2 leaves the new fd without close-on-exec: these are what the daemon gets.
  if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
    child_fail(fds.exec_error, "dup2");
  for (std::size_t i = 0; i < n_listen && i < 64; ++i) {
    if (dup2(lifted_listen[i], 3 + static_cast<int>(i)) < 0) child_fail(fds.exec_error, "dup2");
  }
  if (ready >= 0 && dup2(ready, 3 + static_cast<int>(n_listen)) < 0)
    child_fail(fds.exec_error, "dup2");
  close_fds_from(static_cast<unsigned>(first_free), fds.exec_error);

  if (n_listen > 0) format_listen_pid(listen_pid_entry, listen_pid_size, getpid());
  if (chdir(spec.workdir.c_str()) != 0) child_fail(fds.exec_error, "chdir");
  if (spec.run_as) {
    const RunAs& r = *spec.run_as;
    if (setgroups(r.groups.size(), r.groups.data()) != 0) child_fail(fds.exec_error, "setgroups");
    if (setgid(r.gid) != 0) child_fail(fds.exec_error, "setgid");
    if (setuid(r.uid) != 0) child_fail(fds.exec_error, "setuid");
  }
  environ = const_cast<char**>(envp);
  execvp(argv[0], argv);
  child_fail(fds.exec_error, "exec");
}

}  // namespace

LaunchedProcess launch_process(const LaunchSpec& spec) {
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls are allowed.
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  std::vector<std::string> extra_env;
  const std::size_t n_listen = spec.listen_fds.size();
  if (n_listen > 64) throw std::invalid_argument("at most 64 listening sockets per daemon");
  if (n_listen > 0) {
    extra_env.push_back("LISTEN_FDS=" + std::to_string(n_listen));
    std::string names;
    for (std::size_t i = 0; i < n_listen; ++i) names += (i ? ":" : "") + spec.name;
    extra_env.push_back("LISTEN_FDNAMES=" + names);
  }
  if (spec.ready_fd) extra_env.push_back("SIDECAR_READY_FD=" + std::to_string(3 + n_listen));
  // Filled in by the child once it knows its pid.
  std::vector<char> listen_pid_entry(48, '\0');
  std::vector<char*> envp;
  for (const auto& e : spec.env) {
    // The protocol's variables are ours to set: an inherited one would lie.
    if (e.starts_with("LISTEN_") || e.starts_with("SIDECAR_READY_FD=")) continue;
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  for (auto& e : extra_env) envp.push_back(e.data());
  if (n_listen > 0) envp.push_back(listen_pid_entry.data());
  envp.push_back(nullptr);

  bottle::PipeFds out = bottle::make_cloexec_pipe();
  bottle::PipeFds err = bottle::make_cloexec_pipe();
  bottle::PipeFds exec_error = bottle::make_cloexec_pipe();
  bottle::PipeFds ready;
  if (spec.ready_fd) ready = bottle::make_cloexec_pipe();

  // Block every signal across fork so no handler runs in the child before exec.
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  pid_t pid = fork();
  if (pid == 0) {
    exec_child(spec, argv.data(), envp.data(), listen_pid_entry.data(), listen_pid_entry.size(),
               ChildFds{out.write.get(), err.write.get(), &spec.listen_fds,
                        spec.ready_fd ? ready.write.get() : -1, exec_error.write.get()});
  }
  int fork_errno = errno;
  sigprocmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) throw std::system_error(fork_errno, std::generic_category(), "fork");

  exec_error.write.reset();
  char msg[128];
  ssize_t n;
  do {
    n = read(exec_error.read.get(), msg, sizeof msg);
  } while (n < 0 && errno == EINTR);
  if (n >= static_cast<ssize_t>(sizeof(int))) {
    int child_errno;
    memcpy(&child_errno, msg, sizeof child_errno);
    std::string step(msg + sizeof(int), static_cast<size_t>(n) - sizeof(int));
    throw LaunchError(pid, step + " '" + (step == "chdir" ? spec.workdir : spec.argv[0]) +
                               "': " + strerror(child_errno));
  }
  return LaunchedProcess{pid, std::move(out.read), std::move(err.read), std::move(ready.read)};
}

}  // namespace supervisor
