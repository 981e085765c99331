#include "bottle/config/route.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "bottle/config/config_error.hpp"

using namespace bottle::config;

namespace {

std::string parse_error(const std::string& yaml, UnknownKeys unknown = UnknownKeys::kRefuse) {
  try {
    parse_routes(YamlContext("routes.yaml"), YAML::Load(yaml), unknown);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(RouteParsing, FillsDefaultsAndNormalisesHost) {
  auto routes =
      parse_routes(YamlContext("r"),
                   YAML::Load("- {host: API.GitHub.com, upstream: 'https://api.github.com',"
                              " token_env: GITHUB_TOKEN}"),
                   UnknownKeys::kRefuse);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].host, "api.github.com");
  EXPECT_EQ(routes[0].path_prefix, "/");
  EXPECT_EQ(routes[0].header, "Authorization");
  EXPECT_EQ(routes[0].value, "Bearer {token}");
  EXPECT_EQ(token_variable_in_bundle(routes[0].token_env), "BOTTLE_TOKEN_GITHUB_TOKEN");
}

TEST(RouteParsing, ErrorsNameFileLineRouteAndKey) {
  EXPECT_EQ(parse_error("- host: a.com\n  upstream: http://a.com\n  token_env: T\n"),
            "routes.yaml:2: route 1: key 'upstream': 'http://a.com' must start with https://");
  EXPECT_EQ(parse_error("- host: a.com\n  upstream: https://a.com\n  token_env: T\n  valeu: x\n"),
            "routes.yaml:4: route 1: key 'valeu': unknown key (known: header, host, methods, "
            "path_prefix, token_env, upstream, value)");
  EXPECT_EQ(parse_error("- {host: a.com, upstream: 'https://a.com', token_env: 1T}"),
            "routes.yaml:1: route 1: key 'token_env': '1T' is not an environment variable name "
            "([A-Za-z_][A-Za-z0-9_]*)");
  EXPECT_NE(parse_error("- {host: a.com, upstream: 'https://a.com', token_env: T, value: Bearer}")
                .find("{token} exactly once"),
            std::string::npos);
  EXPECT_NE(parse_error("- {host: a.com, upstream: 'https://a.com', token_env: T, header: 'X Y'}")
                .find("not a valid header name"),
            std::string::npos);
  EXPECT_NE(
      parse_error("- {host: '*.a.com', upstream: 'https://a.com', token_env: T}").find("wildcard"),
      std::string::npos);
  EXPECT_NE(parse_error("- {host: a.com, upstream: 'https://u@a.com', token_env: T}")
                .find("https://host[:port][/path]"),
            std::string::npos);
  EXPECT_NE(parse_error("- {host: a.com, upstream: 'https://a.com:99999', token_env: T}")
                .find("bad port"),
            std::string::npos);
  EXPECT_NE(parse_error("- {host: a.com, upstream: 'https://a.com', token_env: T}\n"
                        "- {host: A.com, upstream: 'https://b.com', token_env: U}")
                .find("repeats host and path_prefix 'a.com/'"),
            std::string::npos);
  EXPECT_NE(parse_error("- {host: a.com, token_env: T}").find("key 'upstream': is required"),
            std::string::npos);
}

TEST(RouteParsing, UnknownKeysAreKeptWhenAsked) {
  EXPECT_EQ(parse_error("- {host: a.com, upstream: 'https://a.com', token_env: T, timeout: 5}",
                        UnknownKeys::kKeep),
            "");
}

TEST(RouteParsing, ARouteForwardsTheDefaultMethodsUnlessItListsItsOwn) {
  const auto routes = parse_routes(
      YamlContext("r"),
      YAML::Load(
          "- {host: a.com, upstream: 'https://a.com', token_env: T}\n"
          "- {host: b.com, upstream: 'https://b.com', token_env: T, methods: [GET, HEAD]}\n"
          "- {host: c.com, upstream: 'https://c.com', token_env: T, methods: 'GET,PROPFIND'}\n"
          "- {host: d.com, upstream: 'https://d.com', token_env: T, methods: 'GET HEAD'}\n"),
      UnknownKeys::kRefuse);
  ASSERT_EQ(routes.size(), 4u);
  EXPECT_EQ(routes[0].methods,
            (std::vector<std::string>{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}));
  EXPECT_TRUE(routes[0].allows("PATCH"));
  EXPECT_FALSE(routes[0].allows("PROPFIND"));
  EXPECT_EQ(routes[1].methods, (std::vector<std::string>{"GET", "HEAD"}));
  EXPECT_FALSE(routes[1].allows("POST"));
  EXPECT_EQ(routes[2].methods, (std::vector<std::string>{"GET", "PROPFIND"}));
  EXPECT_EQ(routes[3].methods, (std::vector<std::string>{"GET", "HEAD"}));
  EXPECT_NE(routes[1].summary().find("methods GET, HEAD"), std::string::npos)
      << routes[1].summary();
  EXPECT_EQ(routes[0].summary().find("methods"), std::string::npos) << routes[0].summary();
}

TEST(RouteParsing, TraceTrackConnectAndMalformedMethodListsAreErrors) {
  const std::string route = "- {host: a.com, upstream: 'https://a.com', token_env: T, methods: ";
  EXPECT_EQ(parse_error(route + "[GET, TRACE]}"),
            "routes.yaml:1: route 1: key 'methods': 'TRACE' is never forwarded (TRACE and TRACK "
            "send the token back, CONNECT would open a tunnel past the route)");
  EXPECT_NE(parse_error(route + "[TRACK]}").find("'TRACK' is never forwarded"), std::string::npos);
  EXPECT_NE(parse_error(route + "CONNECT}").find("'CONNECT' is never forwarded"),
            std::string::npos);
  EXPECT_NE(parse_error(route + "[get]}").find("'get' is not a method name"), std::string::npos);
  EXPECT_NE(parse_error(route + "['GE T']}").find("'GE T' is not"), std::string::npos);
  EXPECT_NE(parse_error(route + "[]}").find("must name at least one method"), std::string::npos);
  EXPECT_NE(parse_error(route + "''}").find("must name at least one method"), std::string::npos);
  EXPECT_NE(parse_error(route + "[GET, GET]}").find("'GET' is listed twice"), std::string::npos);
  EXPECT_NE(parse_error(route + "{GET: 1}}").find("must be a list"), std::string::npos);
}

TEST(RouteParsing, StoringARouteWritesMethodsOnlyWhenTheyAreNotTheDefault) {
  Route r;
  r.host = "a.com";
  r.upstream = "https://a.com";
  r.token_env = "T";
  YAML::Node node(YAML::NodeType::Map);
  node["methods"] = "GET";  // left by an earlier version of the route
  store_route(r, node);
  EXPECT_FALSE(node["methods"]);
  r.methods = {"GET", "HEAD"};
  store_route(r, node);
  YAML::Emitter out;
  out << node;
  EXPECT_NE(std::string(out.c_str()).find("methods: [GET, HEAD]"), std::string::npos)
      << out.c_str();
  const Route back = parse_route(YamlContext("r"), YAML::Load(out.c_str()), UnknownKeys::kRefuse);
  EXPECT_EQ(back, r);
}
