#include "bottle/proposals/proposal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bottle/config/config_error.hpp"
#include "bottle/proposals/proposal_store.hpp"
#include "bottle/proposals/upstream_rules.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/text/utf8.hpp"

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
  std::ofstream(dir / "p-20991122-103000-ffffff.json") << "{not json";
  std::ofstream(dir / ".p-20261122-103000-eeeeee.json.tmp.1.2") << "partial";
  const Page page = store.page({});
  ASSERT_EQ(page.entries.size(), 3u);
  EXPECT_EQ(page.entries[0].id, first.id);
  EXPECT_EQ(std::get<AllowlistChange>(page.entries[0].proposal->change).add[0], "a.com");
  EXPECT_EQ(page.entries[1].id, second.id);
  EXPECT_FALSE(page.entries[2].proposal);
  EXPECT_NE(page.entries[2].problem.find("p-20991122-103000-ffffff.json: not valid JSON"),
            std::string::npos)
      << page.entries[2].problem;
  EXPECT_EQ(page.next_cursor, "");
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

namespace {

json route_with_upstream(const std::string& upstream) {
  return {{"add", {{{"host", "tracker.example.com"}, {"upstream", upstream}, {"token_env", "T"}}}}};
}

std::string upstream_error(const std::string& upstream) {
  return error_of([&] { route_change_from_json(route_with_upstream(upstream)); });
}

// A file as a hand editing it would leave it: a valid proposal with `field` replaced.
std::string file_error(const std::string& field, const json& value) {
  Proposal p = allowlist_proposal({"pypi.org"});
  p.id = "p-20261122-103000-1a2b3c";
  p.created = "2026-11-22T10:30:00.123456Z";
  p.state = State::kRejected;
  p.decided_at = "2026-11-22T10:31:00Z";
  p.decided_by = "ops";
  p.comment = "use the mirror";
  json doc = to_json(p);
  doc[field] = value;
  return error_of([&] { proposal_from_json(doc, "x.json"); });
}

}  // namespace

TEST(UpstreamRules, TheOneFormIsHttpsALowerCaseHostAPortAndAPathOfUriCharacters) {
  for (const char* good :
       {"https://api.github.com", "https://api.github.com/", "https://api.github.com:8443/v3/x",
        "https://a.example.com/x-y_z~.!$&'()*+,;=:@%20/end", "https://api.github.com/a..b/.x"}) {
    EXPECT_FALSE(upstream_problem(good)) << good << ": " << *upstream_problem(good);
  }
  EXPECT_EQ(route_change_from_json(route_with_upstream("https://tracker.example.com/api"))
                .add[0]
                .upstream,
            "https://tracker.example.com/api");
}

TEST(UpstreamRules, AnythingATerminalObeysOrAServerResolvesIsRefusedWhereItEnters) {
  const std::string forged =
      "https://tokens.evil.example/" + std::string(20, '\b') + "api.github.com\x1b[K";
  const std::string error = upstream_error(forged);
  EXPECT_NE(error.find("\\x08 at byte 2"), std::string::npos) << error;
  EXPECT_EQ(error.find('\b'), std::string::npos) << "the error itself quotes it escaped";
  EXPECT_EQ(error.find('\x1b'), std::string::npos);
  for (const std::string& bad : {std::string("https://a.example.com/x\r\nHost: b"),
                                 std::string("https://a.example.com/a b"),
                                 std::string("https://a.example.com/\xc3\xa9"),
                                 std::string("https://a.example.com/x?q=1"),
                                 std::string("https://a.example.com/x#f"),
                                 std::string("https://a.example.com/%zz"),
                                 std::string("https://a.example.com/%4"),
                                 std::string("https://a.example.com/x/../y"),
                                 std::string("https://a.example.com/x/%2E%2e/y"),
                                 std::string("https://a.example.com/./y"),
                                 std::string("https://user@a.example.com"),
                                 std::string("https://A.example.com"),
                                 std::string("https://a.example.com./x"),
                                 std::string("https://a.example.com:0"),
                                 std::string("https://a.example.com:080"),
                                 std::string("https://a.example.com:65536"),
                                 std::string("https://a.example.com:/x"),
                                 std::string("https://[::1]/"),
                                 std::string("https://169.254.169.254/latest"),
                                 std::string("https://localhost:8080"),
                                 std::string("https://metadata.google.internal/"),
                                 std::string("https://co.uk/"),
                                 std::string("http://a.example.com"),
                                 std::string("https://a.example.com/\\x"),
                                 "https://a.example.com/" + std::string(600, 'a')}) {
    EXPECT_NE(upstream_error(bad), "") << bad;
  }
}

