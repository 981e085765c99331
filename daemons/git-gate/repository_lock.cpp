#include "repository_lock.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <stdexcept>

namespace git_gate {

RepositoryLock::RepositoryLock(const std::string& repository)
    : fd_(::open((repository + "/gate.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
  if (!fd_.valid()) throw std::runtime_error("cannot open " + repository + "/gate.lock");
  while (::flock(fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw std::runtime_error("cannot lock " + repository + "/gate.lock");
  }
}

bool RepositoryLock::hold_until_exit_of(pid_t pid) {
  bottle::UniqueFd watched(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!watched.valid()) return false;
  const pid_t holder = ::fork();
  if (holder < 0) return false;
  if (holder == 0) {
    // The lock's holder keeps only the lock and the watch: receive-pack
    // reads the hook's output until every copy of it is closed.
    const int null = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
    const int low = std::min(fd_.get(), watched.get());
    const int high = std::max(fd_.get(), watched.get());
    ::close_range(3, static_cast<unsigned>(low) - 1, 0);
    ::close_range(static_cast<unsigned>(low) + 1, static_cast<unsigned>(high) - 1, 0);
    ::close_range(static_cast<unsigned>(high) + 1, UINT_MAX, 0);
    pollfd p{watched.get(), POLLIN, 0};
    while (::poll(&p, 1, kMaxHoldSeconds * 1000) < 0 && errno == EINTR) {
    }
    ::_exit(0);
  }
  return true;
}

}  // namespace git_gate
