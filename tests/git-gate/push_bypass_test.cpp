// Issue 20: everything a push carries is scanned, and the gate behaves as a
// git remote should (force pushes, a fetch during a push, its git daemon).
// Each test here failed before its fix.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "bottle/unique_fd.hpp"
#include "git_gate_harness.hpp"

using namespace git_gate_test;
namespace fs = std::filesystem;

namespace {

// The shape of a GitHub token, made for the tests: not a credential.
const std::string kToken = "ghp_" + std::string("Q8z2Lm4T9xKv7W3rN5pA1bC6dE0fG2hJ4kL8");

std::string must_out(const std::vector<std::string>& argv) {
  auto [code, out] = bottle_test::run(argv);
  if (code != 0) throw std::runtime_error(argv[3] + " failed: " + out);
  return out.substr(0, out.find('\n'));
}

std::string write_file(const std::string& repo, const std::string& name, const std::string& bytes) {
  std::ofstream(fs::path(repo) / name, std::ios::binary) << bytes;
  return (fs::path(repo) / name).string();
}

std::string utf16le(const std::string& ascii, bool bom) {
  std::string out = bom ? std::string("\xff\xfe") : "";
  for (char c : ascii) out += std::string{c, '\0'};
  return out;
}

// Expects the push refused for a finding of `rule`, the token never shown,
// and the upstream's `ref` where it was.
void expect_rejected(Gate& g, const std::pair<int, std::string>& push, const std::string& rule,
                     const std::string& ref, const std::string& upstream_before) {
  const auto& [code, out] = push;
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("git-gate: push rejected"), std::string::npos) << out;
  EXPECT_NE(out.find(rule), std::string::npos) << out;
  // What the gate says (git's own client echoes the refspec it was given).
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("remote:")) {
      EXPECT_EQ(line.find(kToken), std::string::npos) << line;
    }
  }
  EXPECT_EQ(g.rev(g.upstream(), ref), upstream_before);
}

}  // namespace

TEST(PushBypass, APushToRefsReplaceIsRefusedAndSaysWhy) {
  Gate g;
  const std::string work = g.clone("work");
  const std::string secret = g.commit_file(work, "app.env", "TOKEN=" + kToken + "\n", "settings");
  const std::string clean = must_out(
      {"git", "-C", work, "commit-tree", "HEAD~1^{tree}", "-p", "HEAD~1", "-m", "settings"});
  bottle_test::must({"git", "-C", work, "replace", secret, clean});
  auto push = g.git(work, {"push", "origin", "refs/replace/*:refs/replace/*"});
  EXPECT_NE(push.first, 0);
  EXPECT_NE(push.second.find("refs/replace/" + secret + " is a replace ref"), std::string::npos)
      << push.second;
  EXPECT_EQ(g.rev(g.upstream(), "refs/replace/" + secret), "");
}

TEST(PushBypass, AReplaceRefInTheGateDoesNotHideAPushedSecret) {
  Gate g;
  const std::string before = g.rev(g.upstream(), "main");
  const std::string work = g.clone("work");
  const std::string secret = g.commit_file(work, "app.env", "TOKEN=" + kToken + "\n", "settings");
  const std::string clean = must_out(
      {"git", "-C", work, "commit-tree", "HEAD~1^{tree}", "-p", "HEAD~1", "-m", "settings"});
  ASSERT_EQ(g.git(work, {"push", "origin", clean + ":refs/heads/clean"}).first, 0);
  // However a replace ref got there, the scan must see the pushed commit, not its stand-in.
  bottle_test::must(
      {"git", "-C", g.gate_repo().string(), "update-ref", "refs/replace/" + secret, clean});
  expect_rejected(g, g.git(work, {"push", "origin", "main"}), "github-pat", "main", before);
}

TEST(PushBypass, ALightweightTagOnABlobIsScanned) {
  Gate g;
  const std::string work = g.clone("work");
  const std::string blob =
      must_out({"git", "-C", work, "hash-object", "-w", write_file(work, "loose", kToken + "\n")});
  bottle_test::must({"git", "-C", work, "tag", "stash-of-a-file", blob});
  expect_rejected(g, g.git(work, {"push", "origin", "refs/tags/stash-of-a-file"}), "github-pat",
                  "refs/tags/stash-of-a-file", "");
}

