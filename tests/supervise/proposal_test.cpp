#include "bottle/proposals/proposal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bottle/config/config_error.hpp"
#include "bottle/proposals/proposal_store.hpp"

using namespace bottle::proposals;
using bottle::config::ConfigError;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

fs::path fresh_dir() {
  char pattern[] = "/tmp/proposals-test-XXXXXX";
  return fs::path(::mkdtemp(pattern));
}

Proposal allowlist_proposal(std::vector<std::string> add) {
  Proposal p;
  p.reason = "pip install needs the index";
  p.change = AllowlistChange{std::move(add), {}};
  return p;
}

}  // namespace

TEST(ProposalRules, HostsAreCheckedAndNormalisedWithTheHostToolsRules) {
  const auto change = allowlist_change_from_json({{"add", {"PyPI.org.", "*.pythonhosted.org"}}});
  EXPECT_EQ(change.add, (std::vector<std::string>{"pypi.org", "*.pythonhosted.org"}));
  EXPECT_NE(error_of([] {
              allowlist_change_from_json({{"add", {"bad host"}}});
            }).find("host \"bad host\" has the character ' '"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              allowlist_change_from_json({{"add", {"a..b"}}});
            }).find("empty label"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              allowlist_change_from_json({{"add", {42}}});
            }).find("not a string"),
            std::string::npos);
}

TEST(ProposalRules, AnEmptyOrContradictoryOrOversizedChangeIsRefused) {
  EXPECT_NE(error_of([] { allowlist_change_from_json(json::object()); }).find("at least one host"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              allowlist_change_from_json({{"add", {"a.com"}}, {"remove", {"a.com"}}});
            }).find("both added and removed"),
            std::string::npos);
  json many = json::array();
  for (int i = 0; i < 51; ++i) many.push_back("h" + std::to_string(i) + ".com");
  EXPECT_NE(error_of([&] {
              allowlist_change_from_json({{"add", many}});
            }).find("at most 50"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              allowlist_change_from_json({{"add", "a.com"}});
            }).find("must be a list"),
            std::string::npos);
}

TEST(ProposalRules, RoutesPassTheSameParserAsRoutesYaml) {
  const auto change = route_change_from_json({{"add",
                                               {{{"host", "api.github.com"},
                                                 {"upstream", "https://api.github.com"},
                                                 {"token_env", "GH_TOKEN"}}}}});
  ASSERT_EQ(change.add.size(), 1u);
  EXPECT_EQ(change.add[0].header, "Authorization");
  EXPECT_EQ(change.add[0].value, "Bearer {token}");
  // Tokens only ever travel over TLS.
  EXPECT_NE(
      error_of([] {
        route_change_from_json(
            {{"add", {{{"host", "a.com"}, {"upstream", "http://a.com"}, {"token_env", "T"}}}}});
      }).find("must start with https://"),
      std::string::npos);
  EXPECT_NE(error_of([] {
              route_change_from_json({{"add",
                                       {{{"host", "a.com"},
                                         {"upstream", "https://a.com"},
                                         {"token_env", "T"},
                                         {"tokn", "x"}}}}});
            }).find("unknown key"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              route_change_from_json({{"remove", {{{"host", "a.com"}, {"path_prefix", "x"}}}}});
            }).find("starting with '/'"),
            std::string::npos);
}

TEST(ProposalRules, AReasonIsRequiredBoundedAndFreeOfTerminalEscapes) {
  EXPECT_EQ(checked_reason("needs\tpypi\nfor tests"), "needs\tpypi\nfor tests");
  EXPECT_NE(error_of([] { checked_reason("  \n"); }).find("reason is empty"), std::string::npos);
  EXPECT_NE(error_of([] { checked_reason(std::string(2001, 'x')); }).find("at most 2000"),
            std::string::npos);
  EXPECT_NE(error_of([] { checked_reason("ok\x1b[2Jcleared"); }).find("control character"),
            std::string::npos);
  EXPECT_NE(error_of([] { checked_reason(json(5)); }).find("must be a string"), std::string::npos);
}

