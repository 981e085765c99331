// A CONNECT tunnel's bytes, both ways, as the agent and the upstream see them:
// every byte in order, half-closes passed on, the decision line's counts
// exact, back-pressure held, errors and idle tunnels ended. Each test runs on
// both relays: splice(2) (the default) and the buffered copy
// (--copy-tunnels), which must behave alike.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "bottle/unique_fd.hpp"
#include "pipelock_harness.hpp"
#include "supervisor_harness.hpp"

using namespace pipelock_test;
using bottle::UniqueFd;

namespace {

// The byte at `offset` of a stream seeded with `seed`: a pattern in which a
// lost, repeated or reordered block shows.
char pattern(std::uint64_t seed, std::uint64_t offset) {
  return static_cast<char>((offset * 131 + seed + offset / 4093) & 0xff);
}

// Sends `size` pattern bytes; false on any error.
bool send_pattern(int fd, std::uint64_t seed, std::uint64_t size) {
  char buf[64 * 1024];
  for (std::uint64_t sent = 0; sent < size;) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buf, size - sent));
    for (std::size_t i = 0; i < n; ++i) buf[i] = pattern(seed, sent + i);
    std::size_t off = 0;
    while (off < n) {
      const ssize_t w = ::send(fd, buf + off, n - off, MSG_NOSIGNAL);
      if (w <= 0) return false;
      off += static_cast<std::size_t>(w);
    }
    sent += n;
  }
  return true;
}

struct Received {
  std::uint64_t bytes = 0;
  std::uint64_t first_wrong = UINT64_MAX;  // offset of the first byte off the pattern
  bool clean_end = false;                  // the stream ended with EOF, not an error
};

// Reads until the peer's end, checking every byte against the pattern, at
// most `piece` bytes at a time (small: a reader slower than the writer).
Received receive_pattern(int fd, std::uint64_t seed, std::size_t piece = 64 * 1024) {
  Received r;
  char buf[64 * 1024];
  piece = std::min(piece, sizeof buf);
  for (;;) {
    const ssize_t n = ::recv(fd, buf, piece, 0);
    if (n == 0) {
      r.clean_end = true;
      return r;
    }
    if (n < 0) return r;
    for (ssize_t i = 0; i < n; ++i) {
      if (r.first_wrong == UINT64_MAX &&
          buf[i] != pattern(seed, r.bytes + static_cast<std::uint64_t>(i)))
        r.first_wrong = r.bytes + static_cast<std::uint64_t>(i);
    }
    r.bytes += static_cast<std::uint64_t>(n);
  }
}

// A TCP server on a loopback port that runs `serve` on its next connection
// in a thread of the test.
class OneShotServer {
 public:
  explicit OneShotServer(std::function<void(int fd)> serve)
      : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_.get(), 4) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error(std::string("test upstream: ") + std::strerror(errno));
    }
    port_ = ntohs(addr.sin_port);
    next(std::move(serve));
  }
  // Serves the next connection with `serve`, once the last one is served.
  void next(std::function<void(int fd)> serve) {
    wait();
    thread_ = std::thread([this, serve = std::move(serve)] {
      UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn.valid()) serve(conn.get());
    });
  }
  ~OneShotServer() {
    ::shutdown(listener_.get(), SHUT_RDWR);  // wakes an accept that never got a client
    if (thread_.joinable()) thread_.join();
  }
  // Waits for `serve` to return (after a client came).
  void wait() {
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }

 private:
  UniqueFd listener_;
  int port_ = 0;
  std::thread thread_;
};

std::string tunnel_config(int upstream_port, int idle_seconds = 30) {
  // sni_verification off: these tunnels carry test bytes, not TLS (the
  // ClientHello check is sni_test's; after it the same relay takes over).
  return "mode: strict\n"
         "api_allowlist: [allowed.test]\n"
         "fetch_proxy: {listen: '127.0.0.1:0'}\n"
         "forward_proxy: {enabled: true, sni_verification: false, allowed_ports: [" +
         std::to_string(upstream_port) +
         "], idle_timeout_seconds: " + std::to_string(idle_seconds) +
         "}\n"
         "ssrf: {ip_allowlist: [127.0.0.1/32]}\n"
         "dns: {host_overrides: {allowed.test: [127.0.0.1]}}\n";
}

