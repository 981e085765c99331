#include <gtest/gtest.h>
#include <signal.h>

#include "supervisor_harness.hpp"

using namespace harness;

namespace {
std::string two_daemons(int pipelock_port, int egress_port) {
  return registry({
      testd_entry("pipelock", {"--listen", std::to_string(pipelock_port)},
                  "    on_signal: {SIGUSR1: restart}\n    stop_timeout_ms: 2000\n"
                  "    readiness: {tcp_port: " +
                      std::to_string(pipelock_port) + "}\n"),
      testd_entry("egress", {"--listen", std::to_string(egress_port)},
                  "    on_signal: {SIGHUP: reload}\n"
                  "    readiness: {tcp_port: " +
                      std::to_string(egress_port) + "}\n"),
  });
}
}  // namespace

TEST(RestartInPlace, SigusrOneReplacesPipelockWhileTheSiblingKeepsItsPidAndConnection) {
  const int pipelock_port = free_tcp_port(), egress_port = free_tcp_port();
  SupervisorUnderTest sup(two_daemons(pipelock_port, egress_port));
  ASSERT_TRUE(sup.wait_running("pipelock") && sup.wait_running("egress")) << sup.stderr_text();
  const auto old_pipelock = (*sup.daemon("pipelock"))["pid"];
  const auto egress_pid = (*sup.daemon("egress"))["pid"];
  TestdConnection to_egress(egress_port);
  ASSERT_EQ(to_egress.ask("ping"), "pong");
  const std::string egress_real_pid = to_egress.ask("pid");

  sup.signal(SIGUSR1);
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("pipelock");
    return d && (*d)["state"] == "running" && (*d)["pid"] != old_pipelock;
  })) << sup.stderr_text();

  // The replacement accepts connections; the sibling never noticed.
  TestdConnection to_pipelock(pipelock_port);
  EXPECT_EQ(to_pipelock.ask("ping"), "pong");
  EXPECT_EQ(to_egress.ask("ping"), "pong");
  EXPECT_EQ(to_egress.ask("pid"), egress_real_pid);
  EXPECT_EQ((*sup.daemon("egress"))["pid"], egress_pid);
  EXPECT_EQ((*sup.daemon("egress"))["restarts"], 0);
  EXPECT_EQ((*sup.daemon("pipelock"))["restarts"], 1);
  EXPECT_EQ(sup.processes_named("pipelock").size(), 1u);
}

TEST(RestartInPlace, AHundredSigusrOneInABurstLeaveExactlyOnePipelockAndNoLeakedFds) {
  const int pipelock_port = free_tcp_port(), egress_port = free_tcp_port();
  SupervisorUnderTest sup(two_daemons(pipelock_port, egress_port));
  ASSERT_TRUE(sup.wait_running("pipelock") && sup.wait_running("egress")) << sup.stderr_text();
  const int fds_before = sup.open_fd_count();
  const auto egress_pid = (*sup.daemon("egress"))["pid"];

  for (int i = 0; i < 99; ++i) sup.signal(SIGUSR1);
  const auto before_last = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  sup.signal(SIGUSR1);

  // The coalescing guarantee: the pipelock left running was spawned after the last signal.
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("pipelock");
    return d && (*d)["state"] == "running" && !(*d)["restart_pending"].get<bool>() &&
           (*d)["started_at_unix_ms"].get<long long>() >= before_last;
  })) << sup.status()->dump()
      << sup.stderr_text();
  EXPECT_TRUE(eventually([&] { return sup.processes_named("pipelock").size() == 1; }))
      << "pipelock processes: " << sup.processes_named("pipelock").size();
  EXPECT_EQ((*sup.daemon("egress"))["pid"], egress_pid);
  EXPECT_TRUE(eventually([&] { return sup.open_fd_count() == fds_before; }))
      << "fds before " << fds_before << ", after " << sup.open_fd_count();
  TestdConnection to_pipelock(pipelock_port);
  EXPECT_EQ(to_pipelock.ask("ping"), "pong");
}

TEST(RestartInPlace, SidecarctlRestartsOneDaemonByName) {
  const int pipelock_port = free_tcp_port(), egress_port = free_tcp_port();
  SupervisorUnderTest sup(two_daemons(pipelock_port, egress_port));
  ASSERT_TRUE(sup.wait_running("pipelock") && sup.wait_running("egress")) << sup.stderr_text();
  const auto pipelock_pid = (*sup.daemon("pipelock"))["pid"];
  const auto egress_pid = (*sup.daemon("egress"))["pid"];
  auto [code, out] = sup.sidecarctl({"restart", "egress"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_TRUE(eventually([&] {
    auto d = sup.daemon("egress");
    return d && (*d)["state"] == "running" && (*d)["pid"] != egress_pid;
  }));
  EXPECT_EQ((*sup.daemon("pipelock"))["pid"], pipelock_pid);
}
