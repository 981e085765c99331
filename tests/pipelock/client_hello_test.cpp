#include "client_hello.hpp"

#include <gtest/gtest.h>

#include <cstdint>

using pipelock::ClientHelloReader;
using State = ClientHelloReader::State;

namespace {

std::string u16(std::size_t v) {
  return {static_cast<char>((v >> 8) & 0xff), static_cast<char>(v & 0xff)};
}
std::string u24(std::size_t v) {
  return {static_cast<char>((v >> 16) & 0xff), static_cast<char>((v >> 8) & 0xff),
          static_cast<char>(v & 0xff)};
}

std::string sni_extension(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& n : names) list += std::string(1, '\0') + u16(n.size()) + n;
  const std::string data = u16(list.size()) + list;
  return u16(0) + u16(data.size()) + data;
}

// A ClientHello with the given extensions, in records of at most `record` bytes.
std::string client_hello(const std::string& extensions, std::size_t record = 16384) {
  std::string body = "\x03\x03" + std::string(32, 'r');  // version, random
  body += std::string(1, '\0');                          // no session id
  body += u16(2) + "\x13\x01";                           // one cipher suite
  body += std::string("\x01\x00", 2);                    // null compression
  if (!extensions.empty()) body += u16(extensions.size()) + extensions;
  const std::string handshake = "\x01" + u24(body.size()) + body;
  std::string out;
  for (std::size_t at = 0; at < handshake.size(); at += record) {
    const std::string piece = handshake.substr(at, record);
    out += "\x16\x03\x01" + u16(piece.size()) + piece;
  }
  return out;
}

}  // namespace

TEST(ClientHello, ReadsTheServerNameHoweverTheBytesAreSplit) {
  const std::string hello = client_hello(sni_extension({"Allowed.Test"}) + u16(10) + u16(0), 50);
  for (std::size_t split = 1; split < hello.size(); ++split) {
    ClientHelloReader r;
    EXPECT_EQ(r.feed(hello.substr(0, split)), State::need_more) << split;
    EXPECT_EQ(r.feed(hello.substr(split)), State::done) << split;
    ASSERT_TRUE(r.server_name());
    EXPECT_EQ(*r.server_name(), "allowed.test");
  }
  ClientHelloReader one_by_one;
  for (char c : hello) one_by_one.feed(std::string(1, c));
  EXPECT_EQ(one_by_one.state(), State::done);
}

TEST(ClientHello, AHelloWithoutExtensionsOrWithoutSniNamesNothing) {
  ClientHelloReader none;
  EXPECT_EQ(none.feed(client_hello("")), State::done);
  EXPECT_FALSE(none.server_name());
  ClientHelloReader other;
  EXPECT_EQ(other.feed(client_hello(u16(10) + u16(0))), State::done);
  EXPECT_FALSE(other.server_name());
}

TEST(ClientHello, WhatIsNotTlsIsSaidAtTheFirstByte) {
  ClientHelloReader r;
  EXPECT_EQ(r.feed("GET / HTTP/1.1\r\n"), State::not_tls);
  ClientHelloReader ssh;
  EXPECT_EQ(ssh.feed("SSH-2.0-OpenSSH\r\n"), State::not_tls);
}

TEST(ClientHello, AmbiguousOrBrokenHellosAreMalformed) {
  auto state_of = [](const std::string& bytes) {
    ClientHelloReader r;
    return r.feed(bytes);
  };
  // Two names, two server_name extensions, a name that is not a hostname.
  EXPECT_EQ(state_of(client_hello(sni_extension({"a.test", "b.test"}))), State::malformed);
  EXPECT_EQ(state_of(client_hello(sni_extension({"a.test"}) + sni_extension({"b.test"}))),
            State::malformed);
  EXPECT_EQ(state_of(client_hello(sni_extension({std::string("a.test\0evil", 11)}))),
            State::malformed);
  EXPECT_EQ(state_of(client_hello(sni_extension({"a.test."}))), State::malformed);
  // Lengths that run past what is there.
  std::string hello = client_hello(sni_extension({"a.test"}));
  std::string lying = hello;
  lying[lying.size() - 8] = '\x7f';  // the name's length
  EXPECT_NE(state_of(lying), State::done);
  EXPECT_EQ(state_of(std::string("\x16\x03\x01\x00\x00", 5)), State::malformed);  // empty record
  EXPECT_EQ(state_of(std::string("\x16\x03\x01\x7f\xff", 5)), State::malformed);  // too long
  // A handshake that is not a ClientHello.
  std::string server_hello = hello;
  server_hello[5] = '\x02';
  EXPECT_EQ(state_of(server_hello), State::malformed);
}

TEST(ClientHello, RecordsAfterACompleteHelloAreNotPartOfIt) {
  // TLS 1.3's middlebox-compatibility ChangeCipherSpec, or 0-RTT data, may
  // follow the ClientHello in the same read: the hello is read as it is.
  const std::string hello = client_hello(sni_extension({"a.test"}));
  const std::string ccs("\x14\x03\x03\x00\x01\x01", 6);
  ClientHelloReader r;
  ASSERT_EQ(r.feed(hello + ccs + "\x17\x03\x03\x00\x02xy"), State::done);
  EXPECT_EQ(r.server_name(), "a.test");
  // Inside a hello that is not complete, such a record is still refused.
  ClientHelloReader split;
  const std::string first = client_hello(sni_extension({"a.test"}), 20).substr(0, 25);
  EXPECT_EQ(split.feed(first + ccs), State::malformed);
}

TEST(ClientHello, ARecordHeaderAloneAsksForMore) {
  ClientHelloReader r;
  EXPECT_EQ(r.feed(std::string("\x16\x03\x01\x00\x40", 5)), State::need_more);
  EXPECT_EQ(r.feed(std::string(10, 'x')), State::need_more);
}
