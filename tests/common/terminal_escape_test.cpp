#include "bottle/text/terminal_escape.hpp"

#include <gtest/gtest.h>

using bottle::text::escape_for_terminal;
using bottle::text::is_terminal_safe;

TEST(TerminalEscape, KeepsPrintableUtf8AndTabs) {
  EXPECT_EQ(escape_for_terminal("grüße ✓ 🙂\ttab"), "grüße ✓ 🙂\ttab");
  EXPECT_TRUE(is_terminal_safe("grüße ✓ 🙂\ttab"));
}

TEST(TerminalEscape, EscapesC0ControlsAndDelAsHexBytes) {
  EXPECT_EQ(escape_for_terminal("\x1b[2Jcleared\x07"), "\\x1b[2Jcleared\\x07");
  EXPECT_EQ(escape_for_terminal(std::string("nul\0byte", 8)), "nul\\x00byte");
  EXPECT_EQ(escape_for_terminal("a\rb\nc\bd\x7f"), "a\\x0db\\x0ac\\x08d\\x7f");
}

TEST(TerminalEscape, EscapesInvalidUtf8ByteByByte) {
  EXPECT_EQ(escape_for_terminal("bad \xff\xfe end"), "bad \\xff\\xfe end");
  EXPECT_EQ(escape_for_terminal("\xe2\x9c"), "\\xe2\\x9c");           // truncated
  EXPECT_EQ(escape_for_terminal("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(escape_for_terminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
}

TEST(TerminalEscape, EscapesC1ControlsSuchAsTheEightBitCsi) {
  EXPECT_EQ(escape_for_terminal("x\xc2\x9b"
                                "2Jy"),
            "x\\u009b2Jy");
  EXPECT_EQ(escape_for_terminal("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
  EXPECT_FALSE(is_terminal_safe("\xc2\x9b"));
  EXPECT_EQ(escape_for_terminal("\xc2\xa0"), "\xc2\xa0");  // U+00A0 is text
}

TEST(TerminalEscape, EscapesBidirectionalOverridesIsolatesMarksAndInvisibleCharacters) {
  // "evil" written right-to-left would display reversed.
  EXPECT_EQ(escape_for_terminal("a\xe2\x80\xae"
                                "live"),
            "a\\u202elive");
  for (char32_t cp :
       {0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f,
        0x061c, 0x2028, 0x2029, 0x200b, 0x200c, 0x200d, 0x2060, 0x2064, 0xfeff, 0x00ad, 0x180e}) {
    std::string utf8;
    if (cp < 0x800) {
      utf8 = {static_cast<char>(0xc0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3f))};
    } else {
      utf8 = {static_cast<char>(0xe0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3f)),
              static_cast<char>(0x80 | (cp & 0x3f))};
    }
    const std::string escaped = escape_for_terminal(utf8);
    EXPECT_EQ(escaped.substr(0, 2), "\\u") << std::hex << static_cast<unsigned>(cp);
    EXPECT_FALSE(is_terminal_safe(utf8));
  }
}
