// Real git through the real git-gate: what reaches the upstream, and what the agent is told.
#include <gtest/gtest.h>

#include <fstream>

#include "git_gate_harness.hpp"

using namespace git_gate_test;

namespace {

// An AWS key ID made for the test; not a real credential.
const std::string kFakeAwsKey = "AKIA" + std::string("QZ3RT7WX2YK5MN4P");

}  // namespace

TEST(PushGate, ACleanPushLandsUpstream) {
  Gate g;
  const std::string work = g.clone("work");
  const std::string head = g.commit_file(work, "src/main.c", "int main() { return 0; }\n", "code");
  auto [code, out] = g.git(work, {"push", "origin", "main"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("git-gate: the upstream accepted the push"), std::string::npos) << out;
  EXPECT_EQ(g.rev(g.upstream(), "main"), head);
  EXPECT_EQ(g.rev(g.gate_repo(), "main"), head);
}

TEST(PushGate, ASecretInTheSecondCommitRejectsTheWholePush) {
  Gate g;
  const std::string before = g.rev(g.upstream(), "main");
  const std::string work = g.clone("work");
  g.commit_file(work, "config/app.env", "MODE=prod\n", "settings");
  const std::string bad =
      g.commit_file(work, "config/app.env",
                    "MODE=prod\nREGION=eu-west-1\nAWS_KEY=" + kFakeAwsKey + "\n", "credentials");
  auto [code, out] = g.git(work, {"push", "origin", "main"});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("push rejected: 1 secret found"), std::string::npos) << out;
  EXPECT_NE(out.find("aws-access-key-id (AWS access key ID)"), std::string::npos) << out;
  EXPECT_NE(out.find("file config/app.env of commit " + bad.substr(0, 12) + ", line 3"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("excerpt: AWS_KEY=AKIA…"), std::string::npos) << out;
  EXPECT_EQ(out.find(kFakeAwsKey), std::string::npos) << out;  // redacted, even to the agent
  // Nothing reached the upstream, not even the clean first commit; the gate did not move.
  EXPECT_EQ(g.rev(g.upstream(), "main"), before);
  EXPECT_EQ(g.rev(g.gate_repo(), "main"), before);
}

TEST(PushGate, ASecretAddedThenRemovedIsStillRejected) {
  Gate g;
  const std::string before = g.rev(g.upstream(), "main");
  const std::string work = g.clone("work");
  const std::string added =
      g.commit_file(work, "deploy.sh", "export AWS_ACCESS_KEY_ID=" + kFakeAwsKey + "\n", "deploy");
  g.commit_file(work, "deploy.sh", "export AWS_ACCESS_KEY_ID=$FROM_VAULT\n", "oops, use the vault");
  auto [code, out] = g.git(work, {"push", "origin", "main"});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("file deploy.sh of commit " + added.substr(0, 12) + ", line 1"),
            std::string::npos)
      << out;
  EXPECT_EQ(g.rev(g.upstream(), "main"), before);
}

TEST(PushGate, AnUpstreamRefusalLeavesTheGatesRefUnmoved) {
  Gate g;
  const std::string work = g.clone("work");
  const std::string first = g.commit_file(work, "a.txt", "one\n", "one");
  ASSERT_EQ(g.git(work, {"push", "origin", "main"}).first, 0);
  // Rewritten history: the gate would take a force push, the upstream refuses it.
  bottle_test::must({"git", "-C", work, "-c", "user.name=agent", "-c", "user.email=agent@bottle",
                     "commit", "--amend", "-qm", "one, reworded"});
  auto [code, out] = g.git(work, {"push", "--force", "origin", "main"});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("git-gate: the upstream refused the push"), std::string::npos) << out;
  EXPECT_NE(out.find("non-fast-forward"), std::string::npos) << out;  // upstream's own words
  EXPECT_EQ(g.rev(g.upstream(), "main"), first);
  EXPECT_EQ(g.rev(g.gate_repo(), "main"), first);
}

TEST(PushGate, AFetchSeesWhatReachedTheUpstreamMeanwhile) {
  Gate g;
  const std::string work = g.clone("work");
  // Someone else pushes to the upstream directly.
  const std::string other = (g.dir() / "other").string();
  bottle_test::must({"git", "clone", "-q", g.upstream().string(), other});
  const std::string theirs = g.commit_file(other, "theirs.txt", "x\n", "theirs");
  bottle_test::must({"git", "-C", other, "push", "-q", "origin", "main"});
  ASSERT_EQ(g.git(work, {"fetch", "-q", "origin"}).first, 0);
  EXPECT_EQ(g.rev(work, "origin/main"), theirs);
}

TEST(PushGate, ABadConfigStopsGitGateWithFileAndLine) {
  const auto dir = bottle_test::scratch_dir("git-gate-bad");
  std::ofstream(dir / "git-gate.yaml") << "upstreams:\n  - {name: ../x, upstream: file:///x}\n";
  auto [code, out] = bottle_test::run({GIT_GATE_BIN, "--config", (dir / "git-gate.yaml").string(),
                                       "--rules", SHIPPED_RULES, "--check"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("git-gate.yaml:2: upstream 1: key 'name': '../x'"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

TEST(ScanCommand, ExitsOneWithFindingsAndTwoWhenGitFails) {
  const auto dir = bottle_test::scratch_dir("git-gate-scan");
  const std::string repo = (dir / "repo").string();
  bottle_test::must({"git", "init", "-q", "-b", "main", repo});
  std::ofstream(dir / "repo" / "app.env") << "AWS_KEY=" << kFakeAwsKey << "\n";
  bottle_test::must({"git", "-C", repo, "add", "app.env"});
  bottle_test::must(
      {"git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "key"});
  auto [found, out] =
      bottle_test::run({GIT_GATE_BIN, "--rules", SHIPPED_RULES, "scan", "--repo", repo, "main"});
  EXPECT_EQ(found, 1);
  EXPECT_NE(out.find(":app.env:aws-access-key-id:1\tAWS_KEY=AKIA…"), std::string::npos) << out;
  auto [failed, why] = bottle_test::run(
      {GIT_GATE_BIN, "--rules", SHIPPED_RULES, "scan", "--repo", repo, "no-such-branch"});
  EXPECT_EQ(failed, 2) << why;
  std::filesystem::remove_all(dir);
}
