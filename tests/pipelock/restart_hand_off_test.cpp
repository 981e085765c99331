// pipelock under the real supervisor as the shipped registry runs it: the
// supervisor holds the listening socket (listen_socket, fd 3) and pipelock
// says when it is ready (readiness: notify). What must hold across live
// changes: the agent sees no refused or dropped request, and a tunnel open at
// a restart carries on in the tunnel carrier, which the supervisor ends at
// shutdown with every other descendant.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "pipelock_harness.hpp"
#include "supervisor_harness.hpp"

namespace {

void write_config(const std::string& path, int upstream_port, int extra_port, int generation) {
  // Each change really changes the allowlist, as `bottle pipelock add` would.
  std::ofstream(path + ".tmp") << "mode: strict\napi_allowlist: [allowed.test, gen" << generation
                               << ".test]\n"
                               << "fetch_proxy: {listen: '127.0.0.1:0'}\n"
                               << "forward_proxy: {enabled: true, allowed_ports: [" << upstream_port
                               << ", " << extra_port << "]}\n"
                               << "ssrf: {ip_allowlist: [127.0.0.1/32]}\n"
                               << "dns: {host_overrides: {allowed.test: [127.0.0.1]}}\n";
  std::rename((path + ".tmp").c_str(), path.c_str());
}

std::string pipelock_entry(const std::string& config_path, int port) {
  return "  - name: pipelock\n    argv: [" + pipelock_test::pipelock_bin() + ", --config, " +
         config_path + "]\n    on_signal: {SIGUSR1: restart}\n" +
         "    listen_socket: {tcp_port: " + std::to_string(port) + ", host: 127.0.0.1}\n" +
         "    readiness: {notify: true, timeout_ms: 5000}\n";
}

// Sends `line` and reads up to and including the next "\n" ("" on failure).
std::string ask(int fd, const std::string& line) {
  if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
    return "";
  std::string reply;
  char c;
  while (recv(fd, &c, 1, 0) == 1) {
    reply += c;
    if (c == '\n') return reply;
  }
  return "";
}

pid_t pgid_of(pid_t pid) { return getpgid(pid); }

// The decision lines that are not allows: what a failed request met.
std::string refusals(const std::string& log) {
  std::string out;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"decision\"") != std::string::npos &&
        (line.find("\"decision\":\"allow\"") == std::string::npos ||
         (line.find("\"reason\":\"tunnel, closed\"") == std::string::npos &&
          line.find("\"reason\":\"forwarded, closed\"") == std::string::npos))) {
      out += line + "\n";
    }
  }
  return out;
}

}  // namespace

TEST(PipelockHandOff, AHundredLiveChangesRefuseOrDropNoneOfTheAgentsRequests) {
  pipelock_test::Upstream up;
  const int port = harness::free_tcp_port();
  const std::string config = up.dir().string() + "/pipelock.yaml";
  write_config(config, up.port(), up.port(), 0);
  harness::SupervisorUnderTest sup(harness::registry({pipelock_entry(config, port)}));
  ASSERT_TRUE(sup.wait_running("pipelock")) << sup.stderr_text();

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::string first_failure;
  std::mutex failure_mutex;
  const std::string plain = "GET http://allowed.test:" + std::to_string(up.port()) +
                            "/index.html HTTP/1.1\r\nHost: allowed.test\r\n\r\n";
  const std::string tunnel =
      "CONNECT allowed.test:" + std::to_string(up.port()) +
      " HTTP/1.1\r\n\r\nGET /index.html HTTP/1.0\r\nHost: allowed.test\r\n\r\n";
  std::vector<std::thread> agents;
  for (const std::string* request : {&plain, &tunnel}) {
    agents.emplace_back([&, request] {
      while (!stop) {
        const std::string reply = pipelock_test::exchange(port, *request);
        if (reply.find("hello-upstream") != std::string::npos) {
          ++ok;
        } else {
          ++failed;
          std::lock_guard lock(failure_mutex);
          if (first_failure.empty()) first_failure = reply.empty() ? "(nothing)" : reply;
        }
      }
    });
  }
  for (int change = 1; change <= 100; ++change) {
    const int before = ok;
    write_config(config, up.port(), up.port(), change);
    sup.signal(SIGUSR1);
    if (!harness::eventually([&] {
          auto d = sup.daemon("pipelock");
          return d && (*d)["restarts"] == change && (*d)["state"] == "running";
        })) {
      ADD_FAILURE() << "change " << change << " did not complete\n" << sup.stderr_text();
      break;
    }
    // Requests keep flowing between changes, so every restart meets traffic.
    if (!harness::eventually([&] { return ok > before; })) {
      ADD_FAILURE() << "no request answered after change " << change << "; " << failed
                    << " failed, first: " << first_failure << "\n"
                    << sup.stderr_text();
      break;
    }
  }
  stop = true;
  for (auto& a : agents) a.join();
  EXPECT_EQ(failed, 0) << ok << " requests answered; first failure: " << first_failure
                       << "\npipelock's refusals:\n"
                       << refusals(sup.stdout_text());
  EXPECT_GT(ok, 100);
}