// Opens a tunnel to allowed.test:port; the socket, or an invalid one.
UniqueFd open_tunnel(const Pipelock& p, int port) {
  UniqueFd fd(bottle_test::dial_loopback(p.port()));
  if (!fd.valid()) return fd;
  const std::string connect = "CONNECT allowed.test:" + std::to_string(port) + " HTTP/1.1\r\n\r\n";
  if (::send(fd.get(), connect.data(), connect.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(connect.size()))
    return UniqueFd();
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && ::recv(fd.get(), &c, 1, 0) == 1) head += c;
  if (head != "HTTP/1.1 200 Connection Established\r\n\r\n") {
    ADD_FAILURE() << "CONNECT answered: " << head;
    return UniqueFd();
  }
  return fd;
}

int pipes_held_by(pid_t pid) {
  int pipes = 0;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(e.path(), ec);
    if (!ec && target.string().rfind("pipe:", 0) == 0) ++pipes;
  }
  return pipes;
}

long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

nlohmann::json next_line(Pipelock& p) {
  auto line = p.next_decision();
  if (!line) return nlohmann::json();
  return nlohmann::json::parse(*line, nullptr, false);
}

class PipelockTunnel : public ::testing::TestWithParam<bool> {
 protected:
  bool spliced() const { return GetParam(); }
  std::vector<std::string> args() const {
    return spliced() ? std::vector<std::string>{} : std::vector<std::string>{"--copy-tunnels"};
  }
};

}  // namespace

TEST_P(PipelockTunnel, CarriesEveryByteBothWaysPassesHalfClosesAndCountsThem) {
  constexpr std::uint64_t kUp = 24u << 20;
  constexpr std::uint64_t kDown = 40u << 20;
  Received at_upstream;
  bool upstream_sent = false;
  OneShotServer upstream([&](int fd) {
    // All of the agent's bytes and its end first: its half-close must come
    // through while the way back is still open.
    at_upstream = receive_pattern(fd, 1);
    upstream_sent = send_pattern(fd, 2, kDown);
  });
  Pipelock p(tunnel_config(upstream.port()), args());
  const int pipes_before = pipes_held_by(p.pid());
  UniqueFd tunnel = open_tunnel(p, upstream.port());
  ASSERT_TRUE(tunnel.valid());
  ASSERT_TRUE(send_pattern(tunnel.get(), 1, kUp));
  // The relay was chosen before the first byte was read: four pipe ends
  // (one pipe each way) with splice, none with the copy.
  EXPECT_EQ(pipes_held_by(p.pid()) - pipes_before, spliced() ? 4 : 0);
  ::shutdown(tunnel.get(), SHUT_WR);
  const Received at_agent = receive_pattern(tunnel.get(), 2);

  EXPECT_TRUE(at_agent.clean_end);
  EXPECT_EQ(at_agent.bytes, kDown);
  EXPECT_EQ(at_agent.first_wrong, UINT64_MAX) << "first wrong byte at " << at_agent.first_wrong;
  const auto line = next_line(p);
  ASSERT_TRUE(line.is_object()) << line;
  EXPECT_EQ(line["decision"], "allow") << line;
  EXPECT_EQ(line["bytes_to_upstream"], kUp) << line;
  EXPECT_EQ(line["bytes_to_client"], kDown) << line;
  EXPECT_NE(line["reason"].get<std::string>().find("closed"), std::string::npos) << line;
  tunnel.reset();
  upstream.wait();
  EXPECT_TRUE(upstream_sent);
  EXPECT_TRUE(at_upstream.clean_end);
  EXPECT_EQ(at_upstream.bytes, kUp);
  EXPECT_EQ(at_upstream.first_wrong, UINT64_MAX)
      << "first wrong byte at " << at_upstream.first_wrong;
}

