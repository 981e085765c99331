#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pipelock_harness.hpp"

using namespace pipelock_test;

namespace {

std::string limited_config(int upstream_port) {
  return "mode: strict\n"
         "api_allowlist: [allowed.test]\n"
         "fetch_proxy: {listen: '127.0.0.1:0'}\n"
         "forward_proxy: {enabled: true, allowed_ports: [" +
         std::to_string(upstream_port) +
         "], max_connections: 3, max_header_bytes: 1024, header_timeout_seconds: 1, "
         "idle_timeout_seconds: 1}\n"
         "ssrf: {ip_allowlist: [127.0.0.1/32]}\n"
         "dns: {host_overrides: {allowed.test: [127.0.0.1]}}\n";
}

// An open connection that says nothing: it holds one of pipelock's slots.
class SilentClient {
 public:
  explicit SilentClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~SilentClient() { ::close(fd_); }
  bool connected() const { return connected_; }

 private:
  int fd_;
  bool connected_ = false;
};

bool still_serves(const Pipelock& p, int upstream_port) {
  const std::string reply =
      exchange(p.port(), "GET http://allowed.test:" + std::to_string(upstream_port) +
                             "/index.html HTTP/1.1\r\nHost: allowed.test\r\n\r\n");
  return reply.find("hello-upstream") != std::string::npos;
}

}  // namespace

TEST(PipelockLimits, AnOversizeHeaderGets431) {
  Upstream up;
  Pipelock p(limited_config(up.port()));
  const std::string huge =
      "GET http://allowed.test/ HTTP/1.1\r\nX-Junk: " + std::string(4000, 'a') + "\r\n\r\n";
  EXPECT_EQ(exchange(p.port(), huge).rfind("HTTP/1.1 431", 0), 0u);
  EXPECT_TRUE(still_serves(p, up.port()));
}

TEST(PipelockLimits, ASlowHeaderIsCutOffAfterTheHeaderTimeout) {
  Upstream up;
  Pipelock p(limited_config(up.port()));
  // Half a request line, then silence: pipelock answers 408 and closes by itself.
  const std::string reply = exchange(p.port(), "CONNECT allowed.te", 10s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 408", 0), 0u) << reply;
  EXPECT_TRUE(still_serves(p, up.port()));
}

TEST(PipelockLimits, ConnectionsBeyondTheCapAreTurnedAwayAndTheSlotsComeBack) {
  Upstream up;
  Pipelock p(limited_config(up.port()));
  {
    SilentClient a(p.port()), b(p.port()), c(p.port());
    ASSERT_TRUE(a.connected() && b.connected() && c.connected());
    const std::string reply = exchange(p.port(), "CONNECT allowed.test:1 HTTP/1.1\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 503", 0), 0u) << reply;
    EXPECT_NE(reply.find("too many connections"), std::string::npos);
  }
  // The silent ones are cut by the header timeout at the latest; then it serves again.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  bool served = false;
  while (!served && std::chrono::steady_clock::now() < deadline)
    served = still_serves(p, up.port());
  EXPECT_TRUE(served);
}

TEST(PipelockLimits, GarbageGets400AndAnIdleTunnelIsClosed) {
  Upstream up;
  Pipelock p(limited_config(up.port()));
  EXPECT_EQ(
      exchange(p.port(), std::string("\x00\x01\x02 nonsense\r\n\r\n", 17)).rfind("HTTP/1.1 400", 0),
      0u);
  EXPECT_EQ(exchange(p.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  // A tunnel that carries nothing ends after idle_timeout_seconds (1 s here):
  // pipelock closes it (the read sees the end), where a tunnel left open would
  // run into the socket's own 10 s read timeout instead.
  const int fd = bottle_test::dial_loopback(p.port());
  ASSERT_GE(fd, 0);
  const std::string connect =
      "CONNECT allowed.test:" + std::to_string(up.port()) + " HTTP/1.1\r\n\r\n";
  ASSERT_EQ(::write(fd, connect.data(), connect.size()), static_cast<ssize_t>(connect.size()));
  std::string reply;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) reply.append(buf, static_cast<std::size_t>(n));
  const int read_errno = errno;
  ::close(fd);
  EXPECT_EQ(reply, "HTTP/1.1 200 Connection Established\r\n\r\n");
  EXPECT_EQ(n, 0) << "not closed by pipelock's idle timeout: " << std::strerror(read_errno);
  EXPECT_TRUE(still_serves(p, up.port()));
}
