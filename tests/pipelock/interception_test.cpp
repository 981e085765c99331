// tls_interception with real clients (curl, Python's urllib, Node's https,
// git): pipelock ends the agent's TLS with the bottle's CA, reads every
// request and refuses the ones that carry a secret, inside the session.
//
// pipelock listens on 127.0.0.2 and the clients connect from 127.0.0.1 (the
// kernel's choice for loopback), so they are not local to pipelock: local
// clients (egress, beside it in the bundle) are never intercepted, and a
// client bound to 127.0.0.2 plays egress.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "ca_minter.hpp"
#include "near_secret_text.hpp"
#include "pipelock_harness.hpp"
#include "zlib_compress.hpp"

using namespace pipelock_test;
namespace fs = std::filesystem;

namespace {

const std::string kToken = "ghp_" + std::string("Q8z2Lm4T9xKv7W3rN5pA1bC6dE0fG2hJ4kL8");

// The bottle's pipelock CA, as the host tool mints it.
struct PipelockCa {
  PipelockCa() : dir(bottle_test::scratch_dir("pipelock-ca")) {
    host_tools::mint_ca(dir, "test pipelock CA", 2);
  }
  ~PipelockCa() { fs::remove_all(dir); }
  std::string cert() const { return (dir / "ca.pem").string(); }
  std::string key() const { return (dir / "ca-key.pem").string(); }
  fs::path dir;
};

std::string config(const PipelockCa& ca, int upstream_port, const std::string& tls_extra = "",
                   const std::string& mode = "strict") {
  return "mode: " + mode +
         "\n"
         "api_allowlist: [allowed.test, evil.test]\n"
         "fetch_proxy: {listen: '127.0.0.2:0'}\n"
         "forward_proxy: {enabled: true, allowed_ports: [443, " +
         std::to_string(upstream_port) +
         "]}\n"
         "dns:\n  host_overrides:\n    allowed.test: [127.0.0.1]\n    evil.test: [127.0.0.1]\n"
         "ssrf: {ip_allowlist: [127.0.0.1/32]}\n"
         "tls_interception:\n  enabled: true\n  ca_cert: " +
         ca.cert() + "\n  ca_key: " + ca.key() + "\n" + tls_extra;
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

struct Bottle {
  explicit Bottle(const std::string& tls_extra = "", const std::string& mode = "strict",
                  const std::vector<std::string>& flags = {})
      : pipelock(config(ca, upstream.port(), tls_extra, mode),
                 with({"--secret-rules", SHIPPED_RULES, "--upstream-ca", upstream.ca()}, flags)) {}
  std::string proxy() const { return "http://127.0.0.2:" + std::to_string(pipelock.port()); }
  std::string url(const std::string& path) const {
    return "https://allowed.test:" + std::to_string(upstream.port()) + path;
  }
  // curl through pipelock trusting the bottle's CA; -i for the head.
  std::pair<int, std::string> curl(std::vector<std::string> args) {
    std::vector<std::string> argv{"curl", "-sS",   "-i",       "--max-time", "20",
                                  "-x",   proxy(), "--cacert", ca.cert()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  // The next decision line whose `field` is `value`.
  nlohmann::json line_where(const std::string& field, const std::string& value) {
    while (auto line = pipelock.next_decision()) {
      auto j = nlohmann::json::parse(*line);
      if (j.contains(field) && j[field] == value) return j;
    }
    ADD_FAILURE() << "no decision line with " << field << " = " << value;
    return {};
  }

  PipelockCa ca;
  TlsUpstream upstream;
  Pipelock pipelock;
};

TEST(Interception, AnAllowedRequestWorksAndGetsItsOwnDecisionLine) {
  Bottle b;
  auto [code, out] = b.curl({b.url("/index.html?page=2")});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("hello-over-tls"), std::string::npos) << out;
  auto d = b.line_where("path", "/index.html?page=…");
  EXPECT_EQ(d["decision"], "allow");
  EXPECT_EQ(d["method"], "GET");
  EXPECT_EQ(d["host"], "allowed.test");
  EXPECT_GT(d["bytes_to_upstream"].get<int>(), 20);
  auto tunnel = b.line_where("method", "CONNECT");
  EXPECT_EQ(tunnel["reason"].get<std::string>().rfind("intercepted", 0), 0u) << tunnel.dump();
}

TEST(Interception, TheAgentSeesALeafForTheHostSignedByTheBottlesCa) {
  Bottle b;
  auto [code, out] = b.curl({"-v", b.url("/index.html")});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("subject: CN=allowed.test"), std::string::npos) << out;
  EXPECT_NE(out.find("issuer: O=claude-bottle; CN=test pipelock CA"), std::string::npos) << out;
  EXPECT_NE(out.find("ALPN: server accepted http/1.1"), std::string::npos) << out;
}

TEST(Interception, ASecretInTheQueryAHeaderOrABodyIsRefusedWithTheRuleNamed) {
  Bottle b;
  struct Case {
    std::vector<std::string> args;
    std::string where;
  };
  const fs::path gz = b.ca.dir / "body.gz";
  std::ofstream(gz, std::ios::binary) << bottle_test::compressed("{\"t\":\"" + kToken + "\"}", 31);
  const std::vector<Case> cases = {
      {{b.url("/collect?v=1&t=" + kToken)}, "query value 't'"},
      {{"-H", "X-Debug: " + kToken, b.url("/")}, "header 'X-Debug'"},
      {{"-H", "Content-Type: application/json", "--data", "{\"note\":\"" + kToken + "\"}",
        b.url("/upload")},
       "body"},
      {{"-H", "Content-Encoding: gzip", "--data-binary", "@" + gz.string(), b.url("/upload")},
       "body"},
      // base64 of "token=<token>", as a form value
      {{"--data",
        "blob=dG9rZW49Z2hwX1E4ejJMbTRUOXhLdjdXM3JONXBBMWJDNmRFMGZHMmhKNGtMOA==", b.url("/upload")},
       "body (form) (base64)"},
  };
  for (const auto& c : cases) {
    auto [code, out] = b.curl(c.args);
    EXPECT_NE(out.find("HTTP/1.1 403 Forbidden"), std::string::npos) << out;
    EXPECT_NE(out.find("X-Pipelock-Block-Reason: DLP: github-pat in " + c.where), std::string::npos)
        << out;
    EXPECT_EQ(out.find(kToken), std::string::npos) << "the answer quotes the secret";
    auto d = b.line_where("decision", "block");
    EXPECT_EQ(d["rule"], "github-pat") << d.dump();
    EXPECT_EQ(d.dump().find(kToken), std::string::npos) << "the log holds the secret";
  }
  EXPECT_EQ(b.upstream.last_post(), "") << "a refused body reached the upstream";
}

TEST(Interception, AnAllowedBodyGoesUpstreamInOneCanonicalForm) {
  Bottle b;
  // chunked from the agent, Content-Length to the upstream
  auto [code, out] =
      b.curl({"-H", "Transfer-Encoding: chunked", "--data", "hello=world", b.url("/upload")});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("posted 11 bytes"), std::string::npos) << out;
  EXPECT_EQ(b.upstream.last_post(), "hello=world");
  const std::string headers = b.upstream.last_post_headers();
  EXPECT_NE(headers.find("Content-Length: 11"), std::string::npos) << headers;
  EXPECT_EQ(headers.find("Transfer-Encoding"), std::string::npos) << headers;
}

// Raw bytes inside an intercepted tunnel (raw_tls_client.py); the answer.
std::string raw_request(Bottle& b, const std::string& bytes) {
  const fs::path in = b.ca.dir / "request.bin";
  std::ofstream(in, std::ios::binary) << bytes;
  return run({"sh", "-c",
              "python3 " + std::string(RAW_TLS_CLIENT_PY) + " 127.0.0.2 " +
                  std::to_string(b.pipelock.port()) + " allowed.test " +
                  std::to_string(b.upstream.port()) + " " + b.ca.cert() + " < " + in.string()})
      .second;
}

TEST(Interception, WhatNoCheckReadsIsRefusedNotForwarded) {
  // Each of these once went upstream unread (an attacker's findings): a
  // fragment, a method that is a secret, trailer fields after a chunked body.
  Bottle b;
  const std::string host = "Host: allowed.test:" + std::to_string(b.upstream.port()) + "\r\n";
  struct Case {
    std::string bytes;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"GET /#" + kToken + " HTTP/1.1\r\n" + host + "\r\n", "request target with a fragment ('#')"},
      {kToken + " / HTTP/1.1\r\n" + host + "\r\n", "unknown method"},
      {"POST /upload HTTP/1.1\r\n" + host +
           "Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: " + kToken + "\r\n\r\n",
       "chunked trailer fields"},
      // A token with a character added is still the token.
      {"GET / HTTP/1.1\r\n" + host + "X-A: " + kToken + "x\r\n\r\n",
       "DLP: github-pat in header 'X-A'"},
      // A header whose name is the secret: refused, and the name not quoted.
      {"GET / HTTP/1.1\r\n" + host + kToken + ": 1\r\n\r\n",
       "DLP: github-pat in header '<40 characters>'"},
  };
  for (const auto& c : cases) {
    const std::string reply = raw_request(b, c.bytes);
    EXPECT_NE(reply.find("X-Pipelock-Block-Reason: " + c.reason), std::string::npos)
        << c.reason << ":\n"
        << reply;
    EXPECT_EQ(reply.find(kToken), std::string::npos) << reply;
    auto d = b.line_where("decision", "block");
    EXPECT_EQ(d.dump().find(kToken), std::string::npos) << d.dump();
  }
  EXPECT_EQ(b.upstream.last_post(), "");
}

