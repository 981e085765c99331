#include "line_splitter.hpp"

#include <gtest/gtest.h>

using namespace supervisor;

namespace {
struct Collected {
  std::vector<std::string> lines;
  std::vector<bool> continued;
};
Collected split(std::size_t max, const std::vector<std::string>& chunks, bool finish = true) {
  Collected c;
  LineSplitter s(max, [&](std::string_view t, bool cont) {
    c.lines.emplace_back(t);
    c.continued.push_back(cont);
  });
  for (const auto& ch : chunks) s.feed(ch);
  if (finish) s.finish();
  return c;
}
}  // namespace

TEST(LineSplitter, JoinsLinesSplitAcrossReads) {
  auto c = split(100, {"hel", "lo\nwor", "ld\n"});
  EXPECT_EQ(c.lines, (std::vector<std::string>{"hello", "world"}));
}

TEST(LineSplitter, EmitsAPartialLastLineAtEndOfStream) {
  EXPECT_EQ(split(100, {"a\nno newline"}).lines, (std::vector<std::string>{"a", "no newline"}));
  EXPECT_EQ(split(100, {"a\nheld"}, false).lines, (std::vector<std::string>{"a"}));
}

TEST(LineSplitter, CutsOverlongLinesIntoMarkedPieces) {
  auto c = split(4, {"abcdefghij\nxy\n"});
  EXPECT_EQ(c.lines, (std::vector<std::string>{"abcd", "efgh", "ij", "xy"}));
  EXPECT_EQ(c.continued, (std::vector<bool>{false, true, true, false}));
}

TEST(LineSplitter, CutsOverlongLinesArrivingInSmallReads) {
  auto c = split(4, {"ab", "cd", "ef", "\n"});
  EXPECT_EQ(c.lines, (std::vector<std::string>{"abcd", "ef"}));
  EXPECT_EQ(c.continued, (std::vector<bool>{false, true}));
}

TEST(LineSplitter, StripsCarriageReturnsAndKeepsEmptyLines) {
  EXPECT_EQ(split(100, {"a\r\n\nb\n"}).lines, (std::vector<std::string>{"a", "", "b"}));
}

TEST(LineSplitter, HandsLinesOnRawForTheSinkToEscape) {
  EXPECT_EQ(split(100, {"\x1b[2J\xff\n"}).lines, (std::vector<std::string>{"\x1b[2J\xff"}));
}

TEST(LineSplitter, NeverCutsAPieceInsideACharacter) {
  // "é" is two bytes and would straddle the 4-byte cut.
  auto c = split(4, {"abc\xc3\xa9xyz\n"});
  EXPECT_EQ(c.lines, (std::vector<std::string>{"abc", "\xc3\xa9xy", "z"}));
  // Arriving byte by byte, the cut still waits for the whole character.
  std::vector<std::string> bytes;
  for (char ch : std::string("abc\xc3\xa9xyz\n")) bytes.emplace_back(1, ch);
  EXPECT_EQ(split(4, bytes).lines, (std::vector<std::string>{"abc", "\xc3\xa9xy", "z"}));
}
