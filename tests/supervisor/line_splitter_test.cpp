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
  LineSplitter s(max, [&](const std::string& t, bool cont) {
    c.lines.push_back(t);
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

TEST(SanitizeLine, KeepsValidUtf8AndEscapesEverythingElse) {
  EXPECT_EQ(sanitize_line("grüße ✓ 🙂\ttab"), "grüße ✓ 🙂\ttab");
  EXPECT_EQ(sanitize_line(std::string("bad \xff\xfe end")), "bad \\xff\\xfe end");
  // Truncated sequence, overlong encoding, UTF-16 surrogate.
  EXPECT_EQ(sanitize_line(std::string("\xe2\x9c")), "\\xe2\\x9c");
  EXPECT_EQ(sanitize_line(std::string("\xc0\xaf")), "\\xc0\\xaf");
  EXPECT_EQ(sanitize_line(std::string("\xed\xa0\x80")), "\\xed\\xa0\\x80");
}

TEST(SanitizeLine, EscapesTerminalControlSequences) {
  // A daemon logging a hostile hostname must not be able to drive the operator's terminal.
  EXPECT_EQ(sanitize_line("\x1b[2Jcleared\x07"), "\\x1b[2Jcleared\\x07");
  EXPECT_EQ(sanitize_line(std::string("nul\0byte", 8)), "nul\\x00byte");
}
