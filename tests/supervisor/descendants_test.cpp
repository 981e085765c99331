// Nothing of a bottle outlives its supervisor: whatever the daemons left
// behind is ended at shutdown, as PID 1 and as a subreaper alike.
#include <gtest/gtest.h>
#include <signal.h>

#include "supervisor_harness.hpp"

using namespace harness;

namespace {
// A daemon that leaves a grandchild in a session of its own (out of the
// daemon's process group, so a group signal misses it).
std::string leaves_a_setsid_grandchild(const std::string& tag) {
  return "  - name: leaver\n    argv: [/bin/sh, -c, 'setsid " + testd_bin() + " --name " + tag +
         " & exec " + testd_bin() + " --name leaver']\n";
}
}  // namespace

TEST(Descendants, AsPidOneASetsidGrandchildGetsSigtermBeforeTheSupervisorExits) {
  SupervisorUnderTest sup(registry({leaves_a_setsid_grandchild("grandchild-ns")}));
  ASSERT_TRUE(sup.wait_testd_started("leaver"));
  ASSERT_TRUE(eventually(
      [&] { return sup.stdout_text().find("testd grandchild-ns started") != std::string::npos; }));
  sup.signal(SIGTERM);
  EXPECT_EQ(sup.wait_exit(), 0) << sup.stderr_text();
  // Its own SIGTERM, from the supervisor: not the kernel's SIGKILL once PID 1 was gone.
  EXPECT_NE(sup.stdout_text().find("testd grandchild-ns: stopping on signal 15"), std::string::npos)
      << sup.stdout_text() << sup.stderr_text();
  EXPECT_NE(sup.stderr_text().find("sending SIGTERM to 1 remaining descendant(s)"),
            std::string::npos)
      << sup.stderr_text();
}

TEST(Descendants, AsASubreaperNothingItStartedSurvivesIt) {
  SupervisorUnderTest sup(registry({leaves_a_setsid_grandchild("grandchild-subreaper")}),
                          {.pid_namespace = false});
  ASSERT_TRUE(eventually([&] {
    return sup.stdout_text().find("testd grandchild-subreaper started") != std::string::npos;
  }));
  ASSERT_EQ(processes_with_args({"--name", "grandchild-subreaper"}).size(), 1u);
  sup.signal(SIGTERM);
  EXPECT_EQ(sup.wait_exit(), 0) << sup.stderr_text();
  // No kernel cleans up after a subreaper: had it not ended the grandchild, it would live on.
  EXPECT_TRUE(processes_with_args({"--name", "grandchild-subreaper"}).empty());
  EXPECT_NE(sup.stdout_text().find("testd grandchild-subreaper: stopping on signal 15"),
            std::string::npos)
      << sup.stdout_text();
}

TEST(Descendants, ADescendantThatIgnoresSigtermIsKilledAfterTheGrace) {
  SupervisorUnderTest sup(registry({"  - name: leaver\n    argv: [/bin/sh, -c, 'setsid " +
                                    testd_bin() + " --name deaf-grandchild --ignore-term & exec " +
                                    testd_bin() + " --name leaver']\n"}),
                          {.extra_args = {"--descendant-grace-ms", "200"}, .pid_namespace = false});
  // Its "started" line comes once SIGTERM is blocked and read from a
  // signalfd: before it, a SIGTERM would still end it (the race that made
  // this test fail in CI once).
  ASSERT_TRUE(eventually([&] {
    return sup.stdout_text().find("testd deaf-grandchild started") != std::string::npos;
  })) << sup.stdout_text();
  ASSERT_EQ(processes_with_args({"--name", "deaf-grandchild"}).size(), 1u);
  sup.signal(SIGTERM);
  EXPECT_EQ(sup.wait_exit(), 0) << sup.stderr_text();
  EXPECT_TRUE(processes_with_args({"--name", "deaf-grandchild"}).empty());
  EXPECT_NE(sup.stderr_text().find("descendants still alive after 200 ms: SIGKILL to 1"),
            std::string::npos)
      << sup.stderr_text();
}
