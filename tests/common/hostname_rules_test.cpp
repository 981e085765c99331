#include "bottle/config/hostname_rules.hpp"

#include <gtest/gtest.h>

#include "bottle/config/config_error.hpp"

using namespace bottle::config;

TEST(HostnameRules, AcceptsPlainNamesWildcardsAndPunycode) {
  for (const char* host : {"example.com", "a-b_c.example.com", "*.github.com", "xn--bcher-kva.de",
                           "localhost", "example.com.", "10.0.0.1"}) {
    EXPECT_FALSE(hostname_problem(host, Wildcards::kAllowed)) << host;
  }
}

TEST(HostnameRules, RefusesWhatIsNotAHostnameAndSaysWhy) {
  EXPECT_EQ(*hostname_problem("", Wildcards::kAllowed), "is empty");
  EXPECT_NE(hostname_problem("exa mple.com", Wildcards::kAllowed)->find("' '"), std::string::npos);
  EXPECT_NE(hostname_problem("example.com/path", Wildcards::kAllowed)->find("'/'"),
            std::string::npos);
  EXPECT_NE(hostname_problem("b\xc3\xbc"
                             "cher.de",
                             Wildcards::kAllowed)
                ->find("punycode"),
            std::string::npos);
  EXPECT_TRUE(hostname_problem("a..b", Wildcards::kAllowed));
  EXPECT_TRUE(hostname_problem(".a.b", Wildcards::kAllowed));
  EXPECT_TRUE(hostname_problem("*.", Wildcards::kAllowed));
  EXPECT_TRUE(hostname_problem("a.*.com", Wildcards::kAllowed));
  EXPECT_TRUE(hostname_problem(std::string(64, 'a') + ".com", Wildcards::kAllowed));
  EXPECT_TRUE(hostname_problem(std::string(254, 'a'), Wildcards::kAllowed));
}

TEST(HostnameRules, WildcardsOnlyWhereAllowed) {
  EXPECT_FALSE(hostname_problem("*.example.com", Wildcards::kAllowed));
  EXPECT_NE(hostname_problem("*.example.com", Wildcards::kRefused)->find("wildcard"),
            std::string::npos);
}

TEST(HostnameRules, NormalFormIsLowerCaseWithoutTrailingDot) {
  EXPECT_EQ(normalize_hostname("API.Example.COM."), "api.example.com");
  EXPECT_EQ(normalize_hostname("*.Example.com"), "*.example.com");
}

TEST(HostLines, IgnoresCommentsAndBlanksAndDropsDuplicates) {
  auto hosts = parse_host_lines("# allowed hosts\n\n  a.com  \nB.com # why\na.com\n", "list");
  EXPECT_EQ(hosts, (std::vector<std::string>{"a.com", "b.com"}));
}

TEST(HostLines, BadLineNamesSourceLineAndValue) {
  try {
    parse_host_lines("a.com\n# ok\nhttps://b.com\n", "hosts.txt");
    FAIL() << "accepted a URL as a host";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("hosts.txt:3: 'https://b.com' has the character ':'", 0),
              0u)
        << e.what();
  }
}
