// `bottle dashboard` driven in a real terminal (tmux: send-keys, capture-pane)
// against the fake docker and real state folders: what the operator sees,
// and that a decision taken there is the CLI's decision.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bottle/proposals/proposal_store.hpp"
#include "bottle/subprocess.hpp"
#include "bottle_cli_harness.hpp"
#include "tmux_terminal.hpp"

namespace fs = std::filesystem;
using namespace bottle::proposals;
using namespace std::chrono_literals;

namespace {

// `bottle dashboard` in a terminal of its own, with the fake docker and a
// scripted decision feed (`docker logs --follow` streams feed.log).
class Terminal : public bottle_test::TmuxTerminal {
 public:
  Terminal(const BottleCli& cli, const std::vector<std::string>& flags = {},
           const bottle::ExtraEnv& extra_env = {})
      : TmuxTerminal(cli.scratch() / "tmux.sock", command(cli, flags, extra_env)),
        feed_path_(cli.scratch() / "feed.log") {}

  // Appends log lines to the scripted `docker logs --follow`.
  void feed_lines(const std::vector<std::string>& lines) const {
    std::ofstream out(feed_path_, std::ios::app);
    for (const auto& l : lines) out << l << "\n";
  }

 private:
  static std::string command(const BottleCli& cli, const std::vector<std::string>& flags,
                             const bottle::ExtraEnv& extra_env) {
    std::ofstream(cli.scratch() / "feed.log", std::ios::app);
    auto env = cli.base_env();
    env["FAKE_DOCKER_FEED"] = (cli.scratch() / "feed.log").string();
    env["TERM"] = "screen";
    for (const auto& [k, v] : extra_env) env[k] = v;
    std::string command = "env";
    for (const auto& [k, v] : env) command += " " + k + "='" + v + "'";
    command +=
        std::string(" ") + BOTTLE_BIN + " --state-dir '" + cli.state().string() + "' dashboard";
    for (const auto& f : flags) command += " " + f;
    return command;
  }
  fs::path feed_path_;
};

Proposal allowlist_proposal(const BottleCli& cli, const std::string& host,
                            const std::string& reason = "the docs") {
  Proposal p;
  p.reason = reason;
  p.change = AllowlistChange{allowlist_change_from_json({{"add", {host}}})};
  return ProposalStore(cli.bottle_dir() / "proposals").create(p);
}

nlohmann::json last_audit(const BottleCli& cli) {
  std::ifstream in(cli.bottle_dir() / "audit.log");
  std::string line, last;
  while (std::getline(in, line)) last = line;
  return last.empty() ? nlohmann::json() : nlohmann::json::parse(last);
}

// What a decision leaves, without what differs by nature (times, ids).
nlohmann::json comparable(nlohmann::json j) {
  for (const char* k : {"time", "proposal", "id", "created", "decided_at"}) j.erase(k);
  return j;
}

}  // namespace

TEST(Dashboard, ListsTheBottlesAndEachDaemonsState) {
  BottleCli cli;
  cli.start_demo();
  Terminal t(cli);
  t.wait_for("pipelock  running  pid");
  // Docker's view (state and health check) and the bottle's uptime beside its project.
  const auto s = t.wait_for("demo  running  container running healthy  up ");
  EXPECT_NE(s.find("claude-bottle-demo"), std::string::npos) << s;
  EXPECT_NE(s.find("supervise  running"), std::string::npos) << s;
  EXPECT_NE(s.find("1 bottles | 0 pending proposals"), std::string::npos) << s;
  t.keys({"q"});
}

