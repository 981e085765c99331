#include "bottle/text/utf8.hpp"

#include <gtest/gtest.h>

using namespace bottle::text;

TEST(Utf8, TruncatesOnCharacterBoundaries) {
  const std::string host = std::string(79, 'a') + "é";  // é is two bytes
  EXPECT_EQ(truncate_utf8(host, 80), std::string(79, 'a'));
  EXPECT_EQ(truncate_utf8(host, 81), host);
  EXPECT_EQ(truncate_utf8("🙂🙂", 5), "🙂");
  EXPECT_EQ(truncate_utf8("🙂🙂", 3), "");
  EXPECT_TRUE(is_valid_utf8(truncate_utf8("ab🙂", 4)));
}

TEST(Utf8, TreatsAMalformedByteAsOneCharacterWhenTruncating) {
  EXPECT_EQ(truncate_utf8("a\xff\xfe"
                          "b",
                          2),
            "a\xff");
}

TEST(Utf8, ValidatesWellFormedSequencesOnly) {
  EXPECT_TRUE(is_valid_utf8("plain grüße 🙂"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x9c"));          // truncated
}

TEST(Utf8, ReplacesEachInvalidByteWithTheReplacementCharacter) {
  EXPECT_EQ(replace_invalid_utf8("a\xff"
                                 "b\xc0\xaf"),
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(replace_invalid_utf8("ok ✓"), "ok ✓");
}