TEST_P(PipelockTunnel, TheEndOfADownloadTheAgentIsBehindOnArrivesWhole) {
  // The agent has said all it will (half-closed) and has not read yet when
  // the upstream sends a response and ends. When the response is a little
  // more than the kernel takes towards the agent (about 4 MiB on loopback,
  // as the socket buffers grow), the buffered relay reads all of it, and
  // the upstream's end, while it still holds the tail; it must deliver that
  // tail before the agent's end. The sizes step across that point.
  OneShotServer upstream([](int) {});
  Pipelock p(tunnel_config(upstream.port()), args());
  UniqueFd(bottle_test::dial_loopback(upstream.port()));  // the placeholder's turn
  for (std::uint64_t size = 3u << 20; size <= (5u << 20); size += 128 * 1024) {
    SCOPED_TRACE("response of " + std::to_string(size) + " bytes");
    std::uint64_t sent = 0;
    std::promise<void> upstream_ended;
    upstream.next([&](int fd) {
      char c;
      while (::recv(fd, &c, 1, 0) > 0) {
      }
      char buf[64 * 1024];
      while (sent < size) {
        pollfd w{fd, POLLOUT, 0};
        if (::poll(&w, 1, 200) != 1) break;  // the way to the agent is full
        for (std::size_t i = 0; i < sizeof buf; ++i) buf[i] = pattern(4, sent + i);
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buf, size - sent));
        const ssize_t n = ::send(fd, buf, want, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN) continue;
        if (n <= 0) break;
        sent += static_cast<std::uint64_t>(n);
      }
      ::shutdown(fd, SHUT_WR);
      upstream_ended.set_value();
    });
    UniqueFd tunnel = open_tunnel(p, upstream.port());
    ASSERT_TRUE(tunnel.valid());
    ::shutdown(tunnel.get(), SHUT_WR);
    ASSERT_EQ(upstream_ended.get_future().wait_for(60s), std::future_status::ready);
    // Time for the relay to take in the upstream's end before the agent
    // reads (the tunnel's line comes now if the relay has nothing left).
    auto line = p.next_decision(200ms);
    const Received at_agent = receive_pattern(tunnel.get(), 4);
    upstream.wait();
    EXPECT_TRUE(at_agent.clean_end);
    ASSERT_EQ(at_agent.bytes, sent);
    EXPECT_EQ(at_agent.first_wrong, UINT64_MAX) << "first wrong byte at " << at_agent.first_wrong;
    if (!line) line = p.next_decision();
    ASSERT_TRUE(line);
    EXPECT_EQ(nlohmann::json::parse(*line)["bytes_to_client"], sent) << *line;
  }
}

TEST_P(PipelockTunnel, AnAgentThatStopsReadingStopsTheUpstreamAndPipelockHoldsNothing) {
  std::uint64_t pushed = 0;
  std::promise<void> blocked;
  OneShotServer upstream([&](int fd) {
    // As much as the way to the agent takes: a send that cannot go on for a
    // second means the back-pressure reached the upstream.
    char buf[64 * 1024];
    for (;;) {
      pollfd w{fd, POLLOUT, 0};
      if (::poll(&w, 1, 1000) != 1) break;
      for (std::size_t i = 0; i < sizeof buf; ++i) buf[i] = pattern(3, pushed + i);
      const ssize_t n = ::send(fd, buf, sizeof buf, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EAGAIN) continue;
      if (n <= 0) return;
      pushed += static_cast<std::uint64_t>(n);
    }
    blocked.set_value();
    ::shutdown(fd, SHUT_WR);
    char c;
    while (::recv(fd, &c, 1, 0) > 0) {
    }
  });
  Pipelock p(tunnel_config(upstream.port()), args());
  UniqueFd tunnel = open_tunnel(p, upstream.port());
  ASSERT_TRUE(tunnel.valid());
  const long rss_before = rss_kib(p.pid());
  ASSERT_EQ(blocked.get_future().wait_for(60s), std::future_status::ready);
  // What is in flight sits in the sockets' buffers and (spliced) the
  // pipe; pipelock itself holds at most its high-water mark (256 KiB). The
  // bound on its memory leaves room for what a sanitizer build keeps of
  // freed buffers (5.4 MiB seen under ASan); a relay without back-pressure
  // would hold what the upstream pushed, and the upstream would not stop.
  EXPECT_LT(pushed, 32u << 20);
  EXPECT_LT(rss_kib(p.pid()) - rss_before, 12 * 1024) << "pipelock's memory grew";
  ::shutdown(tunnel.get(), SHUT_WR);
  const Received at_agent = receive_pattern(tunnel.get(), 3);
  upstream.wait();
  EXPECT_TRUE(at_agent.clean_end);
  EXPECT_EQ(at_agent.bytes, pushed);
  EXPECT_EQ(at_agent.first_wrong, UINT64_MAX) << "first wrong byte at " << at_agent.first_wrong;
}

