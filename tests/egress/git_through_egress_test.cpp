// Real git through egress, against git http-backend behind the HTTPS upstream.
#include <gtest/gtest.h>

#include "egress_harness.hpp"

using namespace egress_test;
using bottle_test::run;

namespace {

std::string upstream_main(const HttpsUpstream& up) {
  auto [code, out] = run({"git", "-C", up.repo().string(), "rev-parse", "main"});
  return out;
}

}  // namespace

TEST(GitThroughEgress, CloneWorks) {
  World w;
  const auto dir = bottle_test::scratch_dir("egress-clone");
  auto [code, out] =
      run({"git", "clone", w.egress->base() + "git.test/repo.git", (dir / "clone").string()});
  ASSERT_EQ(code, 0) << out;
  auto [log_code, log] = run({"git", "-C", (dir / "clone").string(), "log", "--format=%s"});
  EXPECT_EQ(log, "first\n");
  // Fetch went through the upload-pack service, with the token.
  EXPECT_NE(w.upstream.received().find("git-upload-pack"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(GitThroughEgress, PushIsRefusedWithAPointerToGitGate) {
  World w;
  const auto dir = bottle_test::scratch_dir("egress-push");
  const std::string clone = (dir / "clone").string();
  ASSERT_EQ(run({"git", "clone", "-q", w.egress->base() + "git.test/repo.git", clone}).first, 0);
  ASSERT_EQ(run({"git", "-C", clone, "-c", "user.name=t", "-c", "user.email=t@t", "commit",
                 "--allow-empty", "-qm", "second"})
                .first,
            0);
  const std::string before = upstream_main(w.upstream);
  auto [code, out] = run({"git", "-C", clone, "push", "origin", "main"});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("remote: egress refuses git push"), std::string::npos) << out;
  EXPECT_NE(out.find("git-gate"), std::string::npos) << out;
  EXPECT_EQ(upstream_main(w.upstream), before);
  EXPECT_EQ(w.upstream.received().find("receive-pack"), std::string::npos);
  std::filesystem::remove_all(dir);
}
