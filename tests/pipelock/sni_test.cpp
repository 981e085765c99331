// Domain fronting through a tunnel: a CONNECT to an allowed host must not
// carry TLS for another name served from the same address. pipelock reads the
// ClientHello at the start of the tunnel and refuses a server name (SNI) that
// is not the CONNECT host, and a ClientHello that names none.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "pipelock_harness.hpp"

using namespace pipelock_test;
namespace fs = std::filesystem;

namespace {

std::string config(int port, const std::string& extra = "") {
  return "mode: strict\napi_allowlist: [allowed.test]\nfetch_proxy: {listen: '127.0.0.1:0'}\n"
         "forward_proxy: {enabled: true, allowed_ports: [" +
         std::to_string(port) + "]" + extra +
         "}\nssrf: {ip_allowlist: [127.0.0.1/32]}\n"
         "dns: {host_overrides: {allowed.test: [127.0.0.1]}}\n";
}

}  // namespace

TEST(PipelockSni, AMatchingServerNamePassesAndAFrontedOneIsRefused) {
  TlsUpstream up;
  Pipelock p(config(up.port()));
  const std::string proxy = "http://127.0.0.1:" + std::to_string(p.port());
  const std::string t = std::to_string(up.port());
  auto [ok_code, ok] = run({"curl", "-sS", "--cacert", up.ca(), "--proxy", proxy,
                            "https://allowed.test:" + t + "/index.html"});
  EXPECT_EQ(ok_code, 0) << ok;
  EXPECT_EQ(ok, "hello-over-tls\n");
  EXPECT_NE(p.next_decision()->find("\"decision\":\"allow\""), std::string::npos);

  // CONNECT allowed.test, TLS for evil.test: the upstream would serve it.
  auto [code, out] =
      run({"curl", "-sS", "--cacert", up.ca(), "--proxy", proxy, "--connect-to",
           "evil.test:" + t + ":allowed.test:" + t, "https://evil.test:" + t + "/index.html"});
  EXPECT_NE(code, 0) << out;
  EXPECT_EQ(out.find("hello-over-tls"), std::string::npos) << out;
  const auto line = p.next_decision();
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("\"decision\":\"block\""), std::string::npos) << *line;
  EXPECT_NE(line->find("SNI mismatch: CONNECT to allowed.test carries a TLS ClientHello for "
                       "evil.test"),
            std::string::npos)
      << *line;
}

TEST(PipelockSni, AClientHelloWithoutAServerNameIsRefusedForAHostname) {
  TlsUpstream up;
  Pipelock p(config(up.port()));
  auto [code, out] =
      run({"sh", "-c",
           "echo | openssl s_client -noservername -proxy 127.0.0.1:" + std::to_string(p.port()) +
               " -connect allowed.test:" + std::to_string(up.port()) + " 2>&1"});
  (void)code;
  // No handshake: s_client saw no certificate (it prints a verify code either way).
  EXPECT_NE(out.find("no peer certificate available"), std::string::npos) << out;
  EXPECT_EQ(out.find("BEGIN CERTIFICATE"), std::string::npos) << out;
  const auto line = p.next_decision();
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("TLS ClientHello without a server name (SNI) for CONNECT to allowed.test"),
            std::string::npos)
      << *line;
}

TEST(PipelockSni, WithSniRequireTlsATunnelThatIsNotTlsIsRefused) {
  Upstream up;
  const std::string u = std::to_string(up.port());
  const std::string request =
      "CONNECT allowed.test:" + u + " HTTP/1.1\r\n\r\nGET /index.html HTTP/1.0\r\n\r\n";
  {
    Pipelock lenient(config(up.port()));
    EXPECT_NE(exchange(lenient.port(), request).find("hello-upstream"), std::string::npos);
  }
  Pipelock strict(config(up.port(), ", sni_require_tls: true"));
  EXPECT_EQ(exchange(strict.port(), request).find("hello-upstream"), std::string::npos);
  const auto line = strict.next_decision();
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("does not start with a TLS ClientHello"), std::string::npos) << *line;
}
