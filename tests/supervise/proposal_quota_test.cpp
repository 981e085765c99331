// Quotas and paging: an agent cannot fill the host's disk or supervise's
// memory with proposals, and list_proposals answers a page at a time.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "bottle/proposals/proposal_store.hpp"
#include "supervise_harness.hpp"

using namespace supervise_test;
using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

json propose(McpSession& session, int n) {
  return session.tool("propose_allowlist_change",
                      {{"add", {"host" + std::to_string(n) + ".example.org"}},
                       {"reason", "proposal " + std::to_string(n)}});
}

std::string text_of(const json& tool_result) {
  return tool_result["content"][0]["text"].get<std::string>();
}

// kB of memory from /proc/<pid>/status ("VmHWM", "VmRSS").
long status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// ASan keeps freed memory in quarantine, which would count every byte ever
// read as resident; a small quarantine keeps the figure about what is held.
std::vector<std::string> small_quarantine() {
  const char* asan = std::getenv("ASAN_OPTIONS");
  return {"ASAN_OPTIONS=" + std::string(asan ? asan : "") + ":quarantine_size_mb=1"};
}

}  // namespace

TEST(ProposalQuota, PastTwentyPendingProposalsTheNextIsRefusedUntilTheOperatorDecides) {
  const auto files = scratch_bottle("supervise-pending-cap");
  Supervise server(files, {"--proposals-per-minute", "1000"});
  McpSession session(server.port());
  std::string first;
  for (int i = 0; i < 20; ++i) {
    const json made = propose(session, i);
    ASSERT_FALSE(made.value("isError", false)) << i << ": " << made.dump();
    if (i == 0) first = made["structuredContent"]["id"];
  }
  json refused = propose(session, 20);
  EXPECT_TRUE(refused.value("isError", false)) << refused.dump();
  EXPECT_NE(text_of(refused).find("20 proposals are pending"), std::string::npos)
      << text_of(refused);
  EXPECT_NE(text_of(refused).find("retry"), std::string::npos) << text_of(refused);
  EXPECT_EQ(std::distance(fs::directory_iterator(files.proposals), fs::directory_iterator()), 20);

  // The operator rejects one: there is room for one more.
  bottle::proposals::ProposalStore store(files.proposals);
  auto decided = *store.find(first);
  decided.state = bottle::proposals::State::kRejected;
  decided.decided_at = "2026-01-01T00:00:00Z";
  decided.decided_by = "ops";
  store.save(decided);
  EXPECT_FALSE(propose(session, 21).value("isError", false));
  EXPECT_TRUE(propose(session, 22).value("isError", false));
}

TEST(ProposalQuota, ProposalsPastTheRateAreRefusedSayingWhenToRetry) {
  Supervise server(scratch_bottle("supervise-rate"), {"--proposals-per-minute", "3"});
  McpSession session(server.port());
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(propose(session, i).value("isError", false)) << i;
  const json refused = propose(session, 3);
  EXPECT_TRUE(refused.value("isError", false)) << refused.dump();
  EXPECT_NE(text_of(refused).find("at most 3 proposals a minute"), std::string::npos)
      << text_of(refused);
  EXPECT_NE(text_of(refused).find("retry in "), std::string::npos) << text_of(refused);
}