TEST(Dashboard, ANewProposalShowsWithinTwoSecondsAndApprovingItIsTheClisApproval) {
  BottleCli cli;
  cli.start_demo();
  BottleCli twin;  // the same proposal approved by the CLI
  twin.start_demo();
  Terminal t(cli);
  t.wait_for("pipelock  running");
  const Proposal p = allowlist_proposal(cli, "docs.example.com");
  t.wait_for("new proposal demo/" + p.id, 2s);
  t.keys({"2"});
  t.wait_for("+ allow docs.example.com");
  t.keys({"Enter"});
  t.wait_for("reason given by the agent:");
  t.keys({"a"});
  t.wait_for("y/n? approve " + p.id + " of demo: + allow docs.example.com");
  cli.clear_docker_calls();
  t.keys({"y"});
  t.wait_for("proposal " + p.id + ": approved");
  // The allowlist, the proposal file, the audit line and the signal, as the CLI leaves them.
  const Proposal q = allowlist_proposal(twin, "docs.example.com");
  const auto r = twin.run({"proposals", "approve", "demo", q.id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(cli.bottle_dir() / "pipelock/pipelock.yaml"),
            read_text(twin.bottle_dir() / "pipelock/pipelock.yaml"));
  auto decided =
      nlohmann::json::parse(read_text(cli.bottle_dir() / "proposals" / (p.id + ".json")));
  auto decided_twin =
      nlohmann::json::parse(read_text(twin.bottle_dir() / "proposals" / (q.id + ".json")));
  EXPECT_EQ(decided["state"], "approved");
  EXPECT_EQ(comparable(decided), comparable(decided_twin));
  EXPECT_EQ(comparable(last_audit(cli)), comparable(last_audit(twin)));
  EXPECT_TRUE(cli.docker_called("docker kill --signal USR1 claude-bottle-sidecars-demo"));
  t.wait_for("0 pending proposals");
}

TEST(Dashboard, RejectingTakesACommentForTheAgent) {
  BottleCli cli;
  cli.start_demo();
  const Proposal p = allowlist_proposal(cli, "docs.example.com");
  Terminal t(cli);
  t.wait_for("1 pending proposals");
  t.keys({"2", "r"});
  t.wait_for("comment for the agent:");
  t.keys({"Enter"});
  t.wait_for("a rejection needs a comment");
  t.keys({"-l", "not needed, use the mirror"});
  t.keys({"Enter"});
  t.wait_for("proposal " + p.id + ": rejected");
  auto decided =
      nlohmann::json::parse(read_text(cli.bottle_dir() / "proposals" / (p.id + ".json")));
  EXPECT_EQ(decided["state"], "rejected");
  EXPECT_EQ(decided["comment"], "not needed, use the mirror");
  const auto audit = last_audit(cli);
  EXPECT_EQ(audit["decision"], "rejected");
  EXPECT_EQ(audit["comment"], "not needed, use the mirror");
}

TEST(Dashboard, AProposalDecidedElsewhereLeavesTheListWithinTwoSeconds) {
  BottleCli cli;
  cli.start_demo();
  const Proposal p = allowlist_proposal(cli, "docs.example.com");
  Terminal t(cli);
  t.wait_for("1 pending proposals");
  ASSERT_EQ(cli.run({"proposals", "reject", "demo", p.id, "-m", "no"}).exit_code, 0);
  t.wait_for("0 pending proposals", 2s);
}

TEST(Dashboard, ReadOnlyWatchesButCannotApprove) {
  BottleCli cli;
  cli.start_demo();
  const Proposal p = allowlist_proposal(cli, "docs.example.com");
  Terminal t(cli, {"--read-only"});
  t.wait_for("read-only");
  t.keys({"2", "a"});
  t.wait_for("read-only: approving is not possible here");
  t.keys({"r"});
  t.wait_for("read-only: rejecting is not possible here");
  EXPECT_EQ(ProposalStore(cli.bottle_dir() / "proposals").find(p.id)->state, State::kPending);
}

TEST(Dashboard, ABlockInTheFeedIsShownAndItsHostCanBeAllowed) {
  BottleCli cli;
  cli.start_demo();
  Terminal t(cli);
  t.wait_for("pipelock  running");
  t.keys({"3"});
  t.feed_lines(
      {R"(2026-12-02T04:00:01.000000000Z pipelock: {"decision":"allow","method":"CONNECT","host":"a.com","port":443,"reason":"tunnel"})",
       R"(2026-12-02T04:00:02.000000000Z pipelock: {"decision":"block","method":"CONNECT","host":"new.example.com","port":443,"reason":"host not in api_allowlist"})"});
  t.wait_for("! 04:00:02 pipelock block CONNECT new.example.com - host not in api_allowlist");
  t.keys({"b"});
  const auto s = t.wait_for("(blocks only)");
  EXPECT_EQ(s.find("a.com - tunnel"), std::string::npos) << s;
  cli.clear_docker_calls();
  t.keys({"A"});
  t.wait_for("y/n? add new.example.com to the allowlist of demo");
  t.keys({"y"});
  t.wait_for("sent SIGUSR1");
  EXPECT_NE(read_text(cli.bottle_dir() / "pipelock/pipelock.yaml").find("new.example.com"),
            std::string::npos);
  EXPECT_TRUE(cli.docker_called("docker kill --signal USR1 claude-bottle-sidecars-demo"));
}

TEST(Dashboard, GarbageAndEscapeSequencesAreShownEscapedAndTheScreenHolds) {
  BottleCli cli;
  cli.start_demo();
  // A proposal whose reason holds an escape sequence: the reader refuses
  // it, and the dashboard counts it as unreadable.
  std::ofstream(cli.bottle_dir() / "proposals" / "p-20261202-040000-00000a.json")
      << R"({"id":"p-20261202-040000-00000a","created":"2026-12-02T04:00:00Z","kind":"allowlist",)"
      << R"("reason":"\u001b[2J\u001b[H owned","state":"pending","change":{"add":["x.com"],"remove":[]}})";
  Terminal t(cli);
  t.wait_for("(1 unreadable)");
  t.keys({"3"});
  t.feed_lines(
      {"garbage", "2026-12-02T04:00:03.000000000Z pipelock: {not json",
       std::string("2026-12-02T04:00:04.000000000Z pipelock: {\"decision\":\"block\",") +
           "\"method\":\"CONNECT\",\"host\":\"e.test\",\"reason\":\"\\u001b[2J\\u001b[31m" +
           "\\u202eevil\"}",
       std::string(100000, 'x')});
  const auto s = t.wait_for("\\x1b[2J\\x1b[31m\\u202eevil");
  EXPECT_NE(s.find("1 unreadable lines skipped"), std::string::npos) << s;
  // The rest of the screen is where it was.
  EXPECT_EQ(s.rfind("bottle dashboard | 1 bottles", 0), 0u) << s;
  EXPECT_NE(s.find(" 1 Bottles   2 Proposals   3 Decisions   4 Audit"), std::string::npos) << s;
}

TEST(Dashboard, ABottleThatStopsAnsweringIsMarkedStale) {
  BottleCli cli;
  cli.start_demo();
  Terminal t(cli);
  t.wait_for("pipelock  running");
  fs::create_directories(cli.scratch() / "docker" / "hang");
  std::ofstream(cli.scratch() / "docker" / "hang" / "claude-bottle-sidecars-demo");
  t.wait_for("stale since", 5s);
  fs::remove(cli.scratch() / "docker" / "hang" / "claude-bottle-sidecars-demo");
  cli.stop_container("claude-bottle-sidecars-demo");
  t.wait_for("docker exec exited 1", 3s);
}

TEST(Dashboard, AProposalRewrittenBetweenTheScreenAndTheKeyIsNotApproved) {
  // The proposals folder is writable inside the bundle: what is applied must
  // be what the operator saw, or nothing.
  BottleCli cli;
  cli.start_demo();
  Proposal p = allowlist_proposal(cli, "docs.example.com");
  Terminal t(cli);
  t.wait_for("1 pending proposals");
  t.keys({"2", "Enter"});
  t.wait_for("+ allow docs.example.com");
  t.keys({"a"});
  t.wait_for("y/n? approve");
  p.change = AllowlistChange{allowlist_change_from_json({{"add", {"exfil.example.net"}}})};
  ProposalStore(cli.bottle_dir() / "proposals").save(p);
  t.keys({"y"});
  t.wait_for("refused: proposal " + p.id + " changed since it was shown");
  const std::string allowlist = read_text(cli.bottle_dir() / "pipelock/pipelock.yaml");
  EXPECT_EQ(allowlist.find("exfil.example.net"), std::string::npos) << allowlist;
  EXPECT_EQ(ProposalStore(cli.bottle_dir() / "proposals").find(p.id)->state, State::kPending);
}

TEST(Dashboard, WideAndInvisibleCharactersKeepEachEntryOnItsOwnRow) {
  // Cut by characters, a host of CJK characters (two columns each) ran past
  // the edge and ncurses wrapped it onto the next entry's row; zero-width
  // characters hid text (an attacker's findings).
  BottleCli cli;
  cli.start_demo();
  Terminal t(cli);
  t.wait_for("pipelock  running");
  t.keys({"3"});
  std::string wide;
  for (int i = 0; i < 60; ++i) wide += "\xe6\xbc\xa2";  // U+6F22
  std::string invisible;
  for (int i = 0; i < 50; ++i) invisible += "\xe2\x80\x8b";  // U+200B
  t.feed_lines(
      {R"(2026-12-02T04:00:01.000000000Z pipelock: {"decision":"allow","host":"first.test"})",
       R"(2026-12-02T04:00:02.000000000Z pipelock: {"decision":"block","host":")" + wide + R"("})",
       R"(2026-12-02T04:00:03.000000000Z pipelock: {"decision":"block","host":"a)" + invisible +
           R"(b.test"})"});
  const auto s = t.wait_for("first.test");
  std::vector<std::string> rows;
  std::istringstream in(s);
  for (std::string row; std::getline(in, row);) rows.push_back(row);
  ASSERT_GE(rows.size(), 6u) << s;
  // Newest first: the invisible one, the wide one, then the first, each on its row.
  EXPECT_EQ(rows[3].rfind("! 04:00:03 pipelock block  a\\u200b\\u200b", 0), 0u) << s;
  EXPECT_EQ(rows[4].rfind("! 04:00:02 pipelock block  \xe6\xbc\xa2", 0), 0u) << s;
  EXPECT_EQ(rows[5].rfind("  04:00:01 pipelock allow  first.test", 0), 0u) << s;
}

TEST(Dashboard, EditingBeforeApprovingAppliesTheEditAndTheFileKeepsBoth) {
  BottleCli cli;
  cli.start_demo();
  const Proposal p = allowlist_proposal(cli, "docs.example.com");
  const auto editor = cli.scratch() / "edit.sh";
  std::ofstream(editor) << "#!/bin/sh\nsed -i 's/docs.example.com/api.example.com/' \"$1\"\n";
  fs::permissions(editor, fs::perms::owner_all);
  Terminal t(cli, {}, {{"EDITOR", editor.string()}});
  t.wait_for("1 pending proposals");
  t.keys({"2", "Enter"});
  t.wait_for("+ allow docs.example.com");
  t.keys({"e"});
  t.wait_for("with your edit: + allow api.example.com");
  t.keys({"y"});
  t.wait_for("proposal " + p.id + ": approved with your edit");
  const Proposal decided = *ProposalStore(cli.bottle_dir() / "proposals").find(p.id);
  EXPECT_EQ(decided.summary(), std::vector<std::string>{"+ allow docs.example.com"});
  ASSERT_TRUE(decided.applied);
  EXPECT_EQ(summary_of(*decided.applied), std::vector<std::string>{"+ allow api.example.com"});
  EXPECT_EQ(last_audit(cli)["edited"], true);
  EXPECT_NE(read_text(cli.bottle_dir() / "pipelock/pipelock.yaml").find("api.example.com"),
            std::string::npos);
}
