// Issue 8, test 1: the agent's only way out is pipelock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bottle_harness.hpp"

namespace bottle_e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(BottleReach, AgentReachesAnAllowedHostThroughPipelockAndNothingElse) {
  Bottle b("e2e-reach", 1);

  // HTTPS through pipelock's CONNECT, the certificate checked end to end.
  const auto https = b.agent(std::string("curl -sS --cacert /workspace/upstream-ca.pem https://") +
                             kApiHost + "/hello");
  EXPECT_EQ(https.code, 0) << https.output;
  EXPECT_EQ(https.output, "hello from the upstream\n");
  // Plain HTTP through pipelock's fetch proxy.
  const auto plain = b.agent(std::string("curl -sS http://") + kApiHost + "/hello");
  EXPECT_EQ(plain.output, "hello from the upstream\n");

  // A host not on the list: pipelock's refusal, with its reason.
  const auto refused =
      b.agent(std::string("curl -sS -w ' status=%{http_code}' http://") + kBlockedHost + "/hello");
  EXPECT_THAT(refused.output, HasSubstr(std::string("domain not in allowlist: ") + kBlockedHost));
  EXPECT_THAT(refused.output, HasSubstr("status=403"));
  const auto refused_tls =
      b.agent(std::string("curl -sS --cacert /workspace/upstream-ca.pem https://") + kBlockedHost +
              "/hello");
  EXPECT_EQ(refused_tls.code, 56) << refused_tls.output;  // curl: the proxy refused CONNECT
  EXPECT_THAT(refused_tls.output, HasSubstr("403"));
  EXPECT_THAT(refused_tls.output, Not(HasSubstr("hello from the upstream")));

  // No other route: not by address (the internal network is --internal, and
  // the host has no address on its bridge), not by name (the agent's DNS
  // knows nothing of the egress network). isolation_e2e_test.cpp probes the
  // whole boundary.
  const auto ip =
      run({"docker", "inspect", "--format",
           "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", b.upstream_container()});
  ASSERT_EQ(ip.code, 0);
  const std::string address = ip.output.substr(0, ip.output.find('\n'));
  ASSERT_TRUE(address.starts_with("198.18.1.")) << address;
  const auto direct =
      b.agent("curl -sS --noproxy '*' --connect-timeout 5 http://" + address + "/hello");
  EXPECT_NE(direct.code, 0) << direct.output;
  EXPECT_THAT(direct.output, Not(HasSubstr("hello from the upstream")));
  const auto by_name = b.agent(std::string("curl -sS --noproxy '*' --connect-timeout 5 http://") +
                               kApiHost + "/hello");
  EXPECT_NE(by_name.code, 0) << by_name.output;
  EXPECT_THAT(by_name.output, Not(HasSubstr("hello from the upstream")));

  EXPECT_EQ(b.stop_and_list_leftovers(), "");
}

}  // namespace
}  // namespace bottle_e2e
