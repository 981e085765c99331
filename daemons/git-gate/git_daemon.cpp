#include "git_daemon.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "bottle/subprocess.hpp"
#include "gate_repositories.hpp"

namespace git_gate {

int run_git_daemon(const GateConfig& cfg, const std::map<std::string, std::string>& env) {
  // git-daemon itself, not `git daemon`: the git command would run it as its
  // own child, which would not die with git-gate.
  const auto exec_path = bottle::run_captured({"git", "--exec-path"});
  std::string dir = exec_path.out;
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == '\r')) dir.pop_back();
  if (!exec_path.ok() || dir.empty()) throw std::runtime_error("git --exec-path failed");
  const std::vector<std::string> args = {dir + "/git-daemon",
                                         "--reuseaddr",
                                         "--export-all",
                                         "--enable=receive-pack",
                                         "--informative-errors",
                                         "--base-path=" + cfg.repositories_dir,
                                         "--access-hook=" + hooks_dir(cfg) + "/access-hook",
                                         "--listen=" + cfg.listen_host,
                                         "--port=" + std::to_string(cfg.listen_port),
                                         cfg.repositories_dir};
  // Block the signals we wait for before the child exists, so none is missed.
  sigset_t wanted;
  sigemptyset(&wanted);
  for (int s : {SIGTERM, SIGINT, SIGCHLD}) sigaddset(&wanted, s);
  sigset_t previous;
  sigprocmask(SIG_BLOCK, &wanted, &previous);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    // git daemon dies with git-gate, however git-gate ends (SIGKILL, a
    // crash): an orphan would keep the port, and every later git-gate would
    // fail to listen. Checked again after asking, in case git-gate ended
    // between fork and prctl.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(1);
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  bool stopping = false;
  for (;;) {
    int signal_number = 0;
    if (sigwait(&wanted, &signal_number) != 0) continue;
    if (signal_number == SIGCHLD) {
      int status = 0;
      // Reap every exited child: git daemon's per-connection children are its
      // own, but an orphan could be re-parented to us outside a PID 1.
      pid_t pid;
      while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid != child) continue;
        if (WIFEXITED(status))
          return stopping ? 0 : (WEXITSTATUS(status) == 0 ? 1 : WEXITSTATUS(status));
        return stopping ? 0 : 1;
      }
      continue;
    }
    stopping = true;
    ::kill(child, SIGTERM);
  }
}

}  // namespace git_gate
