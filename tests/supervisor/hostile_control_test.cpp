// What the control socket takes from a client that is not sidecarctl: no byte,
// no shape and no number of connections may end PID 1 or lock the operator out.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervisor_harness.hpp"

using namespace harness;

namespace {
std::string one_daemon() {
  return registry({testd_entry("pipelock", {}, "    on_signal: {SIGUSR1: restart}\n")});
}

nlohmann::json parse_reply(const std::string& reply) {
  EXPECT_FALSE(reply.empty()) << "no answer";
  EXPECT_EQ(reply.back(), '\n') << reply;
  return nlohmann::json::parse(reply);  // throws, failing the test, if not JSON
}
}  // namespace

TEST(HostileControl, AnInvalidUtf8ByteGetsAnErrorReplyAndThePid1AndItsDaemonsLiveOn) {
  SupervisorUnderTest sup(one_daemon());
  ASSERT_TRUE(sup.wait_running("pipelock")) << sup.stderr_text();
  const auto daemon_pid = (*sup.daemon("pipelock"))["pid"];
  for (const std::string& request :
       {std::string("{\"command\":\"\xff\"}\n"),
        std::string("{\"command\":\"restart\",\"daemon\":\"\xff\xfe\"}\n"),
        std::string("\xff\xff\xff\n"),
        std::string("{\"command\":\"reload\",\"daemon\":\"\xc0\xaf\"}\n")}) {
    const auto reply = parse_reply(unix_exchange(sup.control_socket(), request, false));
    EXPECT_EQ(reply["ok"], false) << reply.dump();
    EXPECT_TRUE(reply["error"].is_string());
  }
  // Same PID 1, same daemon: nothing was killed.
  EXPECT_FALSE(sup.wait_exit(std::chrono::milliseconds(200)).has_value()) << sup.stderr_text();
  EXPECT_EQ((*sup.daemon("pipelock"))["pid"], daemon_pid);
}

TEST(HostileControl, SidecarctlRefusesADaemonNameWithAnInvalidByteWithoutCrashing) {
  SupervisorUnderTest sup(one_daemon());
  ASSERT_TRUE(sup.wait_running("pipelock"));
  auto [code, out] = sup.sidecarctl({"restart", "\xff\x1b[2J"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("no selected daemon named"), std::string::npos) << out;
  // What the operator's terminal gets is escaped: no raw ESC.
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_TRUE(sup.wait_running("pipelock"));
}

TEST(HostileControl, MalformedShapesGetErrorsNotCrashes) {
  SupervisorUnderTest sup(one_daemon());
  ASSERT_TRUE(sup.wait_running("pipelock"));
  for (const std::string& request :
       {std::string(4000, '[') + "\n", std::string("{\"command\":5}\n"), std::string("[]\n"),
        std::string("{\"command\":\"restart\",\"daemon\":[1]}\n"), std::string("null\n"),
        std::string("{\"command\":\"status\",\"x\":") + std::string(3000, '{') + "\n",
        std::string(5000, 'x')}) {
    const auto reply = parse_reply(unix_exchange(sup.control_socket(), request, false));
    EXPECT_EQ(reply["ok"], false) << reply.dump();
  }
  EXPECT_EQ(sup.sidecarctl({"status"}).first, 0);
}

TEST(HostileControl, ARequestWithoutANewlineIsAnsweredWhenTheClientClosesItsSide) {
  SupervisorUnderTest sup(one_daemon());
  ASSERT_TRUE(sup.wait_running("pipelock"));
  const auto reply =
      parse_reply(unix_exchange(sup.control_socket(), "{\"command\":\"status\"}", true));
  EXPECT_EQ(reply["ok"], true) << reply.dump();
  EXPECT_EQ(reply["daemons"][0]["name"], "pipelock");
}

TEST(HostileControl, ASilentClientIsCutOffAfterItsDeadline) {
  SupervisorUnderTest sup(one_daemon());
  ASSERT_TRUE(sup.wait_running("pipelock"));
  const int fd = unix_connect(sup.control_socket());
  ASSERT_GE(fd, 0);
  timeval timeout{20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string reply;
  char buf[512];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  close(fd);
  // The server answered and closed (n == 0), rather than the test's own timeout firing.
  EXPECT_EQ(n, 0);
  EXPECT_NE(reply.find("no complete request within"), std::string::npos) << reply;
}

TEST(HostileControl, TwoHundredIdleConnectionsUnderA64FdLimitLockOutNeitherStatusNorARestart) {
  SupervisorUnderTest sup(one_daemon(), {.nofile_limit = 64});
  ASSERT_TRUE(sup.wait_running("pipelock")) << sup.stderr_text();
  const auto old_pid = (*sup.daemon("pipelock"))["pid"];
  std::vector<int> idle;
  for (int i = 0; i < 200; ++i) {
    const int fd = unix_connect(sup.control_socket());
    if (fd >= 0) idle.push_back(fd);
  }
  // A restart finds the fds it needs at once...
  sup.signal(SIGUSR1);
  EXPECT_TRUE(eventually([&] {
    auto d = sup.daemon("pipelock");
    return d && (*d)["state"] == "running" && (*d)["pid"] != old_pid;
  })) << sup.stderr_text();
  EXPECT_EQ((*sup.daemon("pipelock"))["restarts"], 1);
  EXPECT_EQ(sup.stderr_text().find("cannot start"), std::string::npos) << sup.stderr_text();
  EXPECT_EQ(sup.stderr_text().find("Too many open files"), std::string::npos) << sup.stderr_text();
  // ...and the operator gets answers again once the idle clients' deadline
  // passed, although they still hold their ends open.
  EXPECT_TRUE(eventually([&] { return sup.sidecarctl({"status"}).first == 0; }));
  for (int fd : idle) close(fd);
}
