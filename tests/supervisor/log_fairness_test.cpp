// One daemon flooding its output must not silence another: each has its own
// share of the log buffer, and what is dropped is counted against the flooder
// and reported while the flood goes on.
#include <gtest/gtest.h>

#include "supervisor_harness.hpp"

using namespace harness;

TEST(LogFairness, ASlowDaemonsLinesAllGetThroughWhileASiblingFloodsAtFullSpeed) {
  SupervisorUnderTest sup(
      registry({"  - name: flooder\n    argv: [/usr/bin/yes]\n",
                "  - name: slow\n    argv: [/bin/sh, -c, 'i=0; while [ $i -lt 40 ]; do echo "
                "slow-line-$i; i=$((i+1)); sleep 0.05; done; exec sleep 1000']\n"}),
      {.stdout_read_continuously = true, .stdout_discard_prefix = "flooder: y\n"});
  ASSERT_TRUE(eventually([&] {
    return sup.stdout_text().find("slow: slow-line-39\n") != std::string::npos;
  })) << sup.stdout_text().substr(0, 2000);
  const std::string out = sup.stdout_text();
  std::size_t at = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string line = "slow: slow-line-" + std::to_string(i) + "\n";
    const auto found = out.find(line, at);
    ASSERT_NE(found, std::string::npos) << "lost or out of order: " << line;
    at = found;
  }
  // The flood goes on (yes never ends): its drops are reported anyway.
  EXPECT_TRUE(eventually([&] {
    return sup.stderr_text().find("of flooder's stdout: the log reader was too slow") !=
           std::string::npos;
  })) << sup.stderr_text();
  EXPECT_EQ(sup.stderr_text().find("of slow's stdout"), std::string::npos) << sup.stderr_text();
  // Read into a string first: comparing the JSON value in place trips GCC 12's
  // false -Warray-bounds at -O3 (the Release build).
  const std::string state = (*sup.daemon("flooder"))["state"];
  EXPECT_EQ(state, "running");
}
