#include "bottle/socket_activation.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace bottle {

namespace {
std::optional<long> env_number(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(v, &end, 10);
  if (errno != 0 || *end != '\0' || n < 0) {
    throw std::runtime_error(std::string(name) + " is not a number: '" + v + "'");
  }
  return n;
}
}  // namespace

std::optional<int> take_listen_fd() {
  const auto pid = env_number("LISTEN_PID");
  const auto fds = env_number("LISTEN_FDS");
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  // Meant for another process (a parent that exec'd us without passing on the socket).
  if (!pid || !fds || *pid != ::getpid() || *fds < 1) return std::nullopt;
  constexpr int fd = 3;
  int listening = 0;
  socklen_t len = sizeof listening;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) {
    throw std::runtime_error("LISTEN_FDS names fd 3, which is not a listening socket");
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

void notify_ready() {
  const auto fd = env_number("SIDECAR_READY_FD");
  ::unsetenv("SIDECAR_READY_FD");
  if (!fd || *fd < 3) return;
  const int ready_fd = static_cast<int>(*fd);
  ssize_t n;
  do {
    n = ::write(ready_fd, "\n", 1);
  } while (n < 0 && errno == EINTR);
  ::close(ready_fd);
}

}  // namespace bottle
