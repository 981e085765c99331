#include "proxy_settings.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace egress;

TEST(ProxySettings, HttpsProxyNamesTheConnectProxy) {
  const auto s = ProxySettings::parse("http://pipelock:8888/", "");
  const auto p = s.proxy_for("api.github.com");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "pipelock");
  EXPECT_EQ(p->port, 8888);
  EXPECT_EQ(ProxySettings::parse("pipelock:3128", "").proxy_for("a")->port, 3128);
  EXPECT_EQ(ProxySettings::parse("http://pipelock", "").proxy_for("a")->port, 80);
}

TEST(ProxySettings, NoProxyExemptsHostsAndTheirSubdomains) {
  const auto s =
      ProxySettings::parse("http://p:1", "localhost, .internal.test,*.corp,EXACT.example:443");
  EXPECT_FALSE(s.proxy_for("localhost"));
  EXPECT_FALSE(s.proxy_for("a.internal.test"));
  EXPECT_FALSE(s.proxy_for("internal.test"));
  EXPECT_FALSE(s.proxy_for("x.corp"));
  EXPECT_FALSE(s.proxy_for("exact.example"));
  EXPECT_TRUE(s.proxy_for("notinternal.test"));
  EXPECT_TRUE(s.proxy_for("api.github.com"));
  EXPECT_FALSE(ProxySettings::parse("http://p:1", "*").proxy_for("any"));
}

TEST(ProxySettings, WithoutHttpsProxyEverythingIsDirect) {
  EXPECT_FALSE(ProxySettings::parse("", "").proxy_for("api.github.com"));
  EXPECT_EQ(ProxySettings::parse("", "").describe(), "direct (no HTTPS_PROXY)");
}

TEST(ProxySettings, AProxyEgressCannotUseIsAnErrorNamingTheValue) {
  for (const char* bad : {"https://p:1", "socks5://p:1", "http://user:pw@p:1", "http://p:0",
                          "http://p:x", "http://"}) {
    try {
      ProxySettings::parse(bad, "");
      ADD_FAILURE() << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("HTTPS_PROXY='") + bad + "'"),
                std::string::npos)
          << e.what();
    }
  }
}