TEST(PushBypass, AnAnnotatedTagOnATreeIsScanned) {
  Gate g;
  const std::string work = g.clone("work");
  write_file(work, "secret.env", "TOKEN=" + kToken + "\n");
  bottle_test::must({"git", "-C", work, "add", "secret.env"});
  const std::string tree = must_out({"git", "-C", work, "write-tree"});
  bottle_test::must({"git", "-C", work, "-c", "user.name=agent", "-c", "user.email=a@b", "tag",
                     "-a", "a-tree", "-m", "a tree", tree});
  const auto push = g.git(work, {"push", "origin", "refs/tags/a-tree"});
  expect_rejected(g, push, "github-pat", "refs/tags/a-tree", "");
  EXPECT_NE(push.second.find("file secret.env, line 1"), std::string::npos) << push.second;
}

TEST(PushBypass, ASecretInACommitMessageIsFound) {
  Gate g;
  const std::string before = g.rev(g.upstream(), "main");
  const std::string work = g.clone("work");
  const std::string commit =
      g.commit_file(work, "a.txt", "fine\n", "debug: the CI token is " + kToken);
  const auto push = g.git(work, {"push", "origin", "main"});
  expect_rejected(g, push, "github-pat", "main", before);
  EXPECT_NE(
      push.second.find("commit " + commit.substr(0, 12) + " (its message, author or committer)"),
      std::string::npos)
      << push.second;
}

TEST(PushBypass, ASecretInAnAuthorNameIsFound) {
  Gate g;
  const std::string before = g.rev(g.upstream(), "main");
  const std::string work = g.clone("work");
  write_file(work, "a.txt", "fine\n");
  bottle_test::must({"git", "-C", work, "add", "a.txt"});
  bottle_test::must({"git", "-C", work, "-c", "user.name=ci " + kToken, "-c", "user.email=a@b",
                     "commit", "-qm", "ordinary"});
  expect_rejected(g, g.git(work, {"push", "origin", "main"}), "github-pat", "main", before);
}

TEST(PushBypass, ASecretInAnAnnotatedTagMessageIsFound) {
  Gate g;
  const std::string work = g.clone("work");
  bottle_test::must({"git", "-C", work, "-c", "user.name=agent", "-c", "user.email=a@b", "tag",
                     "-a", "v1", "-m", "release; deploy with " + kToken});
  const auto push = g.git(work, {"push", "origin", "refs/tags/v1"});
  expect_rejected(g, push, "github-pat", "refs/tags/v1", "");
  EXPECT_NE(push.second.find("annotated tag object"), std::string::npos) << push.second;
}

TEST(PushBypass, ASecretInABranchNameIsFoundAndNeverShown) {
  Gate g;
  const std::string work = g.clone("work");
  g.commit_file(work, "a.txt", "fine\n", "fine");
  const auto push = g.git(work, {"push", "origin", "HEAD:refs/heads/leak/" + kToken});
  expect_rejected(g, push, "github-pat", "refs/heads/leak/" + kToken, "");
  EXPECT_NE(push.second.find("the name of a pushed ref, line 1"), std::string::npos) << push.second;
}

TEST(PushBypass, AFileStartingWithANulByteIsScanned) {
  Gate g;
  const std::string before = g.rev(g.upstream(), "main");
  const std::string work = g.clone("work");
  g.commit_file(work, "blob.bin", std::string("\0\x01\x02 header\0", 11) + "TOKEN=" + kToken + "\n",
                "data");
  expect_rejected(g, g.git(work, {"push", "origin", "main"}), "github-pat", "main", before);
}

TEST(PushBypass, Utf16TextWithAndWithoutAByteOrderMarkIsScanned) {
  Gate g;
  const std::string before = g.rev(g.upstream(), "main");
  const std::string work = g.clone("work");
  g.commit_file(work, "with-bom.ps1", utf16le("$t = '" + kToken + "'\r\n", true), "bom");
  const std::string other = "ghp_" + std::string("Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2");
  g.commit_file(work, "without.ps1", utf16le("# setup\r\n$t = '" + other + "'\r\n", false),
                "no bom");
  const auto push = g.git(work, {"push", "origin", "main"});
  expect_rejected(g, push, "github-pat", "main", before);
  EXPECT_NE(push.second.find("2 secrets found"), std::string::npos) << push.second;
  EXPECT_NE(push.second.find("file without.ps1"), std::string::npos) << push.second;
}

