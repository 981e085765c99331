// The official MCP TypeScript SDK as the agent, the real `bottle` (with a fake
// docker) as the operator, and the real supervise between them.
#include <gtest/gtest.h>

#include "bottle_cli_harness.hpp"
#include "supervise_harness.hpp"

using namespace supervise_test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

class SdkClient : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_.start_demo();
    server_ = std::make_unique<Supervise>(BottleFiles{cli_.bottle_dir() / "proposals",
                                                      cli_.bottle_dir() / "pipelock/pipelock.yaml",
                                                      cli_.bottle_dir() / "egress/routes.yaml"});
  }

  // The client's next line whose step is `step`.
  json step(bottle_test::Process& client, const std::string& name) {
    while (auto line = client.stdout_line(30s)) {
      const json j = json::parse(*line, nullptr, false);
      if (j.is_object() && j.value("step", "") == name) return j;
    }
    std::string err;
    while (auto line = client.stderr_line(100ms)) err += *line + "\n";
    ADD_FAILURE() << "the SDK client never reached step " << name << "\n" << err;
    return json::object();
  }

  std::unique_ptr<bottle_test::Process> client(const std::string& host) {
    return std::make_unique<bottle_test::Process>(std::vector<std::string>{
        "node", std::string(MCP_NODE_DIR) + "/sdk_client.mjs", server_->url(), host});
  }

  BottleCli cli_;
  std::unique_ptr<Supervise> server_;
};

}  // namespace

TEST_F(SdkClient, ProposesAHostAndSeesItApprovedAndLiveAfterBottleProposalsApprove) {
  auto agent = client("pypi.org");
  const json connected = step(*agent, "connected");
  EXPECT_EQ(connected["server"]["name"], "supervise");
  EXPECT_EQ(connected["session"].get<std::string>().size(), 32u);
  const json tools = step(*agent, "tools");
  EXPECT_EQ(tools["names"], json({"get_allowlist", "get_routes", "propose_allowlist_change",
                                  "propose_route_change", "get_proposal", "list_proposals"}));
  EXPECT_EQ(step(*agent, "allowlist")["hosts"], json({"a.com", "b.com"}));
  const json refused = step(*agent, "refused");
  EXPECT_TRUE(refused["isError"].get<bool>());
  EXPECT_NE(refused["text"].get<std::string>().find("\"not a host\""), std::string::npos);
  const json proposed = step(*agent, "proposed");
  ASSERT_EQ(proposed["state"], "pending");
  const std::string id = proposed["id"];

  const auto listed = cli_.run({"proposals", "list", "demo"});
  EXPECT_NE(listed.out.find(id + "  pending"), std::string::npos) << listed.out;
  const auto shown = cli_.run({"proposals", "show", "demo", id});
  EXPECT_NE(shown.out.find("+ allow pypi.org"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("| the tests need the package index"), std::string::npos) << shown.out;

  const auto approved = cli_.run({"proposals", "approve", "demo", id, "-m", "go ahead"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_TRUE(cli_.docker_called("docker kill --signal USR1 claude-bottle-sidecars-demo"));

  const json decided = step(*agent, "decided");
  EXPECT_EQ(decided["state"], "approved");
  EXPECT_EQ(decided["comment"], "go ahead");
  EXPECT_EQ(decided["allowlist"], json({"a.com", "b.com", "pypi.org"}))
      << "supervise reads the live file the host tool replaced";
  const std::string audit = read_text(cli_.bottle_dir() / "audit.log");
  EXPECT_NE(audit.find("\"proposal\":\"" + id + "\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("\"added\":[\"pypi.org\"]"), std::string::npos) << audit;

  // Decided once: a second decision is refused and changes nothing.
  const auto again = cli_.run({"proposals", "reject", "demo", id, "-m", "too late"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("was approved"), std::string::npos) << again.err;
}

TEST_F(SdkClient, ARejectionReachesTheAgentWithTheCommentAndLeavesTheListAlone) {
  const std::string before = read_text(cli_.bottle_dir() / "pipelock/pipelock.yaml");
  auto agent = client("evil.example");
  const std::string id = step(*agent, "proposed")["id"];
  const auto rejected = cli_.run({"proposals", "reject", "demo", id, "-m", "not for this task"});
  ASSERT_EQ(rejected.exit_code, 0) << rejected.err;
  const json decided = step(*agent, "decided");
  EXPECT_EQ(decided["state"], "rejected");
  EXPECT_EQ(decided["comment"], "not for this task");
  EXPECT_EQ(read_text(cli_.bottle_dir() / "pipelock/pipelock.yaml"), before);
  EXPECT_FALSE(cli_.docker_called("docker kill --signal USR1 claude-bottle-sidecars-demo"));
  EXPECT_NE(read_text(cli_.bottle_dir() / "audit.log").find("\"decision\":\"rejected\""),
            std::string::npos);
}

TEST(ConformanceSuite, ServerScenariosPassExceptThoseNeedingTheSuitesOwnFixtureTools) {
  Supervise server(scratch_bottle("supervise-conformance"));
  const std::string node_dir = MCP_NODE_DIR;
  // localhost, not 127.0.0.1: the DNS-rebinding scenario only runs against a localhost URL.
  const auto [code, output] = bottle_test::run(
      {node_dir + "/node_modules/.bin/node",
       node_dir + "/node_modules/@modelcontextprotocol/conformance/dist/index.js", "server",
       "--url", "http://localhost:" + std::to_string(server.port()) + "/mcp", "--expected-failures",
       CONFORMANCE_BASELINE});
  EXPECT_EQ(code, 0) << output;
  for (const char* scenario : {"server-initialize", "ping", "tools-list",
                               "server-sse-multiple-streams", "dns-rebinding-protection"}) {
    EXPECT_NE(output.find(std::string("✓ ") + scenario + ":"), std::string::npos)
        << scenario << "\n"
        << output;
  }
}
