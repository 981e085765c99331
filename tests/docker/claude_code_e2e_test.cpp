// Issue 17: the real Claude Code (the pinned npm build, in
// images/Dockerfile.claude-code) in a bottle started from
// examples/claude-code.yaml, its model a scripted stand-in for the Anthropic
// API (api.anthropic.test). One bottle serves the suite: booting one is the
// slow part, and each test resets the stand-in's script and record.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <thread>

#include "bottle_harness.hpp"

namespace bottle_e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

const std::string kOperatorKey = "sk-ant-operator-e2e-0123456789abcdefghij";
const std::string kPlaceholder = "sk-ant-bottle-placeholder";
// A headless run: stream-json shows the MCP servers, every tool result and the
// outcome, one JSON object a line. The agent is not root, so the permission
// prompts can be skipped: the bottle is the sandbox.
const std::string kClaude =
    "claude --output-format stream-json --verbose --dangerously-skip-permissions -p ";

// What one `claude -p` run printed, read from its stream-json lines.
struct ClaudeRun {
  json init;                 // {"type":"system","subtype":"init",...}
  std::vector<json> events;  // every line, in order
  json result;               // {"type":"result",...}
  std::string raw;
};

ClaudeRun parse_run(const std::string& output) {
  ClaudeRun r;
  r.raw = output;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const json j = json::parse(line, nullptr, false);
    if (!j.is_object()) continue;  // anything else Claude Code wrote on stderr
    r.events.push_back(j);
    if (j.value("type", "") == "system" && j.value("subtype", "") == "init") r.init = j;
    if (j.value("type", "") == "result") r.result = j;
  }
  return r;
}

// The text of the tool result a request carries back to the model (its last
// user message), or "" when there is none.
std::string tool_result_text(const json& request, bool* is_error = nullptr) {
  const json& messages = request["body"]["messages"];
  for (auto m = messages.rbegin(); m != messages.rend(); ++m) {
    if ((*m).value("role", "") != "user" || !(*m)["content"].is_array()) continue;
    for (const auto& block : (*m)["content"]) {
      if (block.value("type", "") != "tool_result") continue;
      if (is_error) *is_error = block.value("is_error", false);
      if (block["content"].is_string()) return block["content"].get<std::string>();
      std::string text;
      for (const auto& part : block["content"]) text += part.value("text", "");
      return text;
    }
    return "";
  }
  return "";
}

class ClaudeCodeInABottle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bottle_ = std::make_unique<Bottle>("e2e-claude", 11,
                                       FromExample{"claude-code.yaml",
                                                   "claude",
                                                   {{"api.anthropic.com", kAnthropicHost}},
                                                   "1234:1234",
                                                   {{"ANTHROPIC_API_KEY", kOperatorKey}}});
  }
  static void TearDownTestSuite() {
    if (bottle_) {
      EXPECT_EQ(bottle_->stop_and_list_leftovers(), "");
    }
    bottle_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(bottle_) << "the bottle did not start";
    ASSERT_EQ(b().standin("POST", "/_control/reset").code, 0);
  }

  static Bottle& b() { return *bottle_; }
  static void script(const json& turns) {
    const auto put = b().standin("PUT", "/_control/script", turns.dump());
    ASSERT_EQ(put.code, 0) << put.output;
  }
  static json requests() {
    const auto got = b().standin("GET", "/_control/requests");
    return json::parse(got.output);
  }
  static std::vector<json> main_requests() {
    std::vector<json> out;
    for (const auto& r : requests()) {
      if (r.value("kind", "") == "main") out.push_back(r);
    }
    return out;
  }
  static int supervise_sessions_opened() {
    const std::string log = run({"docker", "logs", b().sidecars_container()}).output;
    int n = 0;
    for (auto at = log.find("initialize by claude-code"); at != std::string::npos;
         at = log.find("initialize by claude-code", at + 1)) {
      ++n;
    }
    return n;
  }

  static std::unique_ptr<Bottle> bottle_;
};

std::unique_ptr<Bottle> ClaudeCodeInABottle::bottle_;

TEST_F(ClaudeCodeInABottle, SuperviseIsAConnectedMcpServerWithNothingTyped) {
  const auto list = b().agent("claude mcp list");
  EXPECT_EQ(list.code, 0) << list.output;
  EXPECT_THAT(list.output, HasSubstr("supervise: http://supervise:8765/mcp (HTTP) - ✔ Connected"));
  // Unprivileged, in the workdir the operator's uid owns.
  EXPECT_EQ(b().agent("id -u; pwd; touch /workspace/written && echo writable").output,
            "1234\n/workspace\nwritable\n");
}

