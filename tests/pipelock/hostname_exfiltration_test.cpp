// Data smuggled out in host names: refused before the name is looked up;
// the names real tools use are not.
#include "hostname_exfiltration.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using pipelock::HostnameExfiltrationCheck;

const HostnameExfiltrationCheck kDefault(4.0, {});

TEST(HostnameExfiltration, OrdinaryNamesPass) {
  for (const char* host : {
           "api.anthropic.com",
           "statsig.anthropic.com",
           "registry.npmjs.org",
           "files.pythonhosted.org",
           "objects.githubusercontent.com",
           "pkg-containers.githubusercontent.com",
           "d3kbcqa49mib13.cloudfront.net",  // a CDN distribution id
           "storage.googleapis.com",
           "s3.us-east-1.amazonaws.com",
           "my-artifacts-bucket-2024.s3.amazonaws.com",  // the bucket is the domain
           "github-production-release-asset-2e65be.s3.amazonaws.com",
           "abcdef1234.execute-api.us-east-1.amazonaws.com",
           "o4504123456789.ingest.us.sentry.io",                // a Sentry DSN host
           "123e4567-e89b-12d3-a456-426614174000.example.com",  // a UUID label
           "us-central1-docker.pkg.dev",
           "static-production-assets-v2-eu-west-1.example.net",
           "deb.debian.org",
           "xn--bcher-kva.example",
           "a.b.c.d.e.f.example.org",
           "com",
           "localhost",
       }) {
    EXPECT_EQ(kDefault.refusal(host), std::nullopt) << host;
  }
}

TEST(HostnameExfiltration, AnEncodedChunkInALabelIsRefusedWithoutQuotingIt) {
  const std::string base32 = "mzxw6ytboi2gk3tfnzsxg5lsmnzgk5dtmv2gk3tunf2gk3dpnrsxeylt";
  const auto why = kDefault.refusal(base32 + ".attacker.example");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("subdomain entropy: label 1 (56 characters) below attacker.example has"),
            std::string::npos)
      << *why;
  EXPECT_EQ(why->find(base32), std::string::npos) << "the reason quotes the data";
  // base64url, shorter
  EXPECT_TRUE(kDefault.refusal("kx7Qm2pL9vRt4sWz8yNb-Q3.www.attacker.example"));
}

TEST(HostnameExfiltration, AChunkSplitOverShortLabelsIsRefused) {
  const auto why = kDefault.refusal("kx7qm2pl.9vrt4swz.8ynbq3ab.attacker.example");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("the 3 labels below attacker.example (24 characters)"), std::string::npos)
      << *why;
}

TEST(HostnameExfiltration, ARunOfHexDigitsIsRefusedThoughItsEntropyIsLow) {
  const std::string hex =
      "3f2a9c0d1e8b7a6f5c4d3e2f1a0b9c8d7e6f5a4b";  // 40 digits, at most 4 bits each
  const auto why = kDefault.refusal(hex + ".attacker.example");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("is a run of hex digits"), std::string::npos) << *why;
  EXPECT_EQ(kDefault.refusal(hex.substr(0, 31) + ".attacker.example"), std::nullopt);
}

TEST(HostnameExfiltration, TheRegistrableDomainItselfIsNotJudged) {
  // Under a public suffix the customer's label is the domain: whoever made it
  // up registered it, and it says nothing new at each request.
  EXPECT_EQ(kDefault.refusal("mzxw6ytboi2gk3tfnzsxg5lsmnzgk5dtmv2gk3tunf2gk3dp.github.io"),
            std::nullopt);
}

TEST(HostnameExfiltration, ExclusionsAndAThresholdOfZeroTurnItOff) {
  const std::string host = "mzxw6ytboi2gk3tfnzsxg5lsmnzgk5dtmv2gk3tunf2gk3dp.cdn.example";
  EXPECT_TRUE(kDefault.refusal(host));
  EXPECT_EQ(HostnameExfiltrationCheck(4.0, {"*.cdn.example"}).refusal(host), std::nullopt);
  EXPECT_EQ(HostnameExfiltrationCheck(0, {}).refusal(host), std::nullopt);
  EXPECT_TRUE(HostnameExfiltrationCheck(4.0, {"cdn.example"}).refusal(host))
      << "an exact entry covers only that name";
}

TEST(HostnameExfiltration, TheRedactedFormKeepsTheDomainAndTheLengths) {
  EXPECT_EQ(HostnameExfiltrationCheck::redacted("kx7qm2pl.9vrt4swz.attacker.example"),
            "<8 chars>.<8 chars>.attacker.example");
  EXPECT_EQ(HostnameExfiltrationCheck::redacted("attacker.example"), "attacker.example");
}

}  // namespace
