#include "allowlist_matcher.hpp"

#include <gtest/gtest.h>

using pipelock::AllowlistMatcher;

TEST(AllowlistMatcher, ExactNamesMatchOnlyThemselves) {
  AllowlistMatcher m({"api.github.com"});
  EXPECT_TRUE(m.allows("api.github.com"));
  EXPECT_TRUE(m.allows("API.GitHub.COM"));
  EXPECT_TRUE(m.allows("api.github.com."));
  EXPECT_FALSE(m.allows("github.com"));
  EXPECT_FALSE(m.allows("x.api.github.com"));
  EXPECT_FALSE(m.allows("api.github.com.evil.com"));
}

TEST(AllowlistMatcher, AWildcardMatchesTheApexAndEverySubdomain) {
  AllowlistMatcher m({"*.Example.com"});
  EXPECT_TRUE(m.allows("example.com"));
  EXPECT_TRUE(m.allows("a.example.com"));
  EXPECT_TRUE(m.allows("a.b.example.com."));
  EXPECT_FALSE(m.allows("badexample.com"));
  EXPECT_FALSE(m.allows("example.com.evil.net"));
  EXPECT_FALSE(m.allows("com"));
}

TEST(AllowlistMatcher, IdnsAreMatchedInPunycode) {
  AllowlistMatcher m({"xn--bcher-kva.example"});
  EXPECT_TRUE(m.allows("XN--BCHER-KVA.example"));
  EXPECT_FALSE(
      m.allows("b\xc3\xbc"
               "cher.example"));
}

TEST(AllowlistMatcher, AnEmptyListAllowsNothing) {
  AllowlistMatcher m({});
  EXPECT_FALSE(m.allows("example.com"));
  EXPECT_FALSE(m.allows(""));
}