TEST(ProposalPaging, ListProposalsGivesPagesWithACursorAndAStateFilter) {
  const auto files = scratch_bottle("supervise-paging");
  bottle::proposals::ProposalStore store(files.proposals);
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) {
    bottle::proposals::Proposal p;
    p.reason = "r" + std::to_string(i);
    p.change = bottle::proposals::AllowlistChange{{"h" + std::to_string(i) + ".example.org"}, {}};
    if (i % 5 == 0) {
      p = store.create(p);
      p.state = bottle::proposals::State::kRejected;
      p.decided_at = "2026-01-01T00:00:00Z";
      p.decided_by = "ops";
      store.save(p);
      ids.push_back(p.id);
    } else {
      ids.push_back(store.create(p).id);
    }
  }
  Supervise server(files);
  McpSession session(server.port());
  json page = session.tool("list_proposals");
  ASSERT_FALSE(page.value("isError", false)) << page.dump();
  std::vector<std::string> seen;
  for (const auto& p : page["structuredContent"]["proposals"]) seen.push_back(p["id"]);
  EXPECT_EQ(seen.size(), 20u);
  ASSERT_TRUE(page["structuredContent"].contains("next_cursor")) << page.dump();
  page = session.tool("list_proposals", {{"cursor", page["structuredContent"]["next_cursor"]}});
  for (const auto& p : page["structuredContent"]["proposals"]) seen.push_back(p["id"]);
  EXPECT_FALSE(page["structuredContent"].contains("next_cursor"));
  EXPECT_EQ(seen, ids) << "every proposal once, oldest first";

  page = session.tool("list_proposals", {{"state", "rejected"}, {"limit", 2}});
  std::vector<std::string> rejected;
  for (const auto& p : page["structuredContent"]["proposals"]) rejected.push_back(p["id"]);
  EXPECT_EQ(rejected, (std::vector<std::string>{ids[0], ids[5]}));
  page = session.tool("list_proposals", {{"state", "rejected"},
                                         {"cursor", page["structuredContent"]["next_cursor"]}});
  for (const auto& p : page["structuredContent"]["proposals"]) rejected.push_back(p["id"]);
  EXPECT_EQ(rejected, (std::vector<std::string>{ids[0], ids[5], ids[10], ids[15], ids[20]}));

  for (const json& bad : {json{{"state", "maybe"}}, json{{"limit", 0}}, json{{"limit", "5"}},
                          json{{"cursor", "../x"}}}) {
    EXPECT_TRUE(session.tool("list_proposals", bad).value("isError", false)) << bad.dump();
  }
}

TEST(ProposalPaging, SupervisesMemoryStaysFlatWhateverIsOnDisk) {
  const auto files = scratch_bottle("supervise-flat-memory");
  // 3,000 large proposals (about 50 MB): hand-written, as no agent can now make them.
  bottle::proposals::Proposal big;
  big.reason = std::string(1900, 'r');
  bottle::proposals::AllowlistChange hosts;
  for (int h = 0; h < 50; ++h) {
    const std::string label(60, static_cast<char>('a' + h % 26));
    hosts.add.push_back(label + "." + label + "." + label + ".h" + std::to_string(h) +
                        ".example.org");
  }
  big.change = hosts;
  bottle::proposals::ProposalStore store(files.proposals);
  for (int i = 0; i < 3000; ++i) store.create(big);

  Supervise server(files, {}, small_quarantine());
  McpSession session(server.port());
  EXPECT_EQ(session.call("ping")["result"], json::object());
  const long before = status_kb(server.process().pid(), "VmHWM");
  std::set<std::string> seen;
  json args = json::object();
  for (int pages = 0; pages < 1000; ++pages) {
    const json page = session.tool("list_proposals", args);
    ASSERT_FALSE(page.value("isError", false)) << page.dump().substr(0, 500);
    for (const auto& p : page["structuredContent"]["proposals"]) seen.insert(p["id"]);
    // supervise logs a line per request: read them, or its stderr pipe fills.
    while (server.process().stderr_line(1ms)) {
    }
    if (!page["structuredContent"].contains("next_cursor")) break;
    args["cursor"] = page["structuredContent"]["next_cursor"];
  }
  EXPECT_EQ(seen.size(), 3000u);
  const long grown = status_kb(server.process().pid(), "VmHWM") - before;
  EXPECT_LT(grown, 24 * 1024) << "peak resident memory grew by " << grown << " kB";
  RecordProperty("peak_growth_kb", std::to_string(grown));
}
