// `bottle proposals` on proposals written as supervise writes them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bottle/proposals/proposal_store.hpp"
#include "bottle_cli_harness.hpp"

namespace fs = std::filesystem;
using namespace bottle::proposals;

namespace {

class Proposals : public ::testing::Test {
 protected:
  void SetUp() override { cli_.start_demo(); }
  ProposalStore store() const { return ProposalStore(cli_.bottle_dir() / "proposals"); }
  Proposal route_proposal(const std::string& token_env) const {
    Proposal p;
    p.reason = "the issue tracker's API";
    p.change = RouteChange{route_change_from_json({{"add",
                                                    {{{"host", "tracker.example.com"},
                                                      {"upstream", "https://tracker.example.com"},
                                                      {"token_env", token_env}}}}})};
    return store().create(p);
  }
  fs::path routes_yaml() const { return cli_.bottle_dir() / "egress/routes.yaml"; }
  BottleCli cli_;
};

}  // namespace

TEST_F(Proposals, ShowNamesTheTokenAndWhereARouteWouldSendIt) {
  const Proposal p = route_proposal("GITHUB_TOKEN");
  const auto r = cli_.run({"proposals", "show", "demo", p.id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("approving sends the value of $GITHUB_TOKEN to https://tracker.example.com"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  | the issue tracker's API"), std::string::npos) << r.out;
}

TEST_F(Proposals, ARouteApprovedGoesLiveBySighupAndIsAudited) {
  const Proposal p = route_proposal("GITHUB_TOKEN");
  const auto r = cli_.run({"proposals", "approve", "demo", p.id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(cli_.docker_called("docker kill --signal HUP claude-bottle-sidecars-demo"));
  EXPECT_NE(read_text(routes_yaml()).find("tracker.example.com"), std::string::npos);
  EXPECT_EQ(store().find(p.id)->state, State::kApproved);
  EXPECT_NE(read_text(cli_.bottle_dir() / "audit.log").find("\"proposal\":\"" + p.id + "\""),
            std::string::npos);
}

TEST_F(Proposals, ARouteNeedingATokenTheBundleLacksIsRefusedAndStaysPending) {
  const Proposal p = route_proposal("AWS_SECRET_ACCESS_KEY");
  const std::string before = read_text(routes_yaml());
  const auto r = cli_.run({"proposals", "approve", "demo", p.id});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(routes_yaml()), before);
  EXPECT_EQ(store().find(p.id)->state, State::kPending);
  EXPECT_FALSE(cli_.docker_called("docker kill --signal HUP claude-bottle-sidecars-demo"));
}

TEST_F(Proposals, AProposalFileEditedToCarryATerminalEscapeIsRefused) {
  Proposal p = route_proposal("GITHUB_TOKEN");
  const fs::path file = cli_.bottle_dir() / "proposals" / (p.id + ".json");
  std::string text = read_text(file);
  text.replace(text.find("the issue"), 9, "\\u001b[2J");
  std::ofstream(file) << text;
  const auto r = cli_.run({"proposals", "show", "demo", p.id});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("control character"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("\x1b"), std::string::npos);
  EXPECT_NE(cli_.run({"proposals", "list", "demo"}).out.find("unreadable"), std::string::npos);
}

TEST_F(Proposals, AnIdThatIsNotAProposalIdIsRefusedBeforeAnyFileIsOpened) {
  const auto r = cli_.run({"proposals", "approve", "demo", "../../pipelock/pipelock"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not a proposal id"), std::string::npos) << r.err;
}

TEST_F(Proposals, ATokenTheBundleLacksIsRefusedBeforeAnyNotePromisesWhereItWouldGo) {
  const Proposal p = route_proposal("AWS_SECRET_ACCESS_KEY");
  const auto approve = cli_.run({"proposals", "approve", "demo", p.id});
  EXPECT_EQ(approve.exit_code, 2);
  EXPECT_EQ(approve.out.find("approving sends"), std::string::npos) << approve.out;
  const auto show = cli_.run({"proposals", "show", "demo", p.id});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(show.out.find("approving sends"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("was not given $AWS_SECRET_ACCESS_KEY, so approving is refused"),
            std::string::npos)
      << show.out;
}

TEST_F(Proposals, AFileNoReaderCanTakeIsListedAsUnreadableBesideTheOthers) {
  const Proposal good = route_proposal("GITHUB_TOKEN");
  // As the issue found it: a long non-ASCII host, whose error used to be cut
  // inside a character and then fail to print, hiding every other proposal.
  auto doc =
      nlohmann::json::parse(read_text(cli_.bottle_dir() / "proposals" / (good.id + ".json")));
  doc["id"] = "p-20200101-000000-000001";
  doc["kind"] = "allowlist";
  doc["change"] = {{"add", {std::string(79, 'a') + "\xc3\xa9.com"}},
                   {"remove", nlohmann::json::array()}};
  std::ofstream(cli_.bottle_dir() / "proposals" / "p-20200101-000000-000001.json") << doc.dump();
  const auto r = cli_.run({"proposals", "list", "demo"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("p-20200101-000000-000001  unreadable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(good.id + "  pending"), std::string::npos) << r.out;
}

namespace {

// An $EDITOR that rewrites the file it is given with sed.
std::string sed_editor(const BottleCli& cli, const std::string& expression) {
  const auto script = cli.scratch() / "edit.sh";
  std::ofstream(script) << "#!/bin/sh\nsed -i '" << expression << "' \"$1\"\n";
  fs::permissions(script, fs::perms::owner_all);
  return script.string();
}

}  // namespace

TEST_F(Proposals, ApproveWithAnEditAppliesTheEditAndKeepsBoth) {
  Proposal p;
  p.reason = "the docs";
  p.change = AllowlistChange{allowlist_change_from_json({{"add", {"docs.example.com"}}})};
  p = store().create(p);
  const auto r = cli_.run({"proposals", "approve", "demo", p.id, "--edit"},
                          {{"EDITOR", sed_editor(cli_, "s/docs.example.com/api.example.com/")}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("approved with your edit"), std::string::npos) << r.out;
  const std::string allowlist = read_text(cli_.bottle_dir() / "pipelock/pipelock.yaml");
  EXPECT_NE(allowlist.find("api.example.com"), std::string::npos) << allowlist;
  EXPECT_EQ(allowlist.find("docs.example.com"), std::string::npos) << allowlist;
  const Proposal decided = *store().find(p.id);
  EXPECT_EQ(decided.summary(), std::vector<std::string>{"+ allow docs.example.com"});
  ASSERT_TRUE(decided.applied);
  EXPECT_EQ(summary_of(*decided.applied), std::vector<std::string>{"+ allow api.example.com"});
  std::ifstream audit(cli_.bottle_dir() / "audit.log");
  std::string line, last;
  while (std::getline(audit, line)) last = line;
  const auto a = nlohmann::json::parse(last);
  EXPECT_EQ(a["edited"], true);
  EXPECT_EQ(a["proposed"]["add"], nlohmann::json::array({"docs.example.com"}));
  EXPECT_EQ(a["added"], nlohmann::json::array({"api.example.com"}));
  const auto shown = cli_.run({"proposals", "show", "demo", p.id});
  EXPECT_NE(shown.out.find("applied instead (the operator's edit):\n  + allow api.example.com"),
            std::string::npos)
      << shown.out;
}

TEST_F(Proposals, AnEditThatBreaksTheRulesChangesNothing) {
  Proposal p;
  p.reason = "the docs";
  p.change = AllowlistChange{allowlist_change_from_json({{"add", {"docs.example.com"}}})};
  p = store().create(p);
  const std::string before = read_text(cli_.bottle_dir() / "pipelock/pipelock.yaml");
  for (const std::string expression :
       {"s/docs.example.com/localhost/", "s/\"add\"/\"everything\"/", "s/\\[/{/"}) {
    const auto r = cli_.run({"proposals", "approve", "demo", p.id, "--edit"},
                            {{"EDITOR", sed_editor(cli_, expression)}});
    EXPECT_NE(r.exit_code, 0) << expression;
    EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << expression << ": " << r.err;
  }
  EXPECT_EQ(read_text(cli_.bottle_dir() / "pipelock/pipelock.yaml"), before);
  EXPECT_EQ(store().find(p.id)->state, State::kPending);
  // An edit that changes nothing is a plain approval.
  const auto r = cli_.run({"proposals", "approve", "demo", p.id, "--edit"}, {{"EDITOR", "true"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(store().find(p.id)->applied);
}

TEST_F(Proposals, AProposalRewrittenWhileTheEditorIsOpenIsNotApproved) {
  // What is approved is what the editor showed: the proposals folder is
  // writable inside the bundle.
  Proposal p;
  p.reason = "the docs";
  p.change = AllowlistChange{allowlist_change_from_json({{"add", {"docs.example.com"}}})};
  p = store().create(p);
  const fs::path file = cli_.bottle_dir() / "proposals" / (p.id + ".json");
  const auto editor = cli_.scratch() / "rewrite.sh";
  std::ofstream(editor) << "#!/bin/sh\nsed -i 's/docs.example.com/exfil.example.net/' '"
                        << file.string() << "'\n";
  fs::permissions(editor, fs::perms::owner_all);
  const auto r =
      cli_.run({"proposals", "approve", "demo", p.id, "--edit"}, {{"EDITOR", editor.string()}});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("changed since it was shown"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(cli_.bottle_dir() / "pipelock/pipelock.yaml").find("exfil.example.net"),
            std::string::npos);
  EXPECT_EQ(store().find(p.id)->state, State::kPending);
}
