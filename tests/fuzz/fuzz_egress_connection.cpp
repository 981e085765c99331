// egress's connection logic: a real EgressServer on its libuv loop takes a
// TCP connection from the fuzzer, which writes the input in pieces of its
// choosing (heads cut anywhere, chunked and Content-Length bodies, several
// requests on one connection), the loop running between pieces; then
// half-closes and reads the answers. The routes' upstream is a closed port
// on loopback, so a request that passes every check is refused by the
// dial, at once. Every answer must be an HTTP one, and the token never in it
// unless the input held it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "bottle/uv/loop.hpp"
#include "egress_server.hpp"
#include "egress_settings.hpp"
#include "fuzz_input.hpp"
#include "live_routes.hpp"
#include "proxy_settings.hpp"
#include "request_log.hpp"
#include "tls_context.hpp"
#include "token_store.hpp"

namespace {

constexpr const char* kToken = "ghp_FuzzEgressToken0123456789abcdef";

std::string routes_file() {
  const auto path = std::filesystem::temp_directory_path() /
                    ("fuzz-egress-routes-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << "routes:\n"
                         "  - {host: api.example.com, upstream: 'https://127.0.0.1:1', "
                         "token_env: T}\n"
                         "  - {host: read.example.com, upstream: 'https://127.0.0.1:1', "
                         "token_env: T, methods: [GET, HEAD]}\n";
  return path.string();
}

struct Egress {
  bottle::uv::Loop loop;
  egress::EgressSettings settings = [] {
    egress::EgressSettings s;
    s.listen_host = "127.0.0.1";
    s.listen_port = 0;
    s.header_timeout_seconds = 1;
    return s;
  }();
  egress::TokenStore tokens{{{"T", kToken}}};
  egress::LiveRoutes routes{routes_file(), tokens};
  egress::ProxySettings proxies;
  egress::TlsContext tls{{}};
  int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  egress::RequestLog log{loop, null_fd};
  egress::EgressServer server{loop, {settings, routes, tokens, tls, proxies, log}};

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
  static Egress egress;
  const int fd = dial(egress.server.port());
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
      if (n <= 0) break;  // egress closed: it has decided
      off += static_cast<std::size_t>(n);
    }
    egress.turn();
    drain();
  }
  ::shutdown(fd, SHUT_WR);
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {
    egress.turn();
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 5);
    closed = drain();
  }
  ::close(fd);
  for (int i = 0; i < 20; ++i) egress.turn();
  if (!answer.empty() && !answer.starts_with("HTTP/1.1 ")) std::abort();
  // egress quotes what the agent sent in its refusals: the token in the
  // answer is a leak only when the agent did not send it (libFuzzer's
  // comparison tracing finds the token's bytes and puts them in inputs).
  const std::string_view input = bottle_fuzz::text_of(data, size);
  if (answer.find(kToken) != std::string::npos && input.find(kToken) == std::string_view::npos) {
    std::abort();
  }
  return 0;
}
