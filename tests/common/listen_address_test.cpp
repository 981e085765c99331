#include "bottle/net/listen_address.hpp"

#include <gtest/gtest.h>

using bottle::net::parse_listen_address;

TEST(ListenAddress, TakesNumericIpv4AndBracketedIpv6Addresses) {
  std::string problem;
  auto a = parse_listen_address("0.0.0.0:8080", &problem);
  ASSERT_TRUE(a) << problem;
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 8080);
  a = parse_listen_address("[::1]:0", &problem);
  ASSERT_TRUE(a) << problem;
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 0);
  a = parse_listen_address("[::]:65535", &problem);
  ASSERT_TRUE(a) << problem;
  EXPECT_EQ(a->host, "::");
}

TEST(ListenAddress, RefusesEverythingElseSayingWhy) {
  for (const char* bad :
       {"8080", "localhost:8080", "::1:8080", "[127.0.0.1]:80", "1.2.3.4:", "1.2.3.4:65536",
        "1.2.3.4:80x", "1.2.3.4:+80", "1.2.3.4: 80", "1.2.3.4:-1", "01.2.3.4:80", "[::1]8080",
        ":80", "[]:80", "1.2.3.4:0080", "1.2.3.4:00"}) {
    std::string problem;
    EXPECT_FALSE(parse_listen_address(bad, &problem)) << bad;
    EXPECT_NE(problem.find("expected ADDRESS:PORT"), std::string::npos) << bad << ": " << problem;
  }
  std::string problem;
  EXPECT_FALSE(parse_listen_address(std::string_view("127.0.0.1\0junk:80", 17), &problem));
  parse_listen_address("::1:8080", &problem);
  EXPECT_NE(problem.find("brackets"), std::string::npos) << problem;
}
