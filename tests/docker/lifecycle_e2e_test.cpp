// Issue 8, tests 4 to 6: the bundle's PID 1 in a real container: stop,
// logs, crashes, fail-closed, and reaping.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "bottle_harness.hpp"

namespace bottle_e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::vector<std::string> kDaemons = {"pipelock", "egress", "git-gate", "supervise"};

// Whether `log` has a line of `daemon`'s own output, as compose shows it:
// "<container or service> | <daemon>: ..." (the supervisor's lines begin
// "supervisor: " and only name the daemon later on).
bool has_daemon_line(const std::string& log, const std::string& daemon) {
  return std::regex_search(log, std::regex("\\| (\\S+ )?" + daemon + ": "));
}

TEST(BottleLifecycle, DockerStopIsQuickAndCleanAndTheLogsNameEachDaemon) {
  Bottle b("e2e-stop", 4);
  const auto logs = b.compose({"logs", "--no-color", "sidecars"});
  ASSERT_EQ(logs.code, 0) << logs.output;
  for (const auto& d : kDaemons)
    EXPECT_TRUE(has_daemon_line(logs.output, d)) << d << "\n" << logs.output;

  const auto t0 = std::chrono::steady_clock::now();
  const auto stop = run({"docker", "stop", b.sidecars_container()});
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(stop.code, 0) << stop.output;
  std::printf("docker stop of the sidecars: %.2f s (grace period 10 s)\n", seconds);
  EXPECT_LT(seconds, 5.0) << "the supervisor's shutdown must be well inside the grace period";
  EXPECT_EQ(
      run({"docker", "inspect", "--format", "{{.State.ExitCode}}", b.sidecars_container()}).output,
      "0\n");

  const std::string left = b.stop_and_list_leftovers();
  EXPECT_EQ(left, "");
  std::ifstream saved(b.state_dir() / "compose.log");
  ASSERT_TRUE(saved) << "compose.log was not written at teardown";
  std::stringstream text;
  text << saved.rdbuf();
  for (const auto& d : kDaemons) EXPECT_TRUE(has_daemon_line(text.str(), d)) << d;
  EXPECT_THAT(text.str(), HasSubstr("supervisor: "));
}

TEST(BottleLifecycle, AKilledDaemonIsRestartedAndPipelockPastItsLimitTakesTheBundleDown) {
  Bottle b("e2e-crash", 5);
  LogWatch log(b.sidecars_container());

  const int egress_pid = b.daemon_pid("egress");
  ASSERT_EQ(b.sidecars("kill -KILL " + std::to_string(egress_pid)).code, 0);
  ASSERT_TRUE(log.line_with("egress: pid " + std::to_string(egress_pid) + " exited"));
  ASSERT_TRUE(log.line_with("egress: ready")) << "egress was not restarted";
  EXPECT_NE(b.daemon_pid("egress"), egress_pid);
  EXPECT_EQ(b.agent("curl -sS -o /dev/null -w '%{http_code}' http://egress:8080/" +
                    std::string(kApiHost) + "/hello")
                .output,
            "200");

  // pipelock's start limit is 5 failures in a row; the sixth marks it failed,
  // and with on_failed: shutdown the bundle goes down, the agent cut off.
  for (int kill = 1; kill <= 6; ++kill) {
    const int pid = b.daemon_pid("pipelock");
    ASSERT_GT(pid, 0) << "kill " << kill;
    ASSERT_EQ(b.sidecars("kill -KILL " + std::to_string(pid)).code, 0);
    ASSERT_TRUE(log.line_with("pipelock: pid " + std::to_string(pid) + " exited"));
    if (kill < 6) {
      ASSERT_TRUE(log.line_with("pipelock: ready")) << "kill " << kill;
    }
  }
  const auto waited = run({"docker", "wait", b.sidecars_container()});
  EXPECT_EQ(waited.output, "3\n") << "the supervisor exits 3 when a daemon fails the bundle";
  const auto cut_off = b.agent(std::string("curl -sS --connect-timeout 5 --cacert "
                                           "/workspace/upstream-ca.pem https://") +
                               kApiHost + "/hello");
  EXPECT_NE(cut_off.code, 0);
  EXPECT_THAT(cut_off.output, Not(HasSubstr("hello from the upstream")));

  EXPECT_EQ(b.stop_and_list_leftovers(), "");
}

TEST(BottleLifecycle, ABurstOfOrphanedGrandchildrenLeavesNoZombie) {
  Bottle b("e2e-zombies", 6);
  const long before = b.status()["orphans_reaped"].get<long>();
  // Each inner shell exits at once, orphaning its sleep, which the kernel
  // hands to the namespace's init: the supervisor.
  const auto burst = b.sidecars("for i in $(seq 200); do sh -c 'sleep 0.5 &'; done");
  ASSERT_EQ(burst.code, 0) << burst.output;
  // Awaited through the supervisor's own count; the deadline only bounds a failure.
  long reaped = before;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (reaped < before + 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    reaped = b.status()["orphans_reaped"].get<long>();
  }
  EXPECT_GE(reaped, before + 200);
  const auto zombies = b.sidecars("cat /proc/[0-9]*/stat 2>/dev/null | awk '$3 == \"Z\"' | wc -l");
  EXPECT_EQ(zombies.output, "0\n");
  const nlohmann::json status = b.status();
  EXPECT_EQ(status["daemons"].size(), 4u);
  for (const auto& d : status["daemons"]) EXPECT_EQ(d["state"], "running") << d.dump();

  EXPECT_EQ(b.stop_and_list_leftovers(), "");
}

}  // namespace
}  // namespace bottle_e2e