TEST(ProposalRules, HostsNoOneShouldApproveByAccidentAreRefusedAsAdditions) {
  for (const char* host :
       {"*.com", "*.co.uk", "com", "co.uk", "github.io", "*.github.io", "0.0.0.0",
        "169.254.169.254", "127.1", "0x7f.0.0.1", "2130706433", "localhost", "api.localhost",
        "printer.local", "metadata.google.internal", "intranet", "supervise", "x.home.arpa"}) {
    const std::string error = error_of([&] { allowlist_change_from_json({{"add", {host}}}); });
    EXPECT_NE(error, "") << host;
    const std::string route_error = error_of([&] {
      route_change_from_json(
          {{"add",
            {{{"host", host}, {"upstream", "https://api.example.com"}, {"token_env", "T"}}}}});
    });
    EXPECT_NE(route_error, "") << host;
  }
  EXPECT_NE(error_of([] {
              allowlist_change_from_json({{"add", {"*.co.uk"}}});
            }).find("public suffix"),
            std::string::npos);
  // What the operator allowed may be proposed for removal, whatever it is.
  EXPECT_EQ(allowlist_change_from_json({{"remove", {"localhost", "*.com"}}}).remove.size(), 2u);
  for (const char* host : {"pypi.org", "*.pythonhosted.org", "raw.githubusercontent.com",
                           "user.github.io", "*.user.github.io", "api.github.com"}) {
    EXPECT_EQ(error_of([&] { allowlist_change_from_json({{"add", {host}}}); }), "") << host;
  }
}

TEST(ProposalRules, AWildcardIsMarkedPlainlyInTheSummary) {
  const Proposal p = allowlist_proposal({"*.pythonhosted.org", "pypi.org"});
  EXPECT_EQ(p.summary()[0],
            "+ allow *.pythonhosted.org   [WILDCARD: pythonhosted.org and every name under it]");
  EXPECT_EQ(p.summary()[1], "+ allow pypi.org");
}

TEST(ProposalRules, ErrorsQuoteWhatTheAgentWroteEscapedAndCutOnACharacterBoundary) {
  const std::string host = std::string(79, 'a') + "\xc3\xa9.com";
  const std::string error = error_of([&] { allowlist_change_from_json({{"add", {host}}}); });
  EXPECT_NE(error.find("non-ASCII"), std::string::npos) << error;
  EXPECT_TRUE(bottle::text::is_valid_utf8(error)) << error;
  EXPECT_TRUE(bottle::text::is_terminal_safe(error)) << error;
  EXPECT_NE(error.find(std::string(79, 'a') + "...\""), std::string::npos)
      << "the cut falls before the character, not inside it: " << error;
  const std::string key_error = error_of([] {
    route_change_from_json({{"remove", {{{"host", "a.com"}, {"x\x1b[2J", "y"}}}}});
  });
  EXPECT_NE(key_error.find("\"x\\x1b[2J\""), std::string::npos) << key_error;
}

