#include "routes_document.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "bottle/config/config_error.hpp"

using namespace host_tools;
using bottle::config::Route;

namespace {

Route route(const std::string& host, const std::string& prefix = "/") {
  Route r;
  r.host = host;
  r.path_prefix = prefix;
  r.upstream = "https://" + host;
  r.token_env = "TOKEN";
  return r;
}

const char* kLive =
    "egress_option: 3\n"
    "routes:\n"
    "  - host: a.com\n    upstream: https://a.com\n    token_env: TOKEN\n    retries: 2\n"
    "  - host: b.com\n    upstream: https://b.com\n    token_env: TOKEN\n";

}  // namespace

TEST(RoutesDocument, RenderThenParseGivesBackEveryRoute) {
  Route custom = route("gitlab.com", "/api");
  custom.header = "PRIVATE-TOKEN";
  custom.value = "{token}";
  const std::vector<Route> routes = {route("a.com"), custom};
  EXPECT_EQ(RoutesDocument::parse(render_routes_config(routes), "r").routes(), routes);
  EXPECT_EQ(parse_routes_text(render_routes_list(routes), "r"), routes);
  EXPECT_TRUE(RoutesDocument::parse(render_routes_config({}), "r").routes().empty());
}

TEST(RoutesDocument, AddAndRemoveKeepUnknownKeysEverywhere) {
  auto doc = RoutesDocument::parse(kLive, "routes.yaml");
  doc.add(route("c.com"));
  doc.remove("b.com", std::nullopt);
  const YAML::Node after = YAML::Load(doc.render());
  EXPECT_EQ(after["egress_option"].as<int>(), 3);
  ASSERT_EQ(after["routes"].size(), 2u);
  EXPECT_EQ(after["routes"][0]["retries"].as<int>(), 2);
  EXPECT_EQ(after["routes"][1]["host"].as<std::string>(), "c.com");
}

TEST(RoutesDocument, SetKeepsUnknownKeysOfRoutesThatStay) {
  auto doc = RoutesDocument::parse(kLive, "routes.yaml");
  Route a = route("a.com");
  a.upstream = "https://mirror.a.com";
  doc.set({a});
  const YAML::Node after = YAML::Load(doc.render());
  ASSERT_EQ(after["routes"].size(), 1u);
  EXPECT_EQ(after["routes"][0]["retries"].as<int>(), 2);
  EXPECT_EQ(after["routes"][0]["upstream"].as<std::string>(), "https://mirror.a.com");
}

TEST(RoutesDocument, DuplicateAddAndMissingRemoveAreRefused) {
  auto doc = RoutesDocument::parse(kLive, "routes.yaml");
  EXPECT_THROW(doc.add(route("a.com")), bottle::config::ConfigError);
  EXPECT_NO_THROW(doc.add(route("a.com", "/v2")));
  EXPECT_THROW(doc.remove("z.com", std::nullopt), bottle::config::ConfigError);
  EXPECT_THROW(doc.remove("a.com", std::string("/v3")), bottle::config::ConfigError);
  doc.remove("a.com", std::string("/v2"));
  EXPECT_EQ(doc.routes().size(), 2u);
}

TEST(RoutesDocument, OperatorInputIsAListOrARoutesMappingAndStrict) {
  EXPECT_EQ(parse_routes_text(
                "routes:\n  - {host: a.com, upstream: 'https://a.com', token_env: T}\n", "in")
                .size(),
            1u);
  EXPECT_TRUE(parse_routes_text("", "in").empty());
  EXPECT_THROW(parse_routes_text("other: 1\n", "in"), bottle::config::ConfigError);
  EXPECT_THROW(
      parse_routes_text("- {host: a.com, upstream: 'https://a.com', token_env: T, x: 1}", "in"),
      bottle::config::ConfigError);
}

// Found by fuzz_live_configs: yaml-cpp read a value's byte that is not UTF-8
// as it was and its emitter wrote U+FFFD back, so the next edit of the file
// changed a route's header value. Every YAML file is refused such bytes,
// naming where (the one loader every part uses).
TEST(RoutesDocument, BytesThatAreNotUtf8AreRefusedNamingLineAndColumn) {
  const std::string text =
      "routes:\n  - host: a.com\n    upstream: https://a.com\n    value: \"Bearer \xe7k {token}\"\n"
      "    token_env: TOKEN\n";
  try {
    RoutesDocument::parse(text, "routes.yaml");
    FAIL() << "accepted";
  } catch (const bottle::config::ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "routes.yaml:4: not UTF-8 (byte 0xE7 at column 20); YAML files are read as UTF-8");
  }
  // Well-formed UTF-8 is kept, byte for byte, across an edit.
  const std::string accented =
      "routes:\n  - host: a.com\n    upstream: https://a.com\n    value: \"Bearer {token} é\"\n"
      "    token_env: TOKEN\n";
  auto doc = RoutesDocument::parse(accented, "routes.yaml");
  EXPECT_EQ(RoutesDocument::parse(doc.render(), "r").routes(), doc.routes());
  EXPECT_EQ(doc.routes()[0].value, "Bearer {token} é");
}
