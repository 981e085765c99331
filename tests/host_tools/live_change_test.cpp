#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "bottle_cli_harness.hpp"
#include "pipelock_document.hpp"

namespace fs = std::filesystem;

namespace {

class LiveChange : public ::testing::Test {
 protected:
  void SetUp() override { cli_.start_demo(); }
  fs::path pipelock_yaml() const { return cli_.bottle_dir() / "pipelock/pipelock.yaml"; }
  fs::path routes_yaml() const { return cli_.bottle_dir() / "egress/routes.yaml"; }
  // An $EDITOR that runs `script` on the file it is given.
  std::string editor(const std::string& script) const {
    const fs::path path = cli_.scratch() / "editor.sh";
    std::ofstream(path) << "#!/bin/sh\n" << script << "\n";
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }
  BottleCli cli_;
};

ino_t inode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_ino;
}

}  // namespace

TEST_F(LiveChange, PipelockAddRewritesTheFileSignalsUsr1AndShowsTheDifference) {
  const ino_t before = inode_of(pipelock_yaml());
  auto r = cli_.run({"pipelock", "add", "demo", "C.com.", "a.com"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  + c.com\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("+ a.com"), std::string::npos) << "a.com was already there";
  EXPECT_TRUE(cli_.docker_called("docker kill --signal USR1 claude-bottle-sidecars-demo"));
  auto doc = host_tools::PipelockDocument::parse(read_text(pipelock_yaml()), "p");
  EXPECT_EQ(doc.allowlist(), (std::vector<std::string>{"a.com", "b.com", "c.com"}));
  // The sidecars' own address (bottle start pins it), which the live change keeps.
  EXPECT_NE(read_text(pipelock_yaml()).find("10.213.0.2/32"), std::string::npos);
  // Replaced by rename: a new inode in the mounted folder, no temporary left.
  EXPECT_NE(inode_of(pipelock_yaml()), before);
  for (const auto& e : fs::directory_iterator(cli_.bottle_dir() / "pipelock")) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
  EXPECT_NE(read_text(cli_.bottle_dir() / "audit.log").find("\"added\":[\"c.com\"]"),
            std::string::npos);
  EXPECT_EQ(cli_.run({"pipelock", "show", "demo"}).out, "a.com\nb.com\nc.com\n");
}

TEST_F(LiveChange, ABadLineLeavesTheLiveFileUntouchedAndNamesTheLine) {
  const std::string before = read_text(pipelock_yaml());
  auto r = cli_.run_with_input({"pipelock", "set", "demo", "-"}, "# hosts\na.com\nbad host.com\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("<stdin>:3: 'bad host.com' has the character ' '"), std::string::npos)
      << r.err;
  EXPECT_EQ(read_text(pipelock_yaml()), before);
  EXPECT_FALSE(cli_.docker_called("docker kill --signal USR1 claude-bottle-sidecars-demo"));
}

TEST_F(LiveChange, SetFromStdinReplacesTheList) {
  auto r = cli_.run_with_input({"pipelock", "set", "demo"}, "x.org\n\n*.y.org # wildcard\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(cli_.run({"pipelock", "show", "demo"}).out, "x.org\n*.y.org\n");
}

TEST_F(LiveChange, AStoppedBundleLeavesTheFileUntouched) {
  cli_.stop_container("claude-bottle-sidecars-demo");
  const std::string before = read_text(pipelock_yaml());
  auto r = cli_.run({"pipelock", "add", "demo", "c.com"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is not running"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(pipelock_yaml()), before);
}

TEST_F(LiveChange, AFailedSignalPutsThePreviousFileBack) {
  const std::string before = read_text(routes_yaml());
  auto r = cli_.run({"routes", "add", "demo", "--host", "uploads.github.com", "--upstream",
                     "https://uploads.github.com", "--token-env", "GITHUB_TOKEN"},
                    {{"FAKE_DOCKER_FAIL", "kill"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("previous"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(routes_yaml()), before);
}

TEST_F(LiveChange, RoutesAddSignalsHupAndRemoveTakesItAway) {
  auto r = cli_.run({"routes", "add", "demo", "--host", "uploads.github.com", "--upstream",
                     "https://uploads.github.com", "--token-env", "GITHUB_TOKEN", "--value",
                     "token {token}"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(cli_.docker_called("docker kill --signal HUP claude-bottle-sidecars-demo"));
  EXPECT_NE(cli_.run({"routes", "show", "demo"}).out.find("value: token {token}"),
            std::string::npos);
  ASSERT_EQ(cli_.run({"routes", "remove", "demo", "uploads.github.com"}).exit_code, 0);
  EXPECT_EQ(cli_.run({"routes", "show", "demo"}).out.find("uploads"), std::string::npos);
  auto missing = cli_.run({"routes", "remove", "demo", "uploads.github.com"});
  EXPECT_EQ(missing.exit_code, 2);
}

TEST_F(LiveChange, RoutesAddPassesAMethodsListThroughToTheLiveFile) {
  auto r = cli_.run({"routes", "add", "demo", "--host", "uploads.github.com", "--upstream",
                     "https://uploads.github.com", "--token-env", "GITHUB_TOKEN", "--methods",
                     "GET,HEAD"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_text(routes_yaml()).find("methods: [GET, HEAD]"), std::string::npos)
      << read_text(routes_yaml());
  const std::string before = read_text(routes_yaml());
  auto trace =
      cli_.run({"routes", "add", "demo", "--host", "x.github.com", "--upstream",
                "https://x.github.com", "--token-env", "GITHUB_TOKEN", "--methods", "GET,TRACE"});
  EXPECT_EQ(trace.exit_code, 2);
  EXPECT_NE(trace.err.find("'TRACE' is never forwarded"), std::string::npos) << trace.err;
  EXPECT_EQ(read_text(routes_yaml()), before);
}

TEST_F(LiveChange, ARouteWhoseTokenTheBundleLacksIsRefused) {
  const std::string before = read_text(routes_yaml());
  auto r = cli_.run({"routes", "add", "demo", "--host", "gitlab.com", "--upstream",
                     "https://gitlab.com", "--token-env", "GITLAB_TOKEN"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("$GITLAB_TOKEN"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(routes_yaml()), before);
  auto bad = cli_.run({"routes", "add", "demo", "--host", "x.com", "--upstream", "http://x.com",
                       "--token-env", "GITHUB_TOKEN"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("must start with https://"), std::string::npos) << bad.err;
}

TEST_F(LiveChange, EditAppliesWhatTheEditorSaved) {
  auto r = cli_.run({"pipelock", "edit", "demo"},
                    {{"EDITOR", editor("sed -i '/^b.com$/d' \"$1\"; echo d.com >> \"$1\"")}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(cli_.run({"pipelock", "show", "demo"}).out, "a.com\nd.com\n");
  auto routes = cli_.run(
      {"routes", "edit", "demo"},
      {{"EDITOR", editor("sed -i 's#https://api.github.com#https://ghe.example.com#' \"$1\"")}});
  ASSERT_EQ(routes.exit_code, 0) << routes.err;
  EXPECT_NE(read_text(routes_yaml()).find("https://ghe.example.com"), std::string::npos);
}

TEST_F(LiveChange, ABadEditIsRefusedAndKeptForTheOperator) {
  const std::string before = read_text(pipelock_yaml());
  auto r = cli_.run({"pipelock", "edit", "demo"},
                    {{"EDITOR", editor("echo 'https://oops.com' >> \"$1\"")}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(read_text(pipelock_yaml()), before);
  const auto kept = r.err.find("your edit is kept in ");
  ASSERT_NE(kept, std::string::npos) << r.err;
  std::string path = r.err.substr(kept + 21);
  path = path.substr(0, path.find(')'));
  EXPECT_NE(read_text(path).find("https://oops.com"), std::string::npos);
}
