#include <gtest/gtest.h>

#include "supervisor_harness.hpp"

using namespace harness;

TEST(Reaping, ABurstOfAThousandOrphanedGrandchildrenLeavesNoZombie) {
  SupervisorUnderTest sup(registry({testd_entry("spawner", {"--orphans", "1000"})}));
  ASSERT_TRUE(sup.wait_running("spawner")) << sup.stderr_text();
  const auto spawner_pid = (*sup.daemon("spawner"))["pid"];
  ASSERT_TRUE(eventually([&] {
    auto s = sup.status();
    return s && (*s)["orphans_reaped"] == 1000;
  })) << sup.status()->dump();
  ASSERT_TRUE(eventually([&] {
    for (const auto& [pid, state] : sup.children()) {
      if (state == 'Z') return false;
    }
    return true;
  })) << "zombies left under the supervisor";
  // Reaping orphans with waitpid(-1) must not have stolen or misattributed the daemon's own exit.
  auto spawner = sup.daemon("spawner");
  EXPECT_EQ((*spawner)["state"], "running");
  EXPECT_EQ((*spawner)["pid"], spawner_pid);
  EXPECT_EQ((*spawner)["restarts"], 0);
}

TEST(Reaping, ADaemonsOwnExitIsAttributedToItAmongOrphans) {
  SupervisorUnderTest sup(registry(
      {testd_entry("spawner", {"--orphans", "300", "--exit-after-ms", "200", "--exit-code", "7"},
                   "    restart: {policy: never}\n"),
       testd_entry("sibling", {})}));
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("spawner");
    return d && (*d)["state"] == "exited";
  })) << sup.stderr_text();
  EXPECT_EQ((*sup.daemon("spawner"))["last_exit"], "exit code 7");
  EXPECT_EQ((*sup.daemon("sibling"))["state"], "running");
  EXPECT_EQ((*sup.daemon("sibling"))["restarts"], 0);
}
