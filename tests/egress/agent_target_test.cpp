#include "agent_target.hpp"

#include <gtest/gtest.h>

#include "bottle/http/loggable_target.hpp"
#include "bottle/text/decoding.hpp"

using namespace egress;

namespace {

std::string problem_of(const std::string& target) {
  std::string problem;
  EXPECT_FALSE(parse_agent_target(target, &problem)) << target;
  return problem;
}

}  // namespace

TEST(AgentTarget, TheFirstSegmentNamesTheServiceAndTheRestIsItsPath) {
  std::string problem;
  auto t = parse_agent_target("/API.GitHub.com/repos/a/b?per_page=1&x", &problem);
  ASSERT_TRUE(t) << problem;
  EXPECT_EQ(t->host, "api.github.com");
  EXPECT_EQ(t->path, "/repos/a/b");
  EXPECT_EQ(t->query, "per_page=1&x");
  auto bare = parse_agent_target("/example.com", &problem);
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->path, "/");
}

TEST(AgentTarget, OtherShapesAreRefusedWithTheExpectedForm) {
  EXPECT_NE(problem_of("http://a.com/x").find("http://egress:8080/<host>/<path>"),
            std::string::npos);
  EXPECT_NE(problem_of("a.com:443").find("origin-form"), std::string::npos);
  EXPECT_NE(problem_of("//x").find("no host"), std::string::npos);
  EXPECT_NE(problem_of("/a_b!.com/x").find("'a_b!.com'"), std::string::npos);
}

TEST(AgentTarget, DotSegmentsAreRefusedInEverySpelling) {
  for (const char* t : {"/a.com/x/../y", "/a.com/..", "/a.com/./x", "/a.com/x/%2e%2e/y",
                        "/a.com/x/%2E%2e", "/a.com/x/.../y"}) {
    EXPECT_EQ(problem_of(t), "the path contains a '.' or '..' segment") << t;
  }
  // Spellings that hide a dot segment from a check but not from every
  // server are not in the canonical form, and are refused for that.
  for (const char* t : {"/a.com/x%2f..%2fy", "/a.com/x/%252e%252e/y", "/a.com/x\\..\\y",
                        "/a.com/x/%5c..%5cy", "/a.com/x/..;/y", "/a.com/x/..%00/y"}) {
    EXPECT_NE(problem_of(t), "") << t;
  }
  std::string problem;
  EXPECT_TRUE(parse_agent_target("/a.com/x/..y/.z", &problem)) << problem;
}

TEST(AgentTarget, ATargetIsForwardedExactlyAsItWasSent) {
  std::string problem;
  auto t = parse_agent_target("/a.com/%C3%A9/a%20b?q=a%2Fb&x", &problem);
  ASSERT_TRUE(t) << problem;
  EXPECT_EQ(t->path, "/%C3%A9/a%20b");
  EXPECT_EQ(t->query, "q=a%2Fb&x");
  EXPECT_FALSE(parse_agent_target("/a.com/x?", &problem));
  EXPECT_FALSE(parse_agent_target("/a.com/x#y", &problem));
  EXPECT_EQ(problem, "a fragment ('#') is not part of a request");
}

TEST(AgentTarget, TheLoggedPathHidesQueryValues) {
  std::string problem;
  auto t = parse_agent_target("/a.com/p?access_token=s3cret&flag&b=2", &problem);
  ASSERT_TRUE(t);
  // A parameter without "=" may be a bare token: replaced whole.
  EXPECT_EQ(loggable_path(*t), "/p?access_token=…&…&b=…");
}

TEST(AgentTarget, ATargetThatDidNotParseIsLoggedWithoutQueryValuesOrFragment) {
  EXPECT_EQ(bottle::http::loggable_target("/a.com/../x?access_token=s3cret&flag#token=s3cret"),
            "/a.com/../x?access_token=…&…#…");
  EXPECT_EQ(bottle::http::loggable_target("/a.com/\x1b[2J"), "/a.com/\\x1b[2J");
  EXPECT_EQ(bottle::http::loggable_target(std::string(500, 'a')).size(), 200u);
}

TEST(AgentTarget, PercentDecodingKeepsMalformedEscapes) {
  EXPECT_EQ(bottle::text::percent_decode("a%2Fb%zz%4"), "a/b%zz%4");
}
