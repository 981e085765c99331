#include "proxy_target.hpp"

#include <gtest/gtest.h>

using namespace pipelock;

TEST(ProxyTarget, ConnectTargetsNeedAPort) {
  std::string problem;
  auto t = parse_connect_target("API.github.com:443", &problem);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "api.github.com");
  EXPECT_EQ(t->port, 443);
  EXPECT_FALSE(t->ip_literal);
  auto v6 = parse_connect_target("[::ffff:169.254.169.254]:80", &problem);
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->ip_literal);
  EXPECT_EQ(v6->host, "::ffff:169.254.169.254");
  EXPECT_FALSE(parse_connect_target("example.com", &problem));
  EXPECT_FALSE(parse_connect_target("example.com:0", &problem));
  EXPECT_FALSE(parse_connect_target("example.com:99999", &problem));
  EXPECT_FALSE(parse_connect_target("exa mple.com:443", &problem));
  EXPECT_FALSE(parse_connect_target("*.example.com:443", &problem));
  EXPECT_FALSE(parse_connect_target("[::1:443", &problem));
}

TEST(ProxyTarget, AbsoluteUrisGiveHostPortAndOriginForm) {
  std::string problem;
  auto t = parse_absolute_uri("http://Example.com/a/b?c=d#frag", &problem);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "example.com");
  EXPECT_EQ(t->port, 80);
  EXPECT_EQ(t->origin_form, "/a/b?c=d");
  EXPECT_EQ(parse_absolute_uri("http://example.com:8080", &problem)->origin_form, "/");
  EXPECT_EQ(parse_absolute_uri("HTTP://example.com?x", &problem)->origin_form, "/?x");
  EXPECT_FALSE(parse_absolute_uri("/just/a/path", &problem));
  EXPECT_EQ(problem, "not a proxy request (no absolute URI)");
  EXPECT_FALSE(parse_absolute_uri("https://example.com/", &problem));
  EXPECT_FALSE(parse_absolute_uri("http://user:pw@example.com/", &problem));
  EXPECT_EQ(problem, "credentials in the URL");
}