// The raw client (raw_tls_client.py) as a process of its own, for a request
// that must be in flight while the test does something else; stdin from
// `bytes`. Its stderr says "sent" once every byte is out.
std::unique_ptr<Process> raw_request_in_flight(Bottle& b, const std::string& name,
                                               const std::string& bytes) {
  const fs::path in = b.ca.dir / name;
  std::ofstream(in, std::ios::binary) << bytes;
  return std::make_unique<Process>(
      std::vector<std::string>{"sh", "-c",
                               "exec python3 " + std::string(RAW_TLS_CLIENT_PY) + " 127.0.0.2 " +
                                   std::to_string(b.pipelock.port()) + " allowed.test " +
                                   std::to_string(b.upstream.port()) + " " + b.ca.cert() + " < " +
                                   in.string()},
      std::vector<std::string>{"RAW_TLS_CLIENT_SAY_SENT=1"});
}

// A body an agent made slow to scan (near_secret_text.hpp).
std::string dense_body_request(const Bottle& b, std::size_t lines) {
  const std::string body = bottle_test::near_secret_lines(lines);
  return "POST /upload HTTP/1.1\r\nHost: allowed.test:" + std::to_string(b.upstream.port()) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST(Interception, ASlowBodyScanHoldsUpNoOtherTunnel) {
  // The scans run off the event loop: while one tunnel's body is being read
  // (seconds, for a body made to be slow), another tunnel's request is
  // decided and answered. Its decision line comes first.
  Bottle b;
  auto slow = raw_request_in_flight(b, "slow.bin", dense_body_request(b, 40000));
  ASSERT_TRUE(slow->stderr_line_with("sent", 30s));
  auto [code, out] = b.curl({b.url("/index.html")});
  ASSERT_EQ(code, 0) << out;
  std::vector<std::string> order;
  while (order.size() < 2) {
    auto line = b.pipelock.next_decision(120s);
    ASSERT_TRUE(line) << "decided so far: " << order.size();
    auto j = nlohmann::json::parse(*line);
    if (j["method"] != "CONNECT") order.push_back(j["method"].get<std::string>());
  }
  EXPECT_EQ(order, (std::vector<std::string>{"GET", "POST"}));
}

TEST(Interception, ABodyNotReadWithinTheScanBudgetIsRefusedNotLetThrough) {
  Bottle b("", "strict", {"--dlp-scan-budget-ms", "100"});
  const std::string reply = raw_request(b, dense_body_request(b, 40000));
  EXPECT_NE(reply.find("X-Pipelock-Block-Reason: DLP: dlp-scan-timeout"), std::string::npos)
      << reply.substr(0, 400);
  EXPECT_EQ(b.upstream.last_post(), "");
  auto d = b.line_where("decision", "block");
  EXPECT_EQ(d["rule"], "dlp-scan-timeout");
}

TEST(Interception, WhatAllTunnelsHoldUnscannedIsBounded) {
  // Each body is within max_body_bytes; two at once are not within what the
  // process holds (--dlp-held-bytes, never less than one request of the
  // largest size: 64 KiB + 16 KiB of head here).
  Bottle b("request_body_scanning: {max_body_bytes: 65536}\n", "strict", {"--dlp-held-bytes", "1"});
  const std::string head =
      "POST /upload HTTP/1.1\r\nHost: allowed.test:" + std::to_string(b.upstream.port()) +
      "\r\nContent-Length: 65536\r\n\r\n";
  auto first = raw_request_in_flight(b, "first.bin", head + std::string(60000, 'a'));
  ASSERT_TRUE(first->stderr_line_with("sent", 30s));
  // The first body is held (its scan waits for the rest of it); a second
  // tunnel holding as much goes past the budget and is answered at once.
  std::string second;
  for (int attempt = 0; attempt < 50; ++attempt) {
    // Complete: should the first body not be all read yet, this one goes
    // through at once rather than wait.
    second = raw_request(
        b, "POST /upload HTTP/1.1\r\nHost: allowed.test:" + std::to_string(b.upstream.port()) +
               "\r\nContent-Length: 60000\r\n\r\n" + std::string(60000, 'b'));
    if (second.find("HTTP/1.1 503") != std::string::npos) break;
  }
  EXPECT_NE(second.find("X-Pipelock-Block-Reason: pipelock holds "), std::string::npos)
      << second.substr(0, 400);
  // Once the first tunnel is gone, what it held is given back.
  first.reset();
  std::string third;
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto [code, out] = b.curl({"--data", "small=1", b.url("/upload")});
    third = out;
    if (out.find("HTTP/1.1 200") != std::string::npos) break;
  }
  EXPECT_NE(third.find("HTTP/1.1 200"), std::string::npos) << third;
  EXPECT_EQ(b.upstream.last_post(), "small=1");
}

