#include <gtest/gtest.h>
#include <signal.h>

#include "supervisor_harness.hpp"

using namespace harness;

// Clean means each daemon stopped on its stop signal: no stop timeout ran out
// (how long a shutdown takes is a figure for bench/, not a test's bound).
TEST(Shutdown, SigtermStopsEveryDaemonOnItsStopSignalAndExitsZero) {
  SupervisorUnderTest sup(registry({testd_entry("pipelock", {}), testd_entry("egress", {}),
                                    testd_entry("git-gate", {}), testd_entry("supervise", {})}));
  for (auto name : {"pipelock", "egress", "git-gate", "supervise"}) {
    ASSERT_TRUE(sup.wait_running(name) && sup.wait_testd_started(name)) << sup.stderr_text();
  }
  sup.signal(SIGTERM);
  auto code = sup.wait_exit();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << sup.stderr_text();
  EXPECT_EQ(sup.stderr_text().find("did not stop within"), std::string::npos) << sup.stderr_text();
  EXPECT_EQ(sup.stderr_text().find("killed by SIGKILL"), std::string::npos) << sup.stderr_text();
  for (auto name : {"pipelock", "egress", "git-gate", "supervise"}) {
    EXPECT_NE(
        sup.stdout_text().find(std::string(name) + ": testd " + name + ": stopping on signal 15"),
        std::string::npos)
        << name << " did not get its stop signal";
  }
  EXPECT_NE(sup.stderr_text().find("all daemons stopped; exiting with code 0"), std::string::npos);
}

TEST(Shutdown, SigintShutsDownLikeSigterm) {
  SupervisorUnderTest sup(registry({testd_entry("pipelock", {})}));
  ASSERT_TRUE(sup.wait_running("pipelock"));
  sup.signal(SIGINT);
  EXPECT_EQ(sup.wait_exit(), 0);
}

TEST(Shutdown, ADaemonThatIgnoresSigtermIsKilledAfterItsTimeout) {
  SupervisorUnderTest sup(
      registry({testd_entry("stubborn", {"--ignore-term"}, "    stop_timeout_ms: 400\n"),
                testd_entry("polite", {})}));
  ASSERT_TRUE(sup.wait_testd_started("stubborn") && sup.wait_testd_started("polite"));
  // The pids the supervisor knows (inside its namespace), to find each one's
  // exit in its log: both must be reaped and reported before it exits.
  const auto stubborn_pid = (*sup.daemon("stubborn"))["pid"].get<int>();
  const auto polite_pid = (*sup.daemon("polite"))["pid"].get<int>();
  auto start = std::chrono::steady_clock::now();
  sup.signal(SIGTERM);
  auto code = sup.wait_exit();
  auto took = std::chrono::steady_clock::now() - start;
  // Killed, so not a clean stop: exit code 1.
  EXPECT_EQ(code, 1) << sup.stderr_text();
  EXPECT_GE(took, std::chrono::milliseconds(400));
  EXPECT_NE(sup.stderr_text().find("stubborn: did not stop within 400 ms"), std::string::npos)
      << sup.stderr_text();
  EXPECT_NE(sup.stderr_text().find("stubborn: pid " + std::to_string(stubborn_pid) +
                                   " exited: killed by SIGKILL (after SIGKILL)"),
            std::string::npos)
      << sup.stderr_text();
  EXPECT_NE(sup.stderr_text().find("polite: pid " + std::to_string(polite_pid) + " exited: "),
            std::string::npos)
      << sup.stderr_text();
}

TEST(Shutdown, RestartRequestsDuringShutdownAreIgnored) {
  SupervisorUnderTest sup(
      registry({testd_entry("pipelock", {"--ignore-term"},
                            "    stop_timeout_ms: 500\n    on_signal: {SIGUSR1: restart}\n")}));
  ASSERT_TRUE(sup.wait_testd_started("pipelock"));
  sup.signal(SIGTERM);
  ASSERT_TRUE(eventually([&] {
    auto s = sup.status();
    return s && (*s)["shutting_down"].get<bool>();
  }));
  sup.signal(SIGUSR1);
  EXPECT_EQ(sup.wait_exit(), 1);
  EXPECT_NE(sup.stderr_text().find("restart (received SIGUSR1) ignored: shutting down"),
            std::string::npos)
      << sup.stderr_text();
  EXPECT_EQ(sup.stdout_text().find("started pid", sup.stdout_text().find("started pid") + 1),
            std::string::npos)
      << "pipelock was started again during shutdown";
}

TEST(Shutdown, WorksWhenNotPidOneAsChildSubreaper) {
  // Without unshare: the supervisor runs as an ordinary process of the test.
  SupervisorUnderTest sup(registry({testd_entry("spawner", {"--orphans", "50"})}),
                          {.pid_namespace = false});
  ASSERT_TRUE(sup.wait_running("spawner"));
  EXPECT_TRUE(eventually([&] { return (*sup.status())["orphans_reaped"] == 50; }));
  sup.signal(SIGTERM);
  EXPECT_EQ(sup.wait_exit(), 0);
}
