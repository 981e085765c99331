// Signals that arrive before the supervisor's handlers exist, or that a
// careless parent left blocked, are handled once its loop runs.
#include <gtest/gtest.h>
#include <signal.h>

#include "supervisor_harness.hpp"

using namespace harness;

TEST(EarlySignals, ASigtermPendingAtStartShutsTheSupervisorDown) {
  SupervisorUnderTest sup(registry({testd_entry("pipelock", {})}),
                          {.pid_namespace = false, .pending_signals = {SIGTERM}});
  EXPECT_EQ(sup.wait_exit(), 0) << sup.stderr_text();
  EXPECT_NE(sup.stderr_text().find("shutting down (received SIGTERM)"), std::string::npos)
      << sup.stderr_text();
}

TEST(EarlySignals, ASigusr1PendingAtStartRestartsTheMappedDaemonAndDoesNotKillTheSupervisor) {
  SupervisorUnderTest sup(
      registry({testd_entry("pipelock", {}, "    on_signal: {SIGUSR1: restart}\n")}),
      {.pid_namespace = false, .pending_signals = {SIGUSR1, SIGHUP}});
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("pipelock");
    return d && (*d)["restarts"] == 1 && (*d)["state"] == "running";
  })) << sup.stderr_text();
  EXPECT_NE(sup.stderr_text().find("SIGHUP: no selected daemon is mapped to it"), std::string::npos)
      << sup.stderr_text();
}

TEST(EarlySignals, AnInheritedBlockedMaskDoesNotKeepTheSupervisorFromReapingOrStopping) {
  // SIGCHLD and SIGTERM blocked by the parent (nothing pending yet).
  SupervisorUnderTest sup(registry({testd_entry("spawner", {"--orphans", "20"})}),
                          {.pid_namespace = false, .pending_signals = {SIGCHLD}});
  EXPECT_TRUE(eventually([&] {
    auto s = sup.status();
    return s && (*s)["orphans_reaped"] == 20;
  }));
  sup.signal(SIGTERM);
  EXPECT_EQ(sup.wait_exit(), 0) << sup.stderr_text();
}
