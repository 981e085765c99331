// Issue 8, tests 7 and 8: tokens stay with egress; git-gate guards pushes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bottle_harness.hpp"

namespace bottle_e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Every regular file under `dir` that holds `needle`.
std::vector<std::string> files_holding(const std::filesystem::path& dir,
                                       const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find(needle) != std::string::npos) found.push_back(e.path().string());
  }
  return found;
}

TEST(BottleSecrets, TheTokenIsNowhereOnDiskNorInTheAgent) {
  Bottle b("e2e-tokens", 7);
  // The token is used: egress sends it and the upstream receives it.
  EXPECT_EQ(b.agent("curl -sS http://egress:8080/" + std::string(kApiHost) + "/record").output,
            "recorded\n");
  EXPECT_THAT(b.upstream("cat /tmp/recorded.json").output,
              HasSubstr("\"Authorization\": \"Bearer " + b.token() + "\""));

  EXPECT_EQ(files_holding(b.state_dir(), b.token()), std::vector<std::string>{});
  EXPECT_THAT(b.agent("env").output, Not(HasSubstr(b.token())));
  EXPECT_THAT(run({"docker", "inspect", b.agent_container()}).output, Not(HasSubstr(b.token())));
  // Every file the agent can read (its /proc would show this command's own
  // argv). Exit 2 only says some folder is closed to the agent, too.
  const auto grep = b.agent("grep -rlsF --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev '" +
                            b.token() + "' / ; echo grep-exit=$?");
  EXPECT_THAT(grep.output, ::testing::MatchesRegex("grep-exit=[12]\n")) << "files with the token";
  // Inside the bundle only egress holds it: the other daemons, running as the
  // same user, can read each other's environment, and it is not there.
  for (const char* daemon : {"pipelock", "git-gate", "supervise"}) {
    const auto env =
        run({"docker", "exec", "--user", "bottle", b.sidecars_container(), "sh", "-c",
             "tr '\\0' '\\n' < /proc/" + std::to_string(b.daemon_pid(daemon)) + "/environ"});
    EXPECT_EQ(env.code, 0) << daemon << ": " << env.output;
    EXPECT_THAT(env.output, HasSubstr("PATH=")) << daemon;
    EXPECT_THAT(env.output, Not(HasSubstr(b.token()))) << daemon;
  }
  // egress is not dumpable: a process of the same user cannot read it either.
  const auto egress_env =
      run({"docker", "exec", "--user", "bottle", b.sidecars_container(), "sh", "-c",
           "cat /proc/" + std::to_string(b.daemon_pid("egress")) + "/environ"});
  EXPECT_NE(egress_env.code, 0);
  EXPECT_THAT(egress_env.output, Not(HasSubstr(b.token())));
  EXPECT_THAT(run({"docker", "logs", b.sidecars_container()}).output, Not(HasSubstr(b.token())));

  EXPECT_EQ(b.stop_and_list_leftovers(), "");
  // After teardown too: compose.log, the audit log, everything in the state folder.
  EXPECT_TRUE(std::filesystem::exists(b.state_dir() / "compose.log"));
  EXPECT_EQ(files_holding(b.state_dir(), b.token()), std::vector<std::string>{});
}

TEST(BottleSecrets, GitGateRejectsAPushWithASecretAndForwardsACleanOne) {
  // The operator's own gitleaks config, through the manifest: one rule of
  // theirs, and the shipped rules it extends.
  const auto rules = bottle_test::scratch_dir("e2e-git-rules") / "corp-rules.toml";
  std::ofstream(rules) << "[extend]\nuseDefault = true\n\n[[rules]]\nid = \"corp-token\"\n"
                          "description = \"Corp deploy token\"\n"
                          "regex = '''CORP-[0-9a-f]{32}'''\nkeywords = [\"corp-\"]\n";
  Bottle b("e2e-git", 8, "", "    git_rules: " + rules.string() + "\n");
  const std::string git = "git -c user.name=agent -c user.email=agent@bottle.test";
  // The agent uses the upstream's own URL; its git config sends it to git-gate.
  const auto clone = b.agent(git + " clone -q git@" + std::string(kGitHost) +
                             ":project.git /tmp/project 2>&1 && cat /tmp/project/README");
  ASSERT_EQ(clone.code, 0) << clone.output;
  EXPECT_EQ(clone.output, "the upstream project\n");

  const auto clean =
      b.agent("cd /tmp/project && echo 'a clean change' > CHANGES && git add CHANGES && " + git +
              " commit -q -m 'a clean change' && git push origin main 2>&1");
  EXPECT_EQ(clean.code, 0) << clean.output;
  const std::string upstream_log = "git --git-dir /srv/git/project.git log --format=%s main";
  EXPECT_EQ(b.upstream(upstream_log).output, "a clean change\nfirst commit\n");

  const auto secret = b.agent(
      "cd /tmp/project && printf 'aws_key = \"AKIAZ7Q3LK2MX4PWT6RB\"\\n' > settings.py && "
      "git add settings.py && " +
      git + " commit -q -m 'add settings' && git push origin main 2>&1");
  EXPECT_NE(secret.code, 0) << secret.output;
  EXPECT_THAT(secret.output, HasSubstr("aws-access-key-id"));
  EXPECT_THAT(secret.output, HasSubstr("settings.py"));
  EXPECT_THAT(secret.output, Not(HasSubstr("AKIAZ7Q3LK2MX4PWT6RB")));  // shown redacted
  EXPECT_EQ(b.upstream(upstream_log).output, "a clean change\nfirst commit\n");

  // The operator's rule finds what no shipped rule knows.
  const auto corp = b.agent(
      "cd /tmp/project && git reset -q --hard HEAD~1 && "
      "echo 'deploy = CORP-0123456789abcdef0123456789abcdef' > deploy.cfg && git add deploy.cfg "
      "&& " +
      git + " commit -q -m 'deploy settings' && git push origin main 2>&1");
  EXPECT_NE(corp.code, 0) << corp.output;
  EXPECT_THAT(corp.output, HasSubstr("corp-token (Corp deploy token)"));
  EXPECT_THAT(corp.output, HasSubstr("deploy.cfg"));
  EXPECT_EQ(b.upstream(upstream_log).output, "a clean change\nfirst commit\n");

  EXPECT_EQ(b.stop_and_list_leftovers(), "");
}

}  // namespace
}  // namespace bottle_e2e
