#include "process_launcher.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
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

[[noreturn]] void exec_child(const LaunchSpec& spec, char* const argv[], char* const envp[],
                             int out_fd, int err_fd, int error_fd) {
  // Default dispositions first: the supervisor's handlers write into libuv's
  // signal pipe, which this child shares until exec.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);

  // Its own process group: the terminal's Ctrl-C reaches only the supervisor,
  // which stops daemons in order, and a SIGKILL to the group takes the
  // daemon's own children with it.
  if (setpgid(0, 0) != 0) child_fail(error_fd, "setpgid");
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull < 0 || dup2(devnull, 0) < 0) child_fail(error_fd, "open /dev/null");
  if (dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) child_fail(error_fd, "dup2");
  if (chdir(spec.workdir.c_str()) != 0) child_fail(error_fd, "chdir");
  if (spec.run_as) {
    const RunAs& r = *spec.run_as;
    if (setgroups(r.groups.size(), r.groups.data()) != 0) child_fail(error_fd, "setgroups");
    if (setgid(r.gid) != 0) child_fail(error_fd, "setgid");
    if (setuid(r.uid) != 0) child_fail(error_fd, "setuid");
  }
  environ = const_cast<char**>(envp);
  execvp(argv[0], argv);
  child_fail(error_fd, "exec");
}

}  // namespace

LaunchedProcess launch_process(const LaunchSpec& spec) {
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls are allowed.
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  bottle::PipeFds out = bottle::make_cloexec_pipe();
  bottle::PipeFds err = bottle::make_cloexec_pipe();
  bottle::PipeFds exec_error = bottle::make_cloexec_pipe();

  // Block every signal across fork so no handler runs in the child before exec.
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  pid_t pid = fork();
  if (pid == 0) {
    exec_child(spec, argv.data(), envp.data(), out.write.get(), err.write.get(),
               exec_error.write.get());
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
  return LaunchedProcess{pid, std::move(out.read), std::move(err.read)};
}

}  // namespace supervisor
