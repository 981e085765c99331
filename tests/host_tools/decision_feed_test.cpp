// What the dashboard makes of the bundle's log lines: every daemon's
// decision read, everything an agent shaped escaped, what does not parse
// counted and never shown.
#include "decision_feed.hpp"

#include <gtest/gtest.h>

#include <string>

using host_tools::DecisionFeed;
using host_tools::FeedEntry;
using host_tools::FeedLine;
using host_tools::read_feed_line;

namespace {

const std::string kStamp = "2026-12-02T04:00:05.123456789Z ";

TEST(DecisionFeed, PipelocksBlockIsABlockWithItsHostAndReason) {
  const auto l = read_feed_line(
      kStamp +
      R"(pipelock: {"decision":"block","method":"CONNECT","host":"evil.test","port":8443,"reason":"domain not in allowlist"})");
  ASSERT_EQ(l.what, FeedLine::What::decision);
  EXPECT_EQ(l.entry.kind, FeedEntry::Kind::block);
  EXPECT_EQ(l.entry.host, "evil.test");
  EXPECT_EQ(l.entry.time, "04:00:05");
  EXPECT_EQ(l.entry.text, "block CONNECT evil.test:8443 - domain not in allowlist");
}

TEST(DecisionFeed, GitGatesLinePerPushNamesRefsRulesAndFindings) {
  const auto l = read_feed_line(
      kStamp +
      R"(git-gate: {"time":"x","event":"push","repository":"app","refs":[{"ref":"refs/heads/main","old":"a","new":"b","change":"update"}],"ref_count":1,"decision":"block","reason":"secrets found","rules":["aws-access-token"],"findings":2,"objects":3,"bytes_scanned":10})");
  ASSERT_EQ(l.what, FeedLine::What::decision);
  EXPECT_EQ(l.entry.kind, FeedEntry::Kind::block);
  EXPECT_EQ(l.entry.text,
            "push block app refs/heads/main rules aws-access-token (2 findings) - secrets found");
}

TEST(DecisionFeed, WhatTheAgentShapedIsEscaped) {
  const auto l = read_feed_line(
      kStamp + R"(pipelock: {"decision":"block","host":"e.test\u001b[2J","reason":"\u202eevil"})");
  ASSERT_EQ(l.what, FeedLine::What::decision);
  EXPECT_EQ(l.entry.text, "block  e.test\\x1b[2J - \\u202eevil");
  // The raw host is kept for an allowlist addition, which checks it again.
  EXPECT_EQ(l.entry.host, "e.test\x1b[2J");
}

TEST(DecisionFeed, ALineThatClaimsToBeADecisionAndDoesNotParseIsCountedNotShown) {
  DecisionFeed feed;
  feed.add(kStamp + "pipelock: {\"decision\":");
  feed.add(kStamp + "pipelock: " + std::string(100, '[') + std::string(100, ']'));
  feed.add(kStamp + "pipelock: 2026-12-02 info: listening");  // a log line, not a decision
  feed.add("garbage");
  feed.add(std::string("\xff\xfe", 2));
  EXPECT_TRUE(feed.entries().empty());
  EXPECT_EQ(feed.malformed(), 1u);
}

TEST(DecisionFeed, KeepsTheNewestUpToItsCapacity) {
  DecisionFeed feed(3);
  for (int i = 0; i < 5; ++i) {
    feed.add(kStamp + R"(pipelock: {"decision":"allow","host":"h)" + std::to_string(i) +
             R"(.test"})");
  }
  ASSERT_EQ(feed.entries().size(), 3u);
  EXPECT_EQ(feed.entries().front().host, "h2.test");
  EXPECT_EQ(feed.entries().back().host, "h4.test");
}

}  // namespace
