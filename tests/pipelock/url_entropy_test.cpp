// Encoded data in path segments and query values, judged by entropy; the
// URLs real tools fetch are not refused.
#include "url_entropy.hpp"

#include <gtest/gtest.h>

namespace {

using pipelock::UrlEntropyCheck;

const UrlEntropyCheck kDefault(5.0, {"presigned.example"});

TEST(UrlEntropy, OrdinaryUrlsPass) {
  for (const char* target : {
           "/assets/main.3f9a8b2c4d5e6f70.bundle.js",
           "/api/items/123e4567-e89b-12d3-a456-426614174000",
           "/lodash/-/lodash-4.17.21.tgz",
           "/typescript-eslint-parser/-/typescript-eslint-parser-6.7.4.tgz",
           "/v2/library/debian/blobs/"
           "sha256:3f2a9c0d1e8b7a6f5c4d3e2f1a0b9c8d7e6f5a4b3f2a9c0d1e8b7a6f5c4d3e2f",
           "/repos/o/r/git/commits/b742880cff8c4013afcba6fbdd3171c5fe7080c7",
           "/release?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
           "AKIAVCODYLSA53PQK4ZA%2F20231001%2Fus-east-1%2Fs3%2Faws4_request"
           "&X-Amz-Signature=3f2a9c0d1e8b7a6f5c4d3e2f1a0b9c8d7e6f5a4b3f2a9c0d1e8b7a6f5c4d3e2f"
           "&response-content-disposition=attachment%3B%20filename%3D"
           "ripgrep-14.1.0-x86_64-unknown-linux-musl.tar.gz",
           "/v1/messages?beta=true",
           "/search?q=how+to+configure+an+HTTPS_PROXY+for+npm+behind+a+corporate+firewall",
           "/@anthropic-ai%2fclaude-code",
       }) {
    EXPECT_EQ(kDefault.refusal("cdn.example", target), std::nullopt) << target;
  }
}

TEST(UrlEntropy, ALongRandomValueIsRefusedAndNamed) {
  const std::string blob = "Zx8Qm2pL9vRt4sWz8yNbK3cD7fG1hJ5kA0eB6iC2oU9qT4wX7rY1uE3nM5jH8gF0";
  auto why = kDefault.refusal("api.example", "/upload?d=" + blob);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("URL entropy: query value 'd' (64 characters) has "), std::string::npos)
      << *why;
  EXPECT_EQ(why->find(blob), std::string::npos) << "the reason quotes the data";
  why = kDefault.refusal("api.example", "/x/" + blob + "/y");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("path segment 2"), std::string::npos) << *why;
}

TEST(UrlEntropy, ExcludedHostsSkipTheQueryNotThePathAndZeroTurnsItOff) {
  const std::string blob = "Zx8Qm2pL9vRt4sWz8yNbK3cD7fG1hJ5kA0eB6iC2oU9qT4wX7rY1uE3nM5jH8gF0";
  EXPECT_EQ(kDefault.refusal("presigned.example", "/f?sig=" + blob), std::nullopt);
  EXPECT_TRUE(kDefault.refusal("presigned.example", "/" + blob));
  EXPECT_EQ(UrlEntropyCheck(0, {}).refusal("a.example", "/" + blob), std::nullopt);
}

}  // namespace
