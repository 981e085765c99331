// egress's reflection guard over a response body, coded or not.
#include "response_body.hpp"

#include <gtest/gtest.h>

#include "zlib_compress.hpp"

using namespace egress;
using bottle::http::BodyInflater;
using bottle_test::compressed;

namespace {

const std::string kText = [] {
  std::string t;
  for (int i = 0; i < 2000; ++i) t += "line " + std::to_string(i) + " of a response body\n";
  return t;
}();

TEST(ResponseBody, AGzippedBodyIsDecodedAndTheTokenReplacedAcrossPieces) {
  const std::string token = "svc-9f8e7d6c5b4a-secret";
  const ReflectionPatterns patterns(token);
  const std::string plain = "{\"echo\": \"" + token + "\"}\n" + kText;
  const std::string gz = compressed(plain, 31);
  ResponseBody body(patterns, BodyInflater::Coding::kGzip);
  std::string out;
  for (std::size_t at = 0; at < gz.size(); at += 5) {
    ASSERT_TRUE(body.take(std::string_view(gz).substr(at, 5), out, 1024));
    while (body.backlogged()) ASSERT_TRUE(body.resume(out, 1024));
  }
  ASSERT_TRUE(body.finish(out));
  EXPECT_EQ(out, "{\"echo\": \"" + std::string(token.size(), '*') + "\"}\n" + kText);
  EXPECT_EQ(body.matcher().replaced(), 1u);
}

TEST(ResponseBody, APlainBodyPassesThroughTheGuardAlone) {
  const ReflectionPatterns patterns("svc-9f8e7d6c5b4a-secret");
  ResponseBody body(patterns, std::nullopt);
  std::string out;
  ASSERT_TRUE(body.take("nothing to see", out, 1));
  EXPECT_FALSE(body.backlogged());
  ASSERT_TRUE(body.finish(out));
  EXPECT_EQ(out, "nothing to see");
}

}  // namespace