TEST(Interception, ARequestForAnotherHostInsideTheTunnelIsRefused) {
  Bottle b;
  auto [code, out] = b.curl({"-H", "Host: evil.test", b.url("/index.html")});
  EXPECT_NE(out.find("HTTP/1.1 403 Forbidden"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Pipelock-Block-Reason: the Host header (evil.test) is not the CONNECT "
                     "host allowed.test"),
            std::string::npos)
      << out;
}

TEST(Interception, PythonNodeAndGitWorkThroughItAndAreRefusedALeak) {
  Bottle b;
  const std::string ok_url = b.url("/index.html");
  const std::string leak_url = b.url("/index.html?key=" + kToken);
  auto [py_ok_code, py_ok] = run({"python3", HTTPS_CLIENTS_PY, b.proxy(), ok_url, b.ca.cert()});
  EXPECT_EQ(py_ok, "200 hello-over-tls\n") << py_ok;
  auto [py_leak_code, py_leak] =
      run({"python3", HTTPS_CLIENTS_PY, b.proxy(), leak_url, b.ca.cert()});
  EXPECT_EQ(py_leak, "403 DLP: github-pat in query value 'key'\n") << py_leak;

  const std::string port = std::to_string(b.upstream.port());
  auto [node_ok_code, node_ok] =
      run({"node", HTTPS_CLIENT_JS, "127.0.0.2", std::to_string(b.pipelock.port()), "allowed.test",
           port, "/index.html", b.ca.cert()});
  EXPECT_EQ(node_ok, "200 hello-over-tls\n") << node_ok;
  auto [node_leak_code, node_leak] =
      run({"node", HTTPS_CLIENT_JS, "127.0.0.2", std::to_string(b.pipelock.port()), "allowed.test",
           port, "/?key=" + kToken, b.ca.cert()});
  EXPECT_EQ(node_leak, "403 DLP: github-pat in query value 'key'") << node_leak;

  // As the agent's environment sets it (agent-entry).
  auto [git_code, git] =
      run({"git", "-c", "http.proxy=" + b.proxy(), "ls-remote", b.url("/repo.git")},
          {{"GIT_SSL_CAINFO", b.ca.cert()}});
  EXPECT_EQ(git_code, 0) << git;
  EXPECT_NE(git.find("refs/heads/main"), std::string::npos) << git;
}

