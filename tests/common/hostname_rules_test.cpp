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

// The stricter rule for hosts an agent proposes; hostname_problem above keeps
// accepting all of these for the operator's own edits.
TEST(PublicSiteRules, PublicSuffixesAndWildcardsDirectlyOverThemAreRefused) {
  for (const char* host : {"com", "co.uk", "*.com", "*.co.uk", "github.io", "*.github.io",
                           "*.s3.amazonaws.com", "foo.ck", "*.foo.ck", "COM."}) {
    ASSERT_FALSE(hostname_problem(host, Wildcards::kAllowed)) << host;
    const auto problem = public_site_problem(host);
    ASSERT_TRUE(problem) << host;
    EXPECT_NE(problem->find("public suffix"), std::string::npos) << host << ": " << *problem;
  }
  EXPECT_NE(public_site_problem("*.co.uk")->find("every name anyone registers under co.uk"),
            std::string::npos);
}

TEST(PublicSiteRules, IpLiteralsInEveryIpv4SpellingAreRefused) {
  for (const char* host : {"0.0.0.0", "169.254.169.254", "10.0.0.1", "127.1", "0x7f.0.0.1",
                           "0177.0.0.1", "2130706433", "1.0x7f", "*.10.0.0.1"}) {
    const auto problem = public_site_problem(host);
    ASSERT_TRUE(problem) << host;
    EXPECT_NE(problem->find("IP address"), std::string::npos) << host << ": " << *problem;
  }
}

TEST(PublicSiteRules, InternalNamesAreRefused) {
  for (const char* host :
       {"localhost", "api.localhost", "printer.local", "*.internal", "metadata.google.internal",
        "host.docker.internal", "wiki.corp", "x.home.arpa", "1.0.0.127.in-addr.arpa", "intranet",
        "supervise", "pipelock"}) {
    const auto problem = public_site_problem(host);
    ASSERT_TRUE(problem) << host;
    EXPECT_TRUE(problem->find("internal") != std::string::npos ||
                problem->find("single label") != std::string::npos)
        << host << ": " << *problem;
  }
}

TEST(PublicSiteRules, OnePublicSiteOrTheNamesUnderOneIsAccepted) {
  for (const char* host :
       {"pypi.org", "*.pythonhosted.org", "api.github.com", "github.com",
        "raw.githubusercontent.com", "user.github.io", "*.user.github.io", "bbc.co.uk",
        "*.bbc.co.uk", "www.ck", "xn--bcher-kva.de", "API.GitHub.com."}) {
    EXPECT_FALSE(public_site_problem(host)) << host << ": " << *public_site_problem(host);
  }
}

TEST(HostnameRules, TheOperatorsOwnRulesAreUnchangedByThePublicSiteRule) {
  for (const char* host : {"localhost", "10.0.0.1", "*.com", "co.uk", "printer.local"}) {
    EXPECT_FALSE(hostname_problem(host, Wildcards::kAllowed)) << host;
  }
  EXPECT_EQ(parse_host_lines("localhost\n*.com\n", "hosts"),
            (std::vector<std::string>{"localhost", "*.com"}));
}