TEST_P(PipelockTunnel, AnUpstreamResetEndsTheTunnelAndItsLineSaysSo) {
  OneShotServer upstream([](int fd) {
    char buf[5];
    std::size_t got = 0;
    while (got < sizeof buf) {
      const ssize_t n = ::recv(fd, buf + got, sizeof buf - got, 0);
      if (n <= 0) return;
      got += static_cast<std::size_t>(n);
    }
    linger hard{1, 0};  // close with a reset
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  });
  Pipelock p(tunnel_config(upstream.port()), args());
  UniqueFd tunnel = open_tunnel(p, upstream.port());
  ASSERT_TRUE(tunnel.valid());
  ASSERT_EQ(::send(tunnel.get(), "hello", 5, MSG_NOSIGNAL), 5);
  upstream.wait();
  char c;
  EXPECT_LE(::recv(tunnel.get(), &c, 1, 0), 0) << "the tunnel outlived its upstream";
  const auto line = next_line(p);
  ASSERT_TRUE(line.is_object()) << line;
  EXPECT_NE(line["reason"].get<std::string>().find("upstream connection error"), std::string::npos)
      << line;
  EXPECT_EQ(line["bytes_to_upstream"], 5) << line;
  // pipelock goes on.
  const std::string reply = exchange(p.port(), "CONNECT other.test:443 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 403", 0), 0u) << reply;
}

TEST_P(PipelockTunnel, ATunnelIdleAfterItsBytesIsClosedByTheIdleTimeout) {
  OneShotServer upstream([](int fd) {
    char buf[4];
    std::size_t got = 0;
    while (got < sizeof buf) {
      const ssize_t n = ::recv(fd, buf + got, sizeof buf - got, 0);
      if (n <= 0) return;
      got += static_cast<std::size_t>(n);
    }
    ::send(fd, "pong", 4, MSG_NOSIGNAL);
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
  });
  Pipelock p(tunnel_config(upstream.port(), 1), args());
  UniqueFd tunnel = open_tunnel(p, upstream.port());
  ASSERT_TRUE(tunnel.valid());
  ASSERT_EQ(::send(tunnel.get(), "ping", 4, MSG_NOSIGNAL), 4);
  char buf[8];
  ASSERT_EQ(::recv(tunnel.get(), buf, 4, MSG_WAITALL), 4);
  EXPECT_EQ(std::string(buf, 4), "pong");
  // Then nothing either way: pipelock ends it after a second (the socket's
  // own read timeout is 10 s).
  errno = 0;
  EXPECT_EQ(::recv(tunnel.get(), buf, sizeof buf, 0), 0) << std::strerror(errno);
  upstream.wait();
  const auto line = next_line(p);
  ASSERT_TRUE(line.is_object()) << line;
  EXPECT_NE(line["reason"].get<std::string>().find("idle timeout"), std::string::npos) << line;
  EXPECT_EQ(line["bytes_to_upstream"], 4) << line;
  EXPECT_EQ(line["bytes_to_client"], 4) << line;
}

