#include "ssrf_policy.hpp"

#include <gtest/gtest.h>

using namespace pipelock;

namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress{});
}

Cidr cidr(const char* text) { return *Cidr::parse(text, nullptr); }

}  // namespace

// One row per range the issue names, IPv4 and IPv6, and the mapped forms.
TEST(SsrfPolicy, RefusesEveryInternalRange) {
  const SsrfPolicy policy(SsrfPolicy::default_blocked(), {});
  for (const char* a : {"127.0.0.1",
                        "127.255.255.254",  // loopback
                        "10.0.0.1",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.168.1.1",  // private
                        "169.254.169.254",
                        "169.254.0.1",  // link-local, the metadata address
                        "100.64.0.1",   // carrier-grade NAT
                        "224.0.0.1",
                        "239.255.255.255",  // multicast
                        "0.0.0.0",
                        "0.1.2.3",  // unspecified, "this network"
                        "255.255.255.255",
                        "240.0.0.1",  // broadcast, reserved
                        "::1",
                        "::",  // IPv6 loopback, unspecified
                        "fc00::1",
                        "fd12:3456::1",  // unique-local
                        "fe80::1",       // link-local
                        "ff02::1",       // multicast
                        "::ffff:127.0.0.1",
                        "::ffff:169.254.169.254",
                        "::ffff:10.1.2.3",  // mapped
                        "::ffff:0.0.0.0",
                        "::ffff:224.0.0.1"}) {
    EXPECT_TRUE(policy.refusal(ip(a))) << a << " should be refused";
  }
}

TEST(SsrfPolicy, LetsPublicAddressesThrough) {
  const SsrfPolicy policy(SsrfPolicy::default_blocked(), {});
  for (const char* a : {"1.1.1.1", "8.8.8.8", "172.15.255.255", "172.32.0.1", "192.169.0.1",
                        "100.63.255.255", "100.128.0.1", "169.253.255.255", "223.255.255.255",
                        "2606:4700::1111", "2001:db8::1", "::ffff:8.8.8.8", "fbff::1", "fec0::1"}) {
    EXPECT_FALSE(policy.refusal(ip(a))) << a << " should pass";
  }
}

TEST(SsrfPolicy, TheAllowlistedSubnetIsExemptAndNothingElse) {
  const SsrfPolicy policy(SsrfPolicy::default_blocked(), {cidr("172.30.5.0/24")});
  EXPECT_FALSE(policy.refusal(ip("172.30.5.7")));
  EXPECT_FALSE(policy.refusal(ip("::ffff:172.30.5.7"))) << "mapped form of an allowed address";
  EXPECT_TRUE(policy.refusal(ip("172.30.6.1")));
  EXPECT_TRUE(policy.refusal(ip("169.254.169.254")));
  const auto why = policy.refusal(ip("::ffff:169.254.169.254"));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("169.254.0.0/16"), std::string::npos) << *why;
}

TEST(Cidr, InsistsOnTheCanonicalForm) {
  std::string problem;
  EXPECT_FALSE(Cidr::parse("10.0.0.1/8", &problem));
  EXPECT_EQ(problem, "'10.0.0.1/8' has host bits set (write 10.0.0.0/8)");
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33", &problem));
  EXPECT_FALSE(Cidr::parse("fd00::1/8", &problem));
  EXPECT_FALSE(Cidr::parse("example.com", &problem));
  EXPECT_TRUE(Cidr::parse("fd00::/8", &problem));
  EXPECT_EQ(Cidr::parse("10.1.2.3", &problem)->prefix, 32) << "a bare address is a /32";
}

TEST(EmbeddedIpv4, EveryTransitionFormYieldsTheIpv4Inside) {
  auto inside = [](const char* v6) {
    std::vector<std::string> out;
    for (const auto& a : pipelock::IpAddress::parse(v6)->embedded_ipv4())
      out.push_back(a.to_string());
    return out;
  };
  EXPECT_EQ(inside("::ffff:10.1.2.3"), std::vector<std::string>{"10.1.2.3"});
  EXPECT_EQ(inside("::127.0.0.1"), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(inside("64:ff9b::7f00:1"), std::vector<std::string>{"127.0.0.1"});
  // RFC 6052 /48: octets 6-7, then the reserved octet 8, then octets 9-10.
  EXPECT_EQ(inside("64:ff9b:1:7f00:0:100::"), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(inside("2002:a9fe:a9fe::1"), std::vector<std::string>{"169.254.169.254"});
  // Teredo: the server's address, and the client's, stored inverted.
  EXPECT_EQ(inside("2001:0:102:304::80ff:fffe"),
            (std::vector<std::string>{"1.2.3.4", "127.0.0.1"}));
  EXPECT_TRUE(inside("2001:db8::1").empty());
  EXPECT_TRUE(inside("2606:4700::1111").empty());
}

TEST(SsrfFloor, NoInternalListRemovesLoopbackUnspecifiedOrLinkLocal) {
  pipelock::SsrfPolicy none({}, {});
  for (const char* a : {"127.0.0.1", "0.0.0.0", "169.254.169.254", "::1", "::", "fe80::1",
                        "64:ff9b::7f00:1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(none.refusal(*pipelock::IpAddress::parse(a))) << a;
  }
  EXPECT_FALSE(none.refusal(*pipelock::IpAddress::parse("10.0.0.1")));  // internal: [] says so
  pipelock::SsrfPolicy exempt({}, {*pipelock::Cidr::parse("127.0.0.1/32", nullptr)});
  EXPECT_FALSE(exempt.refusal(*pipelock::IpAddress::parse("127.0.0.1")));
}