TEST_F(ClaudeCodeInABottle, TheModelAnswersThroughEgressWhichSendsTheOperatorsKey) {
  script(json::array({{{"text", "Hello from the script."}}}));
  const ClaudeRun r = parse_run(b().agent(kClaude + "'Say hello.'").output);
  EXPECT_EQ(r.result.value("subtype", ""), "success") << r.raw;
  EXPECT_FALSE(r.result.value("is_error", true)) << r.raw;
  EXPECT_EQ(r.result.value("result", ""), "Hello from the script.");
  EXPECT_EQ(r.init.value("apiKeySource", ""), "ANTHROPIC_API_KEY");

  // One request, the model call, through egress: the operator's key in
  // x-api-key, never the placeholder, and nothing else left the agent for
  // the API (no telemetry, no feature flags: they are off in the image).
  const json all = requests();
  ASSERT_EQ(all.size(), 1u) << all.dump(1);
  const json& call = all[0];
  EXPECT_EQ(call.value("path", ""), "/v1/messages?beta=true");
  EXPECT_EQ(call.value("listener", ""), "https");
  EXPECT_EQ(call["headers"].value("x-api-key", ""), kOperatorKey);
  EXPECT_THAT(call["headers"].dump(), Not(HasSubstr(kPlaceholder)));
  EXPECT_EQ(call["body"].value("stream", false), true);

  // The agent holds the placeholder only: in its environment, its files, its
  // container's definition.
  EXPECT_EQ(b().agent("printenv ANTHROPIC_API_KEY").output, kPlaceholder + "\n");
  EXPECT_THAT(b().agent("cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'").output,
              Not(HasSubstr(kOperatorKey)));
  const auto grep = b().agent(
      "grep -rlsF --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev "
      "--exclude-dir=opt '" +
      kOperatorKey + "' / ; echo grep-exit=$?");
  EXPECT_THAT(grep.output, ::testing::MatchesRegex("grep-exit=[12]\n")) << "files with the key";
  EXPECT_THAT(run({"docker", "inspect", b().agent_container()}).output,
              Not(HasSubstr(kOperatorKey)));
}

TEST_F(ClaudeCodeInABottle, AProposalApprovedMidRunOpensTheHostForTheNextToolCall) {
  const std::string curl =
      std::string("curl -sS --cacert /workspace/upstream-ca.pem https://") + kOtherHost + "/hello";
  ASSERT_NE(b().agent(curl).code, 0) << "not on the allowlist yet";
  script(json::array(
      {{{"text", "I will ask the operator."},
        {"tool_use",
         {{"name", "mcp__supervise__propose_allowlist_change"},
          {"input", {{"add", json::array({kOtherHost})}, {"reason", "fetch the greeting"}}}}}},
       // Held until the test has approved the proposal.
       {{"hold", true}, {"tool_use", {{"name", "Bash"}, {"input", {{"command", curl}}}}}},
       {{"text", "Fetched after approval."}}}));
  const int sessions_before = supervise_sessions_opened();
  const int supervise_pid = b().daemon_pid("supervise");
  const int pipelock_pid = b().daemon_pid("pipelock");
  auto claude = b().agent_background(kClaude + "'Fetch the greeting from " + kOtherHost + ".'");

  const auto held = b().standin("GET", "/_control/wait?held=1&timeout=120");
  ASSERT_EQ(held.code, 0) << "the model's second turn was never requested: " << held.output;
  // The proposal reached the operator: listed pending, naming the host.
  const auto list = b().bottle({"proposals", "list", b().name()});
  std::string id;
  std::istringstream lines(list.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("pending") != std::string::npos && line.find(kOtherHost) != std::string::npos) {
      id = line.substr(0, line.find(' '));
    }
  }
  ASSERT_FALSE(id.empty()) << list.output;
  const auto approve = b().bottle({"proposals", "approve", b().name(), id});
  ASSERT_EQ(approve.code, 0) << approve.output;
  // The restarted pipelock takes the host (within a second, as the live
  // change test measures) before the model's next turn is let go.
  const auto reached = b().agent("i=0; until " + curl +
                                 " >/dev/null 2>&1; do i=$((i+1)); "
                                 "[ $i -lt 500 ] || exit 1; done");
  ASSERT_EQ(reached.code, 0);
  ASSERT_EQ(b().standin("POST", "/_control/release").code, 0);

  std::string output;
  while (auto line = claude->stdout_line(120s)) output += *line + "\n";
  const ClaudeRun r = parse_run(output);
  EXPECT_EQ(r.result.value("result", ""), "Fetched after approval.") << output;

  const auto calls = main_requests();
  ASSERT_EQ(calls.size(), 3u);
  // The MCP tool's answer, then the Bash tool's: the page from the new host.
  EXPECT_THAT(tool_result_text(calls[1]), HasSubstr("pending"));
  bool failed = true;
  EXPECT_EQ(tool_result_text(calls[2], &failed), "hello from the upstream");
  EXPECT_FALSE(failed);
  // Only pipelock restarted, and Claude Code kept its one MCP session to
  // supervise across the restart.
  EXPECT_NE(b().daemon_pid("pipelock"), pipelock_pid);
  EXPECT_EQ(b().daemon_pid("supervise"), supervise_pid);
  EXPECT_EQ(supervise_sessions_opened() - sessions_before, 1);
}

