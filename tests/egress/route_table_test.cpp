#include "route_table.hpp"

#include <gtest/gtest.h>

#include "bottle/config/config_error.hpp"

using namespace egress;

namespace {

const TokenStore kTokens({{"T", "tok"}, {"U", "other"}});

RouteTable table(const std::string& routes) {
  return RouteTable::parse("routes:\n" + routes, "routes.yaml", kTokens);
}

std::string error_of(const std::string& text) {
  try {
    RouteTable::parse(text, "routes.yaml", kTokens);
  } catch (const bottle::config::ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string matched(const RouteTable& t, const std::string& host, const std::string& path) {
  const auto* r = t.match(host, path);
  return r ? r->upstream : "none";
}

}  // namespace

TEST(RouteTable, TheLongestPrefixOnASegmentBoundaryWins) {
  const auto t = table(
      "  - {host: a.com, upstream: 'https://all', token_env: T}\n"
      "  - {host: a.com, path_prefix: /repos/me, upstream: 'https://mine', token_env: T}\n"
      "  - {host: a.com, path_prefix: /repos/me/x/, upstream: 'https://x', token_env: U}\n");
  EXPECT_EQ(matched(t, "a.com", "/repos/me"), "https://mine");
  EXPECT_EQ(matched(t, "a.com", "/repos/me/y"), "https://mine");
  EXPECT_EQ(matched(t, "a.com", "/repos/meow"), "https://all");
  EXPECT_EQ(matched(t, "a.com", "/repos/me/x/z"), "https://x");
  EXPECT_EQ(matched(t, "a.com", "/repos/me/x"), "https://mine");
  EXPECT_EQ(matched(t, "b.com", "/"), "none");
}

TEST(RouteTable, WithoutACatchAllOnlyThePrefixIsServed) {
  const auto t =
      table("  - {host: a.com, path_prefix: /v1/, upstream: 'https://a', token_env: T}\n");
  EXPECT_EQ(matched(t, "a.com", "/v1/x"), "https://a");
  EXPECT_EQ(matched(t, "a.com", "/v2/x"), "none");
  EXPECT_EQ(matched(t, "a.com", "/v1"), "none");
}

TEST(RouteTable, ARouteWhoseTokenEgressLacksIsAnErrorAtItsLine) {
  EXPECT_EQ(error_of("routes:\n  - {host: a.com, upstream: 'https://a', token_env: T}\n"
                     "  - {host: b.com, upstream: 'https://b',\n     token_env: MISSING}\n"),
            "routes.yaml:4: route 2: key 'token_env': egress was given no token for 'MISSING' "
            "(BOTTLE_TOKEN_MISSING is not set); start the bottle with MISSING in the host's "
            "environment");
}

TEST(RouteTable, UnknownKeysAndBrokenYamlAreErrors) {
  EXPECT_EQ(error_of("routes: []\nroutse: []\n"),
            "routes.yaml:2: key 'routse': unknown key (known: routes)");
  EXPECT_NE(error_of("routes:\n  - {host: a.com, upstream: 'https://a', token_env: T, hedaer: X}\n")
                .find("key 'hedaer': unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("routes: [\n").find("routes.yaml:"), std::string::npos);
  EXPECT_EQ(error_of("{}\n"), "routes.yaml:1: key 'routes': is missing");
  EXPECT_EQ(error_of("routes: []\n"), "");
}
