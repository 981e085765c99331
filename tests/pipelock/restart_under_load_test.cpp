#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "pipelock_harness.hpp"
#include "supervisor_harness.hpp"

// SIGUSR1 to the supervisor restarts pipelock while clients keep connecting.
// What must hold: the successor binds at once (no EADDRINUSE), and no
// connection that got past its CONNECT handshake is lost: not on the new
// process, and not on the old one either, whose open tunnels are drained by a
// child while the successor already serves.
TEST(PipelockRestart, UnderLoadNoConnectionPastItsHandshakeIsLost) {
  pipelock_test::Upstream up;
  const int port = harness::free_tcp_port();
  const std::string config_path = up.dir().string() + "/pipelock.yaml";
  {
    std::ofstream(config_path) << "mode: strict\napi_allowlist: [allowed.test]\n"
                                  "fetch_proxy: {listen: '127.0.0.1:"
                               << port
                               << "'}\n"
                                  "forward_proxy: {enabled: true, allowed_ports: ["
                               << up.port()
                               << "]}\n"
                                  "ssrf: {ip_allowlist: [127.0.0.1/32]}\n"
                                  "dns: {host_overrides: {allowed.test: [127.0.0.1]}}\n";
  }
  harness::SupervisorUnderTest sup(
      harness::registry({"  - name: pipelock\n    argv: [" + pipelock_test::pipelock_bin() +
                         ", --config, " + config_path +
                         "]\n    on_signal: {SIGUSR1: restart}\n"
                         "    readiness: {tcp_port: " +
                         std::to_string(port) + "}\n"}));
  ASSERT_TRUE(sup.wait_running("pipelock"));

  // One tunnel opened before the first restart and used after the last: the
  // short exchanges below rarely straddle a restart, this one straddles five.
  const int held = bottle_test::dial_loopback(port);
  ASSERT_GE(held, 0);
  auto read_until = [](int fd, const std::string& end) {
    std::string got;
    char buf[4096];
    while (end.empty() || got.find(end) == std::string::npos) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  };
  const std::string connect =
      "CONNECT allowed.test:" + std::to_string(up.port()) + " HTTP/1.1\r\n\r\n";
  ASSERT_EQ(::write(held, connect.data(), connect.size()), static_cast<ssize_t>(connect.size()));
  ASSERT_EQ(read_until(held, "\r\n\r\n"), "HTTP/1.1 200 Connection Established\r\n\r\n");

  std::atomic<bool> stop{false};
  std::atomic<int> completed{0};
  std::atomic<int> not_accepted{0};
  std::atomic<int> lost{0};
  const std::string request =
      "CONNECT allowed.test:" + std::to_string(up.port()) +
      " HTTP/1.1\r\n\r\nGET /index.html HTTP/1.0\r\nHost: allowed.test\r\n\r\n";
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      while (!stop) {
        const std::string reply = pipelock_test::exchange(port, request);
        const bool handshake = reply.rfind("HTTP/1.1 200 Connection Established\r\n\r\n", 0) == 0;
        if (!handshake) {
          ++not_accepted;  // refused or reset while no pipelock was listening
        } else if (reply.find("hello-upstream") != std::string::npos) {
          ++completed;
        } else {
          ++lost;
        }
      }
    });
  }
  for (int restart = 0; restart < 5; ++restart) {
    const auto before = sup.daemon("pipelock");
    ASSERT_TRUE(before);
    const int before_pid = (*before)["pid"].get<int>();
    const int before_completed = completed;
    sup.signal(SIGUSR1);
    ASSERT_TRUE(harness::eventually([&] {
      auto d = sup.daemon("pipelock");
      return d && (*d)["pid"].get<int>() != before_pid && (*d)["state"] == "running";
    }));
    // The successor serves clients.
    ASSERT_TRUE(harness::eventually([&] { return completed > before_completed + 4; }));
  }
  stop = true;
  for (auto& c : clients) c.join();

  const std::string get = "GET /index.html HTTP/1.0\r\nHost: allowed.test\r\n\r\n";
  ASSERT_EQ(::write(held, get.data(), get.size()), static_cast<ssize_t>(get.size()));
  EXPECT_NE(read_until(held, "").find("hello-upstream"), std::string::npos)
      << "the tunnel opened before five restarts did not carry a request after them";
  ::close(held);

  EXPECT_EQ(lost, 0) << completed << " completed, " << not_accepted << " not accepted";
  EXPECT_GT(completed, 20);
  const std::string log = sup.stderr_text() + sup.stdout_text();
  EXPECT_EQ(log.find("address already in use"), std::string::npos) << log;
  EXPECT_EQ(log.find("EADDRINUSE"), std::string::npos);
}