TEST(Interception, APassthroughDomainKeepsAPlainTunnelWithTheUpstreamsOwnCertificate) {
  Bottle b("  passthrough_domains: ['*.test']\n");
  // The upstream's own certificate: only its CA makes it trusted.
  auto [code, out] = run({"curl", "-sS", "--max-time", "20", "-x", b.proxy(), "--cacert",
                          b.upstream.ca(), b.url("/index.html?t=" + kToken)});
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, "hello-over-tls\n");
  auto tunnel = b.line_where("method", "CONNECT");
  EXPECT_EQ(tunnel["reason"].get<std::string>().rfind("tunnel", 0), 0u) << tunnel.dump();
}

TEST(Interception, APinningClientFailsAndTheLineSaysToListItsHost) {
  Bottle b;
  // A client that trusts only the upstream's CA refuses pipelock's leaf.
  auto [code, out] = run({"curl", "-sS", "--max-time", "20", "-x", b.proxy(), "--cacert",
                          b.upstream.ca(), b.url("/index.html")});
  EXPECT_NE(code, 0) << out;
  auto tunnel = b.line_where("method", "CONNECT");
  EXPECT_NE(tunnel["reason"].get<std::string>().find("tls_interception.passthrough_domains"),
            std::string::npos)
      << tunnel.dump();
}