TEST(ProposalRules, AReasonMayNotCarryC1ControlsOrBidiOverridesEither) {
  EXPECT_EQ(checked_reason("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");
  for (const char* bad : {"a\xc2\x9b"
                          "2Jb",
                          "evil\xe2\x80\xae"
                          "txt.exe",
                          "a\rb", "bad\xff"}) {
    EXPECT_NE(error_of([&] { checked_reason(bad); }), "") << bad;
  }
}

TEST(ProposalFiles, EveryFieldOfAHandWrittenFileIsChecked) {
  EXPECT_EQ(file_error("comment", "fine"), "");
  EXPECT_NE(file_error("created", "2026-11-22T10:30:00Z\x1b[2J").find("not a UTC time"),
            std::string::npos);
  EXPECT_NE(file_error("created", 5).find("must be a string"), std::string::npos);
  EXPECT_NE(file_error("decided_at", "yesterday").find("not a UTC time"), std::string::npos);
  EXPECT_NE(file_error("decided_by", "ops\rroot").find("operator"), std::string::npos);
  EXPECT_NE(file_error("decided_by", std::string(65, 'o')).find("operator"), std::string::npos);
  EXPECT_NE(file_error("comment", "ok\x1b]0;title\x07").find("control character"),
            std::string::npos);
  EXPECT_NE(file_error("state", "pending").find("set on a pending proposal"), std::string::npos);
  json change = {{"add", {"localhost"}}, {"remove", json::array()}};
  EXPECT_NE(file_error("change", change).find("internal name"), std::string::npos);
  for (const std::string& error :
       {file_error("created", "\x1b[1A"), file_error("comment", "\x1b")}) {
    EXPECT_TRUE(bottle::text::is_terminal_safe(error)) << error;
  }
}

TEST(ProposalFiles, NoFileStopsTheListingOfTheOthers) {
  const fs::path dir = fresh_dir();
  ProposalStore store(dir);
  const Proposal good = store.create(allowlist_proposal({"a.com"}));
  json bad = to_json(good);
  bad["id"] = "p-20200101-000000-000001";
  bad["change"]["add"][0] = std::string(79, 'a') + "\xc3\xa9.com";
  std::ofstream(dir / "p-20200101-000000-000001.json") << bad.dump();
  std::ofstream(dir / "p-20200101-000000-000002.json")
      << "{\"change\":" << std::string(100000, '[') << std::string(100000, ']') << "}";
  std::ofstream(dir / "p-20200101-000000-000003.json") << "{\"reason\": \"caf\xe9\"}";
  std::ofstream(dir / "p-20200101-000000-000004.json") << std::string(300 * 1024, ' ');
  fs::create_directory(dir / "p-20200101-000000-000005.json");
  std::vector<ListedProposal> seen;
  store.for_each([&](const ListedProposal& entry) { seen.push_back(entry); });
  ASSERT_EQ(seen.size(), 6u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_FALSE(seen[i].proposal) << seen[i].id;
    EXPECT_TRUE(bottle::text::is_terminal_safe(seen[i].problem)) << seen[i].problem;
    EXPECT_LT(seen[i].problem.size(), 1000u);
  }
  EXPECT_NE(seen[1].problem.find("nested deeper"), std::string::npos) << seen[1].problem;
  EXPECT_NE(seen[0].problem.find("non-ASCII"), std::string::npos) << seen[0].problem;
  ASSERT_TRUE(seen[5].proposal);
  EXPECT_EQ(seen[5].id, good.id);
  fs::remove_all(dir);
}

TEST(ProposalFiles, APageHoldsWhatItsRequestAsksAndEndsWithACursorOnlyWhenMoreFollow) {
  const fs::path dir = fresh_dir();
  ProposalStore store(dir);
  std::vector<std::string> ids;
  for (int i = 0; i < 150; ++i) {
    Proposal p = store.create(allowlist_proposal({"h" + std::to_string(i) + ".example.org"}));
    if (i % 3 == 0) {
      p.state = State::kApproved;
      p.decided_at = "2026-11-22T10:31:00Z";
      p.decided_by = "ops";
      store.save(p);
    }
    ids.push_back(p.id);
  }
  std::vector<std::string> all;
  PageRequest request;
  request.limit = 40;
  for (;;) {
    const Page page = store.page(request);
    EXPECT_LE(page.entries.size(), 40u);
    for (const auto& e : page.entries) all.push_back(e.id);
    if (page.next_cursor.empty()) break;
    request.after = page.next_cursor;
  }
  EXPECT_EQ(all, ids) << "every proposal once, in creation order";

  request = {};
  request.state = State::kApproved;
  request.limit = 50;
  Page approved = store.page(request);
  EXPECT_EQ(approved.entries.size(), 50u);
  EXPECT_EQ(approved.entries[1].id, ids[3]);
  request.after = approved.next_cursor;
  approved = store.page(request);
  EXPECT_EQ(approved.entries.size(), 0u) << "the 51st approved one does not exist";
  EXPECT_EQ(approved.next_cursor, "");

  request = {};
  request.max_bytes = 1;
  EXPECT_EQ(store.page(request).entries.size(), 1u) << "a byte budget still gives one entry";
  EXPECT_EQ(store.count_pending(1000), 100u);
  EXPECT_EQ(store.count_pending(20), 20u);
  EXPECT_NE(error_of([&] {
              store.page({"../x", std::nullopt, 20, 1024});
            }).find("cursor"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(ProposalFiles, TheOperatorsNameIsRecordedInAFormTheReaderTakes) {
  EXPECT_EQ(recordable_operator("ops"), "ops");
  EXPECT_EQ(recordable_operator(""), "unknown");
  const std::string odd = recordable_operator("ops\x1b[2J" + std::string(100, 'x'));
  EXPECT_EQ(checked_operator(odd), odd);
}