TEST(PushBypass, AFileOverGitsBigFileThresholdIsScannedToItsLastLine) {
  Gate g;
  const std::string before = g.rev(g.upstream(), "main");
  // What git calls big (and diff calls binary) is cheap to reach with a lower threshold.
  bottle_test::must({"git", "-C", g.gate_repo().string(), "config", "core.bigFileThreshold", "1m"});
  const std::string work = g.clone("work");
  std::string big;
  int lines = 0;
  for (; big.size() < 3 * 1024 * 1024; ++lines)
    big += "row " + std::to_string(lines) + " of data\n";
  const auto push = [&] {
    g.commit_file(work, "big.txt", big + "TOKEN=" + kToken + "\n", "big");
    return g.git(work, {"push", "origin", "main"});
  }();
  expect_rejected(g, push, "github-pat", "main", before);
  EXPECT_NE(push.second.find("file big.txt of commit"), std::string::npos) << push.second;
  EXPECT_NE(push.second.find("line " + std::to_string(lines + 1)), std::string::npos)
      << push.second;
}

TEST(PushGate, AForcePushThroughTheGateReachesTheUpstream) {
  GateOptions options;
  options.upstream_denies_non_fast_forward = false;
  Gate g(options);
  const std::string work = g.clone("work");
  g.commit_file(work, "a.txt", "one\n", "one");
  ASSERT_EQ(g.git(work, {"push", "origin", "main"}).first, 0);
  bottle_test::must({"git", "-C", work, "-c", "user.name=agent", "-c", "user.email=a@b", "commit",
                     "--amend", "-qm", "one, reworded"});
  const std::string amended = g.rev(work, "HEAD");
  auto [code, out] = g.git(work, {"push", "--force", "origin", "main"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.find("git pull"), std::string::npos) << out;
  EXPECT_EQ(g.rev(g.upstream(), "main"), amended);
  EXPECT_EQ(g.rev(g.gate_repo(), "main"), amended);
}

TEST(PushGate, AFetchDuringAPushDoesNotMakeTheSuccessfulPushLookFailed) {
  Gate g;
  // Another agent connection fetches through the gate just as the upstream
  // takes the gate's push, before the push's own ref update in the gate.
  const fs::path hook = g.upstream() / "hooks" / "post-receive";
  std::ofstream(hook) << "#!/bin/sh\n"
                      << "git ls-remote " << g.url() << " >" << (g.dir() / "fetch.out").string()
                      << " 2>&1 &\n"
                      << "echo $! >" << (g.dir() / "fetch.pid").string()
                      << "\n"
                      // A fast fetch ends here; one waiting for the gate's lock does not.
                      << "timeout 3 tail --pid=$! -f /dev/null\nexit 0\n";
  fs::permissions(hook, fs::perms::owner_all);
  const std::string work = g.clone("work");
  const std::string head = g.commit_file(work, "a.txt", "one\n", "one");
  auto [code, out] = g.git(work, {"push", "origin", "main"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.find("cannot lock ref"), std::string::npos) << out;
  EXPECT_EQ(g.rev(g.upstream(), "main"), head);
  EXPECT_EQ(g.rev(g.gate_repo(), "main"), head);
  // The other connection's fetch got its turn after the push.
  std::ifstream pid_file(g.dir() / "fetch.pid");
  pid_t fetch = 0;
  pid_file >> fetch;
  ASSERT_GT(fetch, 0);
  EXPECT_TRUE(await_exit(fetch, 20s));
  std::ifstream fetched(g.dir() / "fetch.out");
  const std::string listed((std::istreambuf_iterator<char>(fetched)), {});
  EXPECT_NE(listed.find(head + "\trefs/heads/main"), std::string::npos) << listed;
}

TEST(GitGateProcess, ItsGitDaemonDiesWhenGitGateIsKilled) {
  Gate g;
  std::ifstream children("/proc/" + std::to_string(g.pid()) + "/task/" + std::to_string(g.pid()) +
                         "/children");
  pid_t daemon = 0;
  children >> daemon;
  ASSERT_GT(daemon, 0);
  ASSERT_EQ(::kill(g.pid(), SIGKILL), 0);  // git-gate alone, as a crash would end it
  EXPECT_TRUE(await_exit(daemon, 5s)) << "git daemon " << daemon << " outlived git-gate";
  // The port is free for the git-gate the supervisor starts next (within
  // the 5 s a short-lived per-connection child of git daemon may take to go).
  int bound = -1;
  for (const auto until = std::chrono::steady_clock::now() + 5s;
       bound != 0 && std::chrono::steady_clock::now() < until;) {
    bottle::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(g.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bound = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (bound != 0) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(bound, 0) << "port " << g.port() << " still taken";
}

TEST(GitGateProcess, StoppingItAsTheSupervisorDoesLeavesNothingOfIt) {
  Gate g;
  const std::string work = g.clone("work");
  g.commit_file(work, "a.txt", "one\n", "one");
  ASSERT_EQ(g.git(work, {"push", "origin", "main"}).first, 0);
  const pid_t group = g.pid();
  EXPECT_EQ(g.stop(), std::vector<std::string>{});
  EXPECT_EQ(group_members(group), std::vector<pid_t>{});
}

TEST(DecisionLines, AnAllowedPushWritesOneLineWithItsRefsAndCounts) {
  Gate g;
  const std::string before = g.rev(g.upstream(), "main");
  const std::string work = g.clone("work");
  const std::string head = g.commit_file(work, "a.txt", "one\n", "one");
  ASSERT_EQ(g.git(work, {"push", "origin", "main"}).first, 0);
  const auto line = nlohmann::json::parse(g.decision_line());
  EXPECT_EQ(line["decision"], "allow");
  EXPECT_EQ(line["repository"], "proj");
  EXPECT_EQ(line["refs"][0]["ref"], "refs/heads/main");
  EXPECT_EQ(line["refs"][0]["old"], before);
  EXPECT_EQ(line["refs"][0]["new"], head);
  EXPECT_EQ(line["refs"][0]["change"], "update");
  EXPECT_EQ(line["upstream"], "accepted");
  EXPECT_EQ(line["findings"], 0);
  EXPECT_EQ(line["objects"], 3);  // the commit, its tree, the new blob
  EXPECT_TRUE(line["time"].get<std::string>().ends_with("Z"));
}

TEST(DecisionLines, ABlockedPushNamesTheRulesButNeverTheSecret) {
  Gate g;
  const std::string work = g.clone("work");
  g.commit_file(work, "a.env", "TOKEN=" + kToken + "\n", "one");
  ASSERT_NE(g.git(work, {"push", "origin", "HEAD:refs/heads/leak/" + kToken}).first, 0);
  const std::string text = g.decision_line();
  EXPECT_EQ(text.find(kToken), std::string::npos) << text;
  const auto line = nlohmann::json::parse(text);
  EXPECT_EQ(line["decision"], "block");
  EXPECT_EQ(line["reason"], "secrets found");
  EXPECT_EQ(line["rules"], nlohmann::json::array({"github-pat"}));
  EXPECT_EQ(line["findings"], 2);  // the file and the branch name
  EXPECT_EQ(line["refs"][0]["ref"], "refs/heads/leak/ghp_…");
}

TEST(OperatorRules, AGitleaksConfigExtendingTheShippedRulesAddsItsOwn) {
  GateOptions options;
  options.extra_config = "rules: org-gitleaks.toml\n";
  options.files["org-gitleaks.toml"] =
      "[extend]\nuseDefault = true\n\n[[rules]]\nid = \"acme-deploy-token\"\n"
      "description = \"Acme deploy token\"\nregex = '''acme_dep_[a-z0-9]{24}'''\n"
      "keywords = [\"acme_dep_\"]\n";
  Gate g(options);
  const std::string before = g.rev(g.upstream(), "main");
  const std::string work = g.clone("work");
  g.commit_file(work, "deploy.env", "ACME=acme_dep_q8z2lm4t9xkv7w3rn5pa1bc6\nGH=" + kToken + "\n",
                "deploy");
  const auto push = g.git(work, {"push", "origin", "main"});
  expect_rejected(g, push, "acme-deploy-token (Acme deploy token)", "main", before);
  EXPECT_NE(push.second.find("github-pat"), std::string::npos) << push.second;
}

TEST(OperatorRules, ABadGitleaksConfigStopsGitGateNamingFileLineAndKey) {
  const auto dir = bottle_test::scratch_dir("git-gate-bad-rules");
  std::ofstream(dir / "org.toml") << "[[rules]]\nid = \"x\"\nregex = '''x'''\nkeyword = [\"x\"]\n";
  std::ofstream(dir / "git-gate.yaml")
      << "rules: org.toml\nupstreams:\n  - {name: p, upstream: file:///x}\n";
  auto [code, out] = bottle_test::run({GIT_GATE_BIN, "--config", (dir / "git-gate.yaml").string(),
                                       "--shipped-rules", SHIPPED_RULES, "--check"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("org.toml:4: rule 'x': key 'keyword': unknown key"), std::string::npos) << out;
  fs::remove_all(dir);
}