TEST(Interception, ALocalClientIsNotInterceptedSoEgresssTokensPass) {
  Bottle b;
  // Bound to pipelock's own address: a client in pipelock's network namespace.
  auto [code, out] = run({"curl", "-sS", "--max-time", "20", "--interface", "127.0.0.2", "-x",
                          b.proxy(), "--cacert", b.upstream.ca(), "-H",
                          "Authorization: token " + kToken, b.url("/index.html")});
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, "hello-over-tls\n");
}

TEST(Interception, AuditModeLogsTheLeakAndLetsItThrough) {
  Bottle b("", "audit");
  auto [code, out] = b.curl({b.url("/index.html?t=" + kToken)});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("hello-over-tls"), std::string::npos) << out;
  auto d = b.line_where("path", "/index.html?t=…");
  EXPECT_EQ(d["decision"], "allow");
  EXPECT_EQ(d["reason"], "audit: would block: DLP: github-pat in query value 't'");
}

TEST(Interception, PlainHttpInATunnelOrAsAProxyRequestIsReadTheSameWay) {
  Upstream plain;
  PipelockCa ca;
  TlsUpstream tls_up;
  std::string yaml = config(ca, tls_up.port());
  yaml.replace(yaml.find("allowed_ports: [443, "), 21,
               "allowed_ports: [443, " + std::to_string(plain.port()) + ", ");
  Pipelock p(yaml, {"--secret-rules", SHIPPED_RULES});
  const std::string proxy = "http://127.0.0.2:" + std::to_string(p.port());
  const std::string base = "http://allowed.test:" + std::to_string(plain.port());
  auto [ok_code, ok] =
      run({"curl", "-sS", "--max-time", "20", "--proxytunnel", "-x", proxy, base + "/index.html"});
  EXPECT_EQ(ok, "hello-upstream\n");
  auto [leak_code, leak] = run({"curl", "-sS", "--max-time", "20", "-i", "--proxytunnel", "-x",
                                proxy, base + "/index.html?t=" + kToken});
  EXPECT_NE(leak.find("X-Pipelock-Block-Reason: DLP: github-pat in query value 't'"),
            std::string::npos)
      << leak;
  // A plain proxy request (absolute URI) is read the same way.
  auto [fwd_code, fwd] =
      run({"curl", "-sS", "--max-time", "20", "-x", proxy, base + "/index.html"});
  EXPECT_EQ(fwd, "hello-upstream\n");
  auto [fwd_leak_code, fwd_leak] = run({"curl", "-sS", "--max-time", "20", "-i", "-x", proxy, "-H",
                                        "X-Note: " + kToken, base + "/index.html"});
  EXPECT_NE(fwd_leak.find("X-Pipelock-Block-Reason: DLP: github-pat in header 'X-Note'"),
            std::string::npos)
      << fwd_leak;
  // A body that comes after the head (curl waits for 100 Continue a moment,
  // then sends it) is read too.
  auto [body_code, body] =
      run({"curl", "-sS", "--max-time", "20", "-i", "-x", proxy, "-H", "Expect: 100-continue",
           "--data", "{\"k\":\"" + kToken + "\"}", base + "/upload"});
  EXPECT_NE(body.find("X-Pipelock-Block-Reason: DLP: github-pat in body"), std::string::npos)
      << body;
}

}  // namespace
