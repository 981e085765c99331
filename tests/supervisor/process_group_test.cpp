// A daemon is its whole process group: what it started stops with it, and
// nothing of an old process meets its successor.
#include <gtest/gtest.h>
#include <signal.h>

#include "supervisor_harness.hpp"

using namespace harness;

TEST(ProcessGroup, RestartsLeaveNoneOfTheDaemonsChildrenBehind) {
  SupervisorUnderTest sup(
      registry({"  - name: pipeline\n    argv: [/bin/sh, -c, 'sleep 1000 | cat']\n"
                "    on_signal: {SIGUSR1: restart}\n"}));
  ASSERT_TRUE(sup.wait_running("pipeline")) << sup.stderr_text();
  // sh, sleep and cat.
  ASSERT_TRUE(eventually([&] { return sup.descendants().size() == 3; }))
      << sup.descendants().size();
  const int fds_before = sup.open_fd_count();
  for (int i = 1; i <= 20; ++i) {
    sup.signal(SIGUSR1);
    ASSERT_TRUE(eventually([&] {
      auto d = sup.daemon("pipeline");
      return d && (*d)["restarts"] == i && (*d)["state"] == "running";
    })) << sup.stderr_text();
  }
  EXPECT_TRUE(eventually([&] { return sup.descendants().size() == 3; }))
      << sup.descendants().size() << " processes under the supervisor after 20 restarts";
  EXPECT_TRUE(eventually([&] { return sup.open_fd_count() == fds_before; }))
      << "fds before " << fds_before << ", after " << sup.open_fd_count();
}

TEST(ProcessGroup, ACrashedDaemonsChildHoldingItsPortIsEndedBeforeTheSuccessorStarts) {
  // Like git-gate and its git daemon: the daemon's child holds the port.
  const int port = free_tcp_port();
  SupervisorUnderTest sup(
      registry({"  - name: gate\n    argv: [/bin/sh, -c, 'exec " + testd_bin() +
                " --name gate-child --listen " + std::to_string(port) + " & wait']\n" +
                "    readiness: {tcp_port: " + std::to_string(port) + "}\n" +
                "    restart: {backoff_initial_ms: 50, start_limit: 5}\n"}));
  ASSERT_TRUE(sup.wait_running("gate")) << sup.stderr_text();
  const int first_shell = (*sup.daemon("gate"))["pid"].get<int>();
  const std::string first_child = TestdConnection(port).ask("pid");
  ASSERT_FALSE(first_child.empty());

  const pid_t shell = sup.outer_pid(first_shell);
  ASSERT_GT(shell, 1);
  kill(shell, SIGKILL);  // the daemon crashes; its child is orphaned
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("gate");
    return d && (*d)["state"] == "running" && (*d)["pid"] != first_shell;
  })) << sup.stderr_text();
  // The port is served by the successor's own child, not the orphan.
  EXPECT_TRUE(eventually([&] {
    const std::string now = TestdConnection(port).ask("pid");
    return !now.empty() && now != first_child;
  }));
  EXPECT_EQ(sup.stdout_text().find("cannot listen"), std::string::npos) << sup.stdout_text();
  EXPECT_NE(sup.stdout_text().find("gate-child: stopping on signal 15"), std::string::npos)
      << sup.stdout_text();
  EXPECT_NE(sup.stderr_text().find("gate: its process group"), std::string::npos)
      << sup.stderr_text();
  EXPECT_EQ((*sup.daemon("gate"))["restarts"], 1);
}

TEST(ProcessGroup, TheKillTimerHoldsUntilTheWholeGroupIsGone) {
  // The shell exits at once on SIGTERM; its child ignores SIGTERM and must be SIGKILLed.
  SupervisorUnderTest sup(
      registry({"  - name: stubborn\n    argv: [/bin/sh, -c, '" + testd_bin() +
                " --name stubborn-child --ignore-term & wait']\n" +
                "    stop_timeout_ms: 300\n    on_signal: {SIGUSR1: restart}\n"}));
  ASSERT_TRUE(sup.wait_running("stubborn"));
  // The child says it started once it holds SIGTERM off; before that (the
  // process exists, exec is done) a SIGTERM still ends it at once, and the
  // kill timer would have nothing to hold for.
  ASSERT_TRUE(eventually([&] {
    return sup.stdout_text().find("testd stubborn-child started") != std::string::npos;
  })) << sup.stdout_text();
  sup.signal(SIGUSR1);
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("stubborn");
    return d && (*d)["restarts"] == 1 && (*d)["state"] == "running";
  })) << sup.stderr_text();
  EXPECT_NE(sup.stderr_text().find("stubborn: did not stop within 300 ms"), std::string::npos)
      << sup.stderr_text();
  // One child: the successor's. The old one was killed before it started.
  EXPECT_TRUE(eventually([&] {
    return processes_with_args({"--name", "stubborn-child"}).size() == 1;
  }));
}