TEST_F(ClaudeCodeInABottle, ABlockedHostsRefusalReachesTheModelAsTheToolResult) {
  script(json::array(
      {{{"tool_use",
         {{"name", "Bash"},
          {"input", {{"command", std::string("curl -sS http://") + kBlockedHost + "/hello"}}}}}},
       {{"text", "It is blocked."}}}));
  const ClaudeRun r = parse_run(b().agent(kClaude + "'Fetch it.'").output);
  EXPECT_EQ(r.result.value("result", ""), "It is blocked.") << r.raw;
  const auto calls = main_requests();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_THAT(tool_result_text(calls[1]),
              HasSubstr(std::string("blocked: domain not in allowlist: ") + kBlockedHost));
}

TEST_F(ClaudeCodeInABottle, ASecretPushIsRefusedAndTheModelReadsWhy) {
  const std::string push =
      std::string("git clone -q git@") + kGitHost +
      ":project.git /tmp/project && cd /tmp/project"
      " && printf 'aws_key = \"AKIAZ7Q3LK2MX4PWT6RB\"\\n' > settings.py && git add settings.py"
      " && git -c user.name=agent -c user.email=agent@bottle.test commit -q -m 'add settings'"
      " && git push origin main";
  script(json::array({{{"tool_use", {{"name", "Bash"}, {"input", {{"command", push}}}}}},
                      {{"text", "The push was refused."}}}));
  const ClaudeRun r = parse_run(b().agent(kClaude + "'Push the settings.'").output);
  EXPECT_EQ(r.result.value("result", ""), "The push was refused.") << r.raw;
  const auto calls = main_requests();
  ASSERT_EQ(calls.size(), 2u);
  bool failed = false;
  const std::string result = tool_result_text(calls[1], &failed);
  EXPECT_TRUE(failed) << result;
  EXPECT_THAT(result, HasSubstr("aws-access-key-id"));
  EXPECT_THAT(result, HasSubstr("settings.py"));
  EXPECT_THAT(result, Not(HasSubstr("AKIAZ7Q3LK2MX4PWT6RB")));
  EXPECT_EQ(b().upstream("git --git-dir /srv/git/project.git log --format=%s main").output,
            "first commit\n");
}

// The agent owns its HOME: whatever it leaves as ~/.claude.json (here a FIFO,
// which a shell's read would block on forever) must not keep its container
// from starting again, and Claude Code is provisioned afresh.
TEST_F(ClaudeCodeInABottle, AContainerRestartsWhateverTheAgentLeftInItsConfig) {
  ASSERT_EQ(b().agent("rm -f ~/.claude.json && mkfifo ~/.claude.json").code, 0);
  const auto restart = run({"timeout", "60", "docker", "restart", b().agent_container()});
  ASSERT_EQ(restart.code, 0) << restart.output;
  // `docker restart` returns once the container runs, before its entry point
  // has written anything (a CI run read an empty log): the line is awaited.
  // A follower cannot do it, since `docker logs --follow` ends at the stop.
  std::string logs;
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (logs.find("was not a regular file; kept it as") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(100ms);
    logs = run({"docker", "logs", b().agent_container()}).output;
  }
  EXPECT_THAT(logs, HasSubstr("was not a regular file; kept it as"));
  const auto list = b().agent("timeout 60 claude mcp list");
  EXPECT_THAT(list.output, HasSubstr("supervise: http://supervise:8765/mcp (HTTP) - ✔ Connected"));
}

}  // namespace
}  // namespace bottle_e2e