TEST_P(PipelockTunnel, UrgentDataNeitherStallsTheTunnelNorCutsWhatFollows) {
  // TCP urgent data (MSG_OOB), from either side: the byte sent urgent is not
  // part of the stream (no relay carries it); what follows it is, while the
  // tunnel is still open (splice stops at the urgent mark: pipelock must
  // read past it, and must not spin on a socket that stays readable).
  auto read_exactly = [](int fd, std::size_t size) {
    std::string got;
    char buf[256];
    while (got.size() < size) {
      const ssize_t n = ::recv(fd, buf, std::min(sizeof buf, size - got.size()), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  };
  std::string at_upstream;
  OneShotServer upstream([&](int fd) {
    ::send(fd, "abc", 3, MSG_OOB);
    ::send(fd, "def", 3, 0);
    at_upstream = read_exactly(fd, 9);
    ::shutdown(fd, SHUT_WR);
    read_exactly(fd, 1);  // the agent's end
  });
  Pipelock p(tunnel_config(upstream.port()), args());
  UniqueFd tunnel = open_tunnel(p, upstream.port());
  ASSERT_TRUE(tunnel.valid());
  ASSERT_EQ(::send(tunnel.get(), "hello", 5, MSG_OOB), 5);
  ASSERT_EQ(::send(tunnel.get(), "world", 5, 0), 5);
  EXPECT_EQ(read_exactly(tunnel.get(), 5), "abdef");
  ::shutdown(tunnel.get(), SHUT_WR);
  char c;
  errno = 0;
  EXPECT_EQ(::recv(tunnel.get(), &c, 1, 0), 0)
      << "the tunnel did not end: " << std::strerror(errno);
  upstream.wait();
  EXPECT_EQ(at_upstream, "hellworld");
  const auto line = next_line(p);
  ASSERT_TRUE(line.is_object()) << line;
  EXPECT_NE(line["reason"].get<std::string>().find("closed"), std::string::npos) << line;
  EXPECT_EQ(line["bytes_to_upstream"], 9) << line;
  EXPECT_EQ(line["bytes_to_client"], 5) << line;
}

TEST_P(PipelockTunnel, WhatAPeerSentBeforeItsResetArrives) {
  // A response, then a reset instead of an end (SO_LINGER 0): the bytes
  // before the reset were sent, and reach the agent before it sees the end.
  constexpr std::size_t kBytes = 1000;
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::promise<void> reset;
    OneShotServer upstream([&](int fd) {
      char c;
      if (::recv(fd, &c, 1, 0) != 1) return;
      const std::string response(kBytes, 'r');
      ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
      linger hard{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      ::close(::dup(fd));  // the reset goes out when the accepted socket closes below
    });
    Pipelock p(tunnel_config(upstream.port()), args());
    UniqueFd tunnel = open_tunnel(p, upstream.port());
    ASSERT_TRUE(tunnel.valid());
    ASSERT_EQ(::send(tunnel.get(), "?", 1, MSG_NOSIGNAL), 1);
    upstream.wait();
    std::string got;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(tunnel.get(), buf, sizeof buf, 0)) > 0)
      got.append(buf, static_cast<std::size_t>(n));
    EXPECT_EQ(got.size(), kBytes);
    const auto line = next_line(p);
    ASSERT_TRUE(line.is_object()) << line;
    EXPECT_EQ(line["bytes_to_client"], kBytes) << line;
    EXPECT_NE(line["reason"].get<std::string>().find("reset"), std::string::npos) << line;
  }
}

INSTANTIATE_TEST_SUITE_P(Relays, PipelockTunnel, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "splice" : "copy"; });

TEST(PipelockTunnelDescriptors, PastTheDescriptorBudgetTunnelsCopyAndEveryOneWorks) {
  // A spliced tunnel holds six descriptors, a copied one two. Under a limit
  // of 128 (pipelock raises its soft limit to the hard one; here both are
  // 128), with room kept for 20 connections' sockets and pipelock's own 64,
  // 24 descriptors are left for pipes: 6 tunnels splice, the rest copy, so
  // that new connections still get descriptors, and all 20 work.
  const int port = harness::free_tcp_port();
  bottle_test::Process echo({TESTD_BIN, "--listen", std::to_string(port)});
  ASSERT_TRUE(
      harness::eventually([&] { return UniqueFd(bottle_test::dial_loopback(port)).valid(); }));
  std::string config = tunnel_config(port);
  config.replace(config.find("enabled: true,"), 14, "enabled: true, max_connections: 20,");
  Pipelock p(config);
  const auto limited = run({"prlimit", "--pid", std::to_string(p.pid()), "--nofile=128:128"});
  ASSERT_EQ(limited.first, 0) << limited.second;
  const int pipes_before = pipes_held_by(p.pid());
  std::vector<UniqueFd> tunnels;
  for (int i = 0; i < 20; ++i) {
    tunnels.push_back(open_tunnel(p, port));
    ASSERT_TRUE(tunnels.back().valid()) << "tunnel " << i;
    const int fd = tunnels.back().get();
    ASSERT_EQ(::send(fd, "ping\n", 5, MSG_NOSIGNAL), 5);
    char buf[5];
    ASSERT_EQ(::recv(fd, buf, sizeof buf, MSG_WAITALL), 5) << "tunnel " << i;
    EXPECT_EQ(std::string(buf, 5), "pong\n");
  }
  EXPECT_EQ(pipes_held_by(p.pid()) - pipes_before, 6 * 4);
}