TEST(ProposalRules, ADecidedProposalSurvivesTheJsonRoundTrip) {
  Proposal p = allowlist_proposal({"pypi.org"});
  p.id = "p-20261122-103000-1a2b3c";
  p.created = "2026-11-22T10:30:00Z";
  p.state = State::kRejected;
  p.decided_at = "2026-11-22T10:31:00Z";
  p.decided_by = "ops";
  p.comment = "use the mirror";
  const Proposal back = proposal_from_json(to_json(p), "x.json");
  EXPECT_EQ(back.id, p.id);
  EXPECT_EQ(back.state, State::kRejected);
  EXPECT_EQ(back.comment, "use the mirror");
  EXPECT_EQ(std::get<AllowlistChange>(back.change).add, std::vector<std::string>{"pypi.org"});
  EXPECT_EQ(back.summary(), std::vector<std::string>{"+ allow pypi.org"});
}

TEST(ProposalRules, ProposalIdsAreThePlainFormOnly) {
  EXPECT_TRUE(valid_proposal_id("p-20261122-103000-1a2b3c"));
  EXPECT_FALSE(valid_proposal_id("../p-20261122-103000-1a2b3c"));
  EXPECT_FALSE(valid_proposal_id("p-20261122-103000-1a2b3c/x"));
  EXPECT_FALSE(valid_proposal_id("p-20261122-103000-1A2B3C"));
  EXPECT_FALSE(valid_proposal_id(""));
}

TEST(ProposalStoreFiles, CreateWritesOnePendingFileAndFindReadsItBack) {
  const fs::path dir = fresh_dir();
  ProposalStore store(dir);
  const Proposal made = store.create(allowlist_proposal({"pypi.org"}));
  EXPECT_TRUE(valid_proposal_id(made.id)) << made.id;
  EXPECT_EQ(made.state, State::kPending);
  EXPECT_TRUE(fs::exists(dir / (made.id + ".json")));
  const auto found = store.find(made.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->reason, "pip install needs the index");
  EXPECT_FALSE(store.find("p-20000101-000000-000000"));
  // Nothing but the proposal is left in the directory (no temporary file).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(ProposalStoreFiles, ListIsOldestFirstAndReportsUnreadableFilesWithoutFailing) {
  const fs::path dir = fresh_dir();
  ProposalStore store(dir);
  const Proposal first = store.create(allowlist_proposal({"a.com"}));
  const Proposal second = store.create(allowlist_proposal({"b.com"}));
  std::ofstream(dir / "p-20261122-103000-ffffff.json") << "{not json";
  std::ofstream(dir / ".p-20261122-103000-eeeeee.json.tmp.1.2") << "partial";
  std::vector<std::string> problems;
  const auto all = store.list(&problems);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(std::get<AllowlistChange>(all[0].change).add[0], "a.com");
  EXPECT_EQ(std::get<AllowlistChange>(all[1].change).add[0], "b.com");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("p-20261122-103000-ffffff.json: not valid JSON"), std::string::npos);
  (void)first;
  (void)second;
  fs::remove_all(dir);
}

TEST(ProposalStoreFiles, ASymlinkOrAFileThatLiesAboutItsIdIsRefused) {
  const fs::path dir = fresh_dir();
  ProposalStore store(dir);
  std::ofstream(dir / "secret") << "x";
  fs::create_symlink(dir / "secret", dir / "p-20261122-103000-aaaaaa.json");
  EXPECT_NE(error_of([&] { store.find("p-20261122-103000-aaaaaa"); }).find("cannot open"),
            std::string::npos);
  Proposal p = store.create(allowlist_proposal({"a.com"}));
  fs::copy_file(dir / (p.id + ".json"), dir / "p-20261122-103000-bbbbbb.json");
  EXPECT_NE(error_of([&] { store.find("p-20261122-103000-bbbbbb"); }).find("holds proposal"),
            std::string::npos);
  EXPECT_NE(error_of([&] { store.find("../etc/passwd"); }).find("is not a proposal id"),
            std::string::npos);
  fs::remove_all(dir);
}
