#include <gtest/gtest.h>
#include <signal.h>

#include "supervisor_harness.hpp"

using namespace harness;

namespace {
const std::string kCrashPolicy =
    "    restart: {backoff_initial_ms: 50, backoff_max_ms: 1000, start_limit: 3, on_failed: %s}\n";
std::string crash_policy(const std::string& on_failed) {
  std::string s = kCrashPolicy;
  s.replace(s.find("%s"), 2, on_failed);
  return s;
}
}  // namespace

TEST(CrashRestart, ACrashingDaemonIsRestartedWithGrowingDelaysThenMarkedFailed) {
  SupervisorUnderTest sup(registry({
      testd_entry("crasher", {"--exit-after-ms", "0", "--exit-code", "3"},
                  crash_policy("keep-running")),
      testd_entry("sibling", {}),
  }));
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("crasher");
    return d && (*d)["state"] == "failed";
  })) << sup.stderr_text();
  const std::string log = sup.stderr_text();
  auto at50 = log.find("crasher: restarting in 50 ms (failure 1 of 3 allowed)");
  auto at100 = log.find("crasher: restarting in 100 ms (failure 2 of 3 allowed)");
  auto at200 = log.find("crasher: restarting in 200 ms (failure 3 of 3 allowed)");
  auto failed = log.find("crasher: failed: crashed 4 times in a row, past its start limit of 3");
  ASSERT_NE(at50, std::string::npos) << log;
  ASSERT_NE(at100, std::string::npos) << log;
  ASSERT_NE(at200, std::string::npos) << log;
  ASSERT_NE(failed, std::string::npos) << log;
  EXPECT_LT(at50, at100);
  EXPECT_LT(at100, at200);
  EXPECT_LT(at200, failed);
  auto crasher = *sup.daemon("crasher");
  EXPECT_EQ(crasher["restarts"], 3);
  EXPECT_EQ(crasher["last_exit"], "exit code 3");
  EXPECT_TRUE(crasher["pid"].is_null());
  // keep-running: the others carry on, and the bundle reports itself unhealthy.
  EXPECT_EQ((*sup.daemon("sibling"))["state"], "running");
  EXPECT_EQ(sup.sidecarctl({"health"}).first, 1);
}

TEST(CrashRestart, PipelockFailingPastItsLimitTakesTheBundleDown) {
  SupervisorUnderTest sup(registry({
      testd_entry("pipelock", {"--exit-after-ms", "0"}, crash_policy("shutdown")),
      testd_entry("egress", {}),
  }));
  auto code = sup.wait_exit();
  ASSERT_TRUE(code.has_value()) << sup.stderr_text();
  EXPECT_EQ(*code, 3);
  EXPECT_NE(
      sup.stderr_text().find("pipelock failed and its registry entry says on_failed: shutdown"),
      std::string::npos)
      << sup.stderr_text();
  // The sibling was stopped with the bundle (the supervisor's word for it: egress may
  // die of SIGTERM before it could print anything).
  const std::string log = sup.stderr_text();
  auto stopping = log.find("egress: stopping pid");
  ASSERT_NE(stopping, std::string::npos) << log;
  EXPECT_NE(log.find("exited", stopping), std::string::npos) << log;
}

TEST(CrashRestart, AProgramThatCannotBeExecutedIsReportedAndCountsAsACrash) {
  SupervisorUnderTest sup("daemons:\n  - name: ghost\n    argv: [/nonexistent/ghostd]\n" +
                          crash_policy("keep-running"));
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("ghost");
    return d && (*d)["state"] == "failed";
  })) << sup.stderr_text();
  EXPECT_NE(sup.stderr_text().find(
                "ghost: cannot start: exec '/nonexistent/ghostd': No such file or directory"),
            std::string::npos)
      << sup.stderr_text();
  EXPECT_EQ((*sup.daemon("ghost"))["last_exit"], "exit code 127");
}

TEST(CrashRestart, ADaemonThatNeverBecomesReadyIsRestarted) {
  const int port = free_tcp_port();
  SupervisorUnderTest sup(
      registry({testd_entry("deaf", {},
                            "    readiness: {tcp_port: " + std::to_string(port) +
                                ", timeout_ms: 200}\n" + crash_policy("keep-running"))}));
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("deaf");
    return d && (*d)["restarts"].get<int>() >= 1;
  })) << sup.stderr_text();
  EXPECT_NE(sup.stderr_text().find("deaf: not accepting on port " + std::to_string(port) +
                                   " after 200 ms"),
            std::string::npos);
}

TEST(CrashRestart, AFailedKeepRunningDaemonIsTriedAgainAfterItsRetryDelay) {
  SupervisorUnderTest sup(registry(
      {testd_entry("egress", {"--exit-after-ms", "0", "--exit-code", "3"},
                   "    restart: {backoff_initial_ms: 10, start_limit: 1, on_failed: keep-running, "
                   "failed_retry_ms: 300}\n")}));
  // Failed once (2 crashes), then tried again and failed again: restarts keep growing.
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("egress");
    return d && (*d)["restarts"].get<int>() >= 4;
  })) << sup.stderr_text();
  EXPECT_NE(sup.stderr_text().find("egress: trying again in 300 ms (restart.failed_retry_ms)"),
            std::string::npos)
      << sup.stderr_text();
}

TEST(CrashRestart, StatusExitsNonZeroNamingTheDaemonsThatAreNotRunning) {
  SupervisorUnderTest sup(registry({
      testd_entry("egress", {"--exit-after-ms", "0"}, crash_policy("keep-running")),
      testd_entry("pipelock", {}),
  }));
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("egress");
    return d && (*d)["state"] == "failed";
  }));
  auto [code, out] = sup.sidecarctl({"status"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("not running: egress is failed"), std::string::npos) << out;
  EXPECT_EQ(out.find("not running: pipelock"), std::string::npos) << out;
}

TEST(CrashRestart, AnExecFailureIsNeverReportedAsStartedOrRunning) {
  SupervisorUnderTest sup("daemons:\n  - name: ghost\n    argv: [/nonexistent/ghostd]\n" +
                          crash_policy("keep-running"));
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("ghost");
    return d && (*d)["state"] == "failed";
  })) << sup.stderr_text();
  EXPECT_EQ(sup.stderr_text().find("ghost: started, pid"), std::string::npos) << sup.stderr_text();
  EXPECT_TRUE((*sup.daemon("ghost"))["pid"].is_null());
}
