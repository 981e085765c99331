// pipelock's connection logic, not only its parser: a real ProxyServer on a
// libuv loop takes a TCP connection from the fuzzer, which writes the input
// in pieces of its choosing (a head cut anywhere, a CONNECT followed by a
// ClientHello in pieces), the loop running between pieces; then half-closes
// and reads what pipelock answers. Nothing it sends may crash pipelock, and a
// refusal must come back as an HTTP answer. Allowed hosts are names that do
// not resolve, so nothing is ever dialled.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "bottle/uv/loop.hpp"
#include "decision_log.hpp"
#include "fuzz_input.hpp"
#include "pipelock_config.hpp"
#include "proxy_server.hpp"

namespace {

struct Proxy {
  bottle::uv::Loop loop;
  pipelock::PipelockConfig cfg = [] {
    pipelock::PipelockConfig c;
    c.api_allowlist = {"allowed.invalid", "*.wild.invalid"};
    c.listen_host = "127.0.0.1";
    c.listen_port = 0;
    c.forward_enabled = true;
    c.header_timeout_seconds = 1;
    return c;
  }();
  int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  pipelock::DecisionLog log{loop, null_fd, true, true, true};
  pipelock::ProxyServer server{loop, cfg, log};

  void turn() { uv_run(loop.get(), UV_RUN_NOWAIT); }
};

int dial(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Proxy proxy;
  const int fd = dial(proxy.server.port());
  std::string answer;
  char buf[4096];
  auto drain = [&] {
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        answer.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      return n == 0;  // true at EOF
    }
  };
  for (auto piece : bottle_fuzz::pieces_of(bottle_fuzz::text_of(data, size))) {
    for (std::size_t off = 0; off < piece.size();) {
      const ssize_t n = ::send(fd, piece.data() + off, piece.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;  // pipelock closed: it has decided
      off += static_cast<std::size_t>(n);
    }
    proxy.turn();
    drain();
  }
  ::shutdown(fd, SHUT_WR);
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {
    proxy.turn();
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 5);
    closed = drain();
  }
  ::close(fd);
  // Let pipelock see the close and free the connection before the next input.
  for (int i = 0; i < 20; ++i) proxy.turn();
  if (!answer.empty() && !answer.starts_with("HTTP/1.1 ")) std::abort();
  return 0;
}