TEST(PipelockHandOff, ATunnelOpenAtARestartCarriesOnAndEndsAtShutdown) {
  pipelock_test::Upstream up;  // only for its scratch folder
  const int port = harness::free_tcp_port();
  const int echo_port = harness::free_tcp_port();
  const std::string config = up.dir().string() + "/pipelock.yaml";
  write_config(config, up.port(), echo_port, 0);
  harness::SupervisorUnderTest sup(harness::registry(
      {pipelock_entry(config, port),
       harness::testd_entry("upstream", {"--listen", std::to_string(echo_port)},
                            "    readiness: {tcp_port: " + std::to_string(echo_port) + "}\n")}));
  ASSERT_TRUE(sup.wait_running("pipelock") && sup.wait_running("upstream")) << sup.stderr_text();

  const int fd = bottle_test::dial_loopback(port);
  ASSERT_GE(fd, 0);
  const std::string connect =
      "CONNECT allowed.test:" + std::to_string(echo_port) + " HTTP/1.1\r\n\r\n";
  ASSERT_EQ(send(fd, connect.data(), connect.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(connect.size()));
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && recv(fd, &c, 1, 0) == 1) head += c;
  ASSERT_EQ(head, "HTTP/1.1 200 Connection Established\r\n\r\n");
  ASSERT_EQ(ask(fd, "ping\n"), "pong\n");

  const int old_pid = (*sup.daemon("pipelock"))["pid"].get<int>();
  sup.signal(SIGUSR1);
  ASSERT_TRUE(harness::eventually([&] {
    auto d = sup.daemon("pipelock");
    return d && (*d)["state"] == "running" && (*d)["pid"].get<int>() != old_pid;
  })) << sup.stderr_text();
  // The tunnel opened before the restart still works...
  EXPECT_EQ(ask(fd, "ping\n"), "pong\n");
  // ...carried by a process that left pipelock's group, so the restart's group
  // stop spared it, and that is not the new pipelock.
  const pid_t new_pipelock = sup.outer_pid((*sup.daemon("pipelock"))["pid"].get<int>());
  std::vector<pid_t> carriers;
  for (pid_t p : harness::processes_with_args({"--config", config})) {
    if (p != new_pipelock) carriers.push_back(p);
  }
  ASSERT_EQ(carriers.size(), 1u) << sup.stderr_text();
  EXPECT_NE(pgid_of(carriers[0]), pgid_of(new_pipelock));
  EXPECT_EQ(pgid_of(carriers[0]), carriers[0]);
  EXPECT_NE(sup.stderr_text().find("carries 1 open connections"), std::string::npos)
      << sup.stderr_text() << sup.stdout_text();

  sup.signal(SIGTERM);
  EXPECT_EQ(sup.wait_exit(), 0) << sup.stderr_text();
  EXPECT_EQ(ask(fd, "ping\n"), "") << "the tunnel outlived the bundle";
  close(fd);
  EXPECT_NE(sup.stderr_text().find("remaining descendant(s)"), std::string::npos)
      << sup.stderr_text();
}
