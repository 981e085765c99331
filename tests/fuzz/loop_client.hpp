#pragma once

// What the connection-level fuzz targets share: a TCP client to a server on
// a libuv loop run by the target itself. It writes the input in the pieces
// pieces_of() cuts, running the loop after each; then half-closes and runs
// the loop until the server closes (or a bound passes), and returns
// everything the server sent. A server at its connection cap (connections
// the fuzzer left wait for their timeouts) accepts nothing for a while: the
// connect then waits, the loop running, and an input it cannot deliver
// within 5 s gets no answer.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "fuzz_input.hpp"

namespace bottle_fuzz {

inline std::string exchange_over_loop(uv_loop_t* loop, int port, std::string_view input) {
  auto turn = [loop] { uv_run(loop, UV_RUN_NOWAIT); };
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (errno != EINPROGRESS) std::abort();
    int error = -1;
    for (int i = 0; i < 500; ++i) {
      turn();
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 10) == 1) {
        socklen_t len = sizeof error;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
        break;
      }
    }
    if (error != 0) {
      ::close(fd);
      return "";
    }
  }

  std::string answer;
  char buf[4096];
  auto drain = [&] {  // true at EOF
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) return n == 0;
      answer.append(buf, static_cast<std::size_t>(n));
    }
  };
  for (auto piece : pieces_of(input)) {
    for (std::size_t off = 0; off < piece.size();) {
      const ssize_t n = ::send(fd, piece.data() + off, piece.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;  // the server closed: it has decided
      off += static_cast<std::size_t>(n);
    }
    turn();
    drain();
  }
  ::shutdown(fd, SHUT_WR);
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {
    turn();
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 5);
    closed = drain();
  }
  ::close(fd);
  // Let the server see the close and free the connection before the next input.
  for (int i = 0; i < 20; ++i) turn();
  return answer;
}

}  // namespace bottle_fuzz
