// What the agent and the upstream see of a call through egress: the token
// arrives upstream in the route's header, and nowhere else.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "egress_harness.hpp"

using namespace egress_test;
using bottle_test::run;

namespace {

nlohmann::json last_received(const HttpsUpstream& up) {
  const std::string all = up.received();
  const std::size_t end = all.rfind('\n', all.size() - 2);
  return nlohmann::json::parse(all.substr(end == std::string::npos ? 0 : end + 1));
}

}  // namespace

TEST(TokenInjection, TheRoutesTokenReplacesTheAgentsHeaderUpstream) {
  World w;
  auto [code, body] = run({"curl", "-sS", "-H", "Authorization: Bearer agent-guess", "-H",
                           "X-Agent: kept", w.egress->base() + "svc.test/echo?q=1"});
  ASSERT_EQ(code, 0) << body;
  const auto seen = last_received(w.upstream);
  EXPECT_EQ(seen["path"], "/echo?q=1");
  EXPECT_EQ(seen["headers"]["Authorization"], std::string("Bearer ") + World::kSvcToken);
  EXPECT_EQ(seen["headers"]["Host"], "localhost:" + std::to_string(w.upstream.port()));
  EXPECT_EQ(seen["headers"]["X-Agent"], "kept");
  EXPECT_EQ(w.upstream.received().find("agent-guess"), std::string::npos);
}

TEST(TokenInjection, ACustomValueTemplateAndABasePathAreApplied) {
  World w;
  auto [code, body] = run({"curl", "-sS", w.egress->base() + "git.test/repo.git/info/refs"});
  ASSERT_EQ(code, 0) << body;
  const auto seen = last_received(w.upstream);
  EXPECT_EQ(seen["path"], "/git/repo.git/info/refs");
  EXPECT_EQ(seen["headers"]["Authorization"], std::string("token ") + World::kGitToken);
}

TEST(TokenInjection, UpstreamCallsGoThroughTheProxyAndTheTokenIsInNoLog) {
  World w;
  auto [code, body] = run({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                           w.egress->base() + "svc.test/echo?secret_param=hunter2"});
  EXPECT_EQ(body, "200");
  auto decision = w.pipelock.next_decision();
  ASSERT_TRUE(decision);
  const auto d = nlohmann::json::parse(*decision);
  EXPECT_EQ(d["method"], "CONNECT");
  EXPECT_EQ(d["host"], "localhost");
  EXPECT_EQ(d["decision"], "allow");

  // The echo service sends the token back in its body: the reflection
  // guard's decision line comes before the request's line.
  auto decision_line = w.egress->next_request();
  ASSERT_TRUE(decision_line);
  EXPECT_EQ(nlohmann::json::parse(*decision_line)["decision"], "redact") << *decision_line;
  auto line = w.egress->next_request();
  ASSERT_TRUE(line);
  const auto r = nlohmann::json::parse(*line);
  EXPECT_EQ(r["route"], "svc.test/");
  EXPECT_EQ(r["method"], "GET");
  EXPECT_EQ(r["host"], "svc.test");
  EXPECT_EQ(r["path"], "/echo?secret_param=…");  // query values can be secrets
  EXPECT_EQ(r["status"], 200);
  EXPECT_GT(r["bytes_to_client"].get<int>(), 0);

  const std::string logs = *decision_line + *line + w.egress->all_output();
  EXPECT_EQ(logs.find(World::kSvcToken), std::string::npos) << logs;
  EXPECT_EQ(logs.find("hunter2"), std::string::npos) << logs;
}

TEST(TokenInjection, ARequestNoRouteCoversGets403NamingHostAndPath) {
  World w;
  auto [code, body] = run(
      {"curl", "-sS", "-w", "\n%{http_code}", w.egress->base() + "other.test/some/path?token=abc"});
  EXPECT_NE(body.find("no route for other.test/some/path"), std::string::npos) << body;
  EXPECT_TRUE(body.ends_with("\n403")) << body;
  EXPECT_EQ(body.find("abc"), std::string::npos) << body;
  EXPECT_EQ(w.upstream.received(), "");
}

TEST(TokenInjection, APathWalkingOutOfTheRouteIsRefusedBeforeTheUpstream) {
  World w;
  const std::string reply = bottle_test::exchange(
      w.egress->port(), "GET /svc.test/a/%2e%2e/%2E%2E/etc HTTP/1.1\r\nHost: egress\r\n\r\n");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
  EXPECT_NE(reply.find("'..' segment"), std::string::npos) << reply;
  EXPECT_EQ(w.upstream.received(), "");
}

TEST(TokenInjection, AnUntrustedUpstreamCertificateIsRefusedNotIgnored) {
  World w;
  // The same egress without the test CA: the upstream's certificate cannot verify.
  Egress sceptic(w.routes_yaml(),
                 {std::string("BOTTLE_TOKEN_SVC_TOKEN=") + World::kSvcToken,
                  std::string("BOTTLE_TOKEN_GIT_TOKEN=") + World::kGitToken,
                  "HTTPS_PROXY=http://127.0.0.1:" + std::to_string(w.pipelock.port())},
                 {});
  auto [code, body] =
      run({"curl", "-sS", "-w", "\n%{http_code}", sceptic.base() + "svc.test/echo"});
  EXPECT_TRUE(body.ends_with("\n502")) << body;
  EXPECT_NE(body.find("not trusted"), std::string::npos) << body;
  EXPECT_EQ(w.upstream.received(), "");  // no request got past the handshake
}

TEST(TokenInjection, TheProxysRefusalReachesTheAgent) {
  World w;
  // pipelock allows localhost only; a route naming the address is refused there.
  const std::string routes = "routes:\n  - {host: ip.test, upstream: \"https://127.0.0.1:" +
                             std::to_string(w.upstream.port()) + "\", token_env: SVC_TOKEN}\n";
  w.egress->replace_routes(routes);
  ASSERT_TRUE(w.egress->process().stderr_line_with("reloaded"));
  auto [code, body] = run({"curl", "-sS", "-w", "\n%{http_code}", w.egress->base() + "ip.test/x"});
  EXPECT_TRUE(body.ends_with("\n502")) << body;
  EXPECT_NE(body.find("the proxy refused CONNECT 127.0.0.1"), std::string::npos) << body;
  EXPECT_NE(body.find("not in allowlist"), std::string::npos) << body;
}
