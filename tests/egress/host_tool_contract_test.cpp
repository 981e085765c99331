#include <gtest/gtest.h>

#include "../../host_tools/routes_document.hpp"
#include "route_table.hpp"

// What the host tool writes as routes.yaml (at start, and after `bottle
// routes add`), egress reads as the same routes.
TEST(HostToolContract, EgressReadsTheRenderedRoutesAsMeant) {
  bottle::config::Route gh;
  gh.host = "github.com";
  gh.upstream = "https://github.com";
  gh.value = "Basic {token}";
  gh.token_env = "GH_BASIC";
  bottle::config::Route api;
  api.host = "api.example.com";
  api.path_prefix = "/v2/";
  api.upstream = "https://api.example.com:8443/base";
  api.header = "X-Api-Key";
  api.value = "{token}";
  api.token_env = "EXAMPLE_KEY";
  const std::string text = host_tools::render_routes_config({gh, api});
  const auto table = egress::RouteTable::parse(
      text, "rendered", egress::TokenStore({{"GH_BASIC", "a"}, {"EXAMPLE_KEY", "b"}}));
  ASSERT_EQ(table.routes().size(), 2u);
  EXPECT_EQ(table.routes()[0], gh);
  EXPECT_EQ(table.routes()[1], api);

  auto doc = host_tools::RoutesDocument::parse(text, "live");
  bottle::config::Route added = gh;
  added.host = "gitlab.com";
  added.upstream = "https://gitlab.com";
  doc.add(added);
  const auto after = egress::RouteTable::parse(
      doc.render(), "rendered", egress::TokenStore({{"GH_BASIC", "a"}, {"EXAMPLE_KEY", "b"}}));
  ASSERT_EQ(after.routes().size(), 3u);
  EXPECT_TRUE(after.match("gitlab.com", "/o/r.git/info/refs"));
}
